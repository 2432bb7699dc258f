/**
 * Tracing as the rest of the gateway sees it: a `TraceSpan` per request
 * that hands children to the router and to each backend attempt, and tells
 * the backend which context is its parent. src/observe/ is the only place
 * that knows OpenTelemetry: the SDK is loaded by `initTracing()` with a
 * dynamic import, and only when the standard OTEL_* variables ask for an
 * OTLP exporter (tracing-settings.ts).
 *
 * Three cases per request, decided once, in `requestSpan()`:
 *  - tracing on: an OpenTelemetry server span, child of the client's context
 *    if it sent a valid one; each backend attempt is a client span, so the
 *    backend sees a new span id per attempt. A request the sampler leaves
 *    out gets no child spans: its backends see the (unrecorded) request
 *    span's context, flagged not sampled;
 *  - tracing off, the client sent a valid context: a pass-through span whose
 *    children are itself, so the client's context reaches every backend as
 *    it came (the gateway is then not a participant of the trace, and a
 *    W3C intermediary that does not participate forwards the context);
 *  - tracing off, no context: undefined, and every layer below pays one
 *    null check.
 */
import type { TraceCarrier } from './trace-context.js';
import { tracingSettings } from './tracing-settings.js';
import { TRACE_FLUSH_TIMEOUT_MS } from './defaults.js';
import type { Logger } from './log.js';
import { requestAttributes } from './span-attributes.js';

import type { SpanAttributes, TraceSpan, Tracer } from './span-types.js';

export type { TraceCarrier } from './trace-context.js';
export type { AttributeValue, SpanAttributes, SpanOutcome, TraceSpan, Tracer } from './span-types.js';

let tracer: Tracer | undefined;

/** True once OpenTelemetry is loaded and exporting. */
export function tracingEnabled(): boolean {
  return tracer !== undefined;
}

/**
 * Loads the OpenTelemetry SDK and its OTLP/HTTP exporter when the
 * environment asks for it; otherwise does nothing (not even an import).
 * A setting that cannot be honoured is logged, and tracing stays off.
 */
export async function initTracing(role: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (tracer) return;
  const settings = tracingSettings(env);
  for (const note of settings.notes) logger.warn(note);
  if (!settings.enabled) return;
  try {
    const { createOtelTracer } = await import('./otel-tracer.js');
    tracer = createOtelTracer(settings.endpoint!, role, logger);
    logger.info({ endpoint: tracer.endpoint }, 'tracing: exporting spans over OTLP/HTTP');
  } catch (err) {
    logger.error({ err: String(err) }, 'tracing: could not load OpenTelemetry; spans are not exported');
  }
}

/** Flushes buffered spans (bounded by TRACE_FLUSH_TIMEOUT_MS); call before a worker exits. */
export async function shutdownTracing(): Promise<void> {
  const t = tracer;
  if (!t) return;
  tracer = undefined;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    t.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, TRACE_FLUSH_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
}

/**
 * The span of one client request (see the three cases above). `params` is
 * only read when tracing is on, for the attributes.
 */
export function requestSpan(method: string, params: Readonly<Record<string, unknown>> | undefined, parent: TraceCarrier | undefined, protocolVersion: string, era: string): TraceSpan | undefined {
  if (tracer) {
    const attributes = requestAttributes(method, params, protocolVersion, era);
    return tracer.server(spanName(method, attributes), parent, attributes);
  }
  return parent === undefined ? undefined : new PassThroughSpan(parent);
}

/** `{mcp.method.name} {target}` as the MCP semantic conventions name spans; the target is a tool or prompt name, never a URI. */
export function spanName(method: string, attributes: SpanAttributes): string {
  const target = attributes['gen_ai.tool.name'] ?? attributes['gen_ai.prompt.name'];
  return target === undefined ? method : `${method} ${String(target)}`;
}

/** Tracing off, the client's context forwarded as it came: every child is this same object, and nothing is recorded. */
class PassThroughSpan implements TraceSpan {
  readonly recording = false;
  constructor(readonly carrier: TraceCarrier) {}
  child(): TraceSpan {
    return this;
  }
  set(): void {}
  fail(): void {}
  end(): void {}
}
