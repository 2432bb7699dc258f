/**
 * The shapes tracing hands around: a span as the gateway uses it, and what
 * the OpenTelemetry side (otel-tracer.ts, loaded only when configured)
 * provides. No OpenTelemetry type appears outside src/observe/.
 */
import type { TraceCarrier } from './trace-context.js';

export type AttributeValue = string | number | boolean;
export type SpanAttributes = Record<string, AttributeValue | undefined>;

/** How an operation ended, in the words a span records: never an error message (it may quote arguments). */
export interface SpanOutcome {
  /** `tool_error`, a gateway error name (`GW_ERR_*`), or the backend's JSON-RPC code as text. */
  errorType: string;
  /** The JSON-RPC error code, when there is one. */
  code?: number | undefined;
}

export interface TraceSpan {
  /** The context a backend sees as its parent (traceparent, tracestate). */
  readonly carrier: TraceCarrier;
  /**
   * False when nothing under this span is recorded: tracing is off and this
   * is the client's context forwarded as it came, or the sampler left this
   * request out. Callers then make no child spans and hand `carrier` on as
   * it is (an unrecorded span's children would be unrecorded too).
   */
  readonly recording: boolean;
  /** A span under this one (the route decision, a backend attempt). */
  child(name: string, kind: 'internal' | 'client', attributes: SpanAttributes): TraceSpan;
  set(key: string, value: AttributeValue): void;
  fail(outcome: SpanOutcome): void;
  end(): void;
}

/** What otel-tracer.ts provides once loaded. */
export interface Tracer {
  /** A server span for one client request, under the client's context when it sent one. */
  server(name: string, parent: TraceCarrier | undefined, attributes: SpanAttributes): TraceSpan;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
  /** Where spans go, for the log. */
  readonly endpoint: string;
}
