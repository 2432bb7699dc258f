/**
 * The OpenTelemetry side of tracing, imported (dynamically, by tracing.ts)
 * only when OTEL_* asks for export: the only file that imports
 * @opentelemetry/*.
 *
 * Each worker exports its own spans: workers do the request work, and a
 * span relayed to the primary for export would cost a frame per span on
 * the channel that carries stdio calls. The primary exports nothing (it
 * only relays stdio frames; the worker's attempt span covers that time,
 * and the context rides the call's `_meta` through it untouched).
 *
 * No context manager and no global registration: parents are passed
 * explicitly (a request span to its children), so no AsyncLocalStorage
 * runs on the hot path and no other library's instrumentation is affected.
 */
import os from 'node:os';
import { trace, createTraceState, diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Context, type Span, type Tracer as OtelTracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { GATEWAY_VERSION } from '../mcp/identity.js';
import { formatTraceparent, parseTraceparent, type TraceCarrier } from './trace-context.js';
import { ATTR_ERROR_TYPE, ATTR_RPC_STATUS } from './span-attributes.js';
import type { AttributeValue, SpanAttributes, SpanOutcome, TraceSpan, Tracer } from './span-types.js';
import type { Logger } from './log.js';

const KINDS = { server: SpanKind.SERVER, internal: SpanKind.INTERNAL, client: SpanKind.CLIENT } as const;

/** `endpoint`: the traces URL (tracing-settings.ts); the SDK reads the other OTEL_* variables itself. */
export function createOtelTracer(endpoint: string, role: string, logger: Logger): Tracer {
  // Export failures (collector down) go to the gateway's log, where repeats collapse.
  diag.setLogger(
    {
      error: (message, ...args) => logger.warn({ detail: args.map(String).join(' ').slice(0, 500) }, `tracing: ${message}`),
      warn: (message, ...args) => logger.warn({ detail: args.map(String).join(' ').slice(0, 500) }, `tracing: ${message}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.WARN,
  );
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector) override the gateway's own defaults.
  const resource = defaultResource()
    .merge(resourceFromAttributes({
      'service.name': 'only1mcp',
      'service.version': GATEWAY_VERSION,
      'service.instance.id': `${os.hostname()}/${process.pid}`,
      'only1mcp.role': role,
    }))
    .merge(detectResources({ detectors: [envDetector] }));
  // The sampler (OTEL_TRACES_SAMPLER, default parentbased_always_on), span limits and batch sizes come from the environment.
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: endpoint }))],
  });
  const tracer = provider.getTracer('only1mcp', GATEWAY_VERSION);
  return {
    endpoint,
    server: (name, parent, attributes) => new OtelSpan(tracer, started(tracer, name, SpanKind.SERVER, attributes, parentContext(parent))),
    shutdown: () => provider.shutdown(),
  };
}

function parentContext(parent: TraceCarrier | undefined) {
  const parsed = parent && parseTraceparent(parent.traceparent);
  if (!parsed) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.flags,
    isRemote: true,
    ...(parent.tracestate ? { traceState: createTraceState(parent.tracestate) } : {}),
  });
}

class OtelSpan implements TraceSpan {
  readonly recording: boolean;
  private cached: TraceCarrier | undefined;
  /** This span as the parent context of its children (made once: a context is a copied map). */
  private asParent: Context | undefined;

  constructor(
    private readonly tracer: OtelTracer,
    private readonly span: Span,
  ) {
    this.recording = span.isRecording();
  }

  get carrier(): TraceCarrier {
    if (!this.cached) {
      const c = this.span.spanContext();
      const state = c.traceState?.serialize();
      const traceparent = formatTraceparent(c.traceId, c.spanId, c.traceFlags);
      this.cached = state ? { traceparent, tracestate: state } : { traceparent };
    }
    return this.cached;
  }

  child(name: string, kind: 'internal' | 'client', attributes: SpanAttributes): TraceSpan {
    this.asParent ??= trace.setSpan(ROOT_CONTEXT, this.span);
    return new OtelSpan(this.tracer, started(this.tracer, name, KINDS[kind], attributes, this.asParent));
  }

  set(key: string, value: AttributeValue): void {
    this.span.setAttribute(key, value);
  }

  fail(outcome: SpanOutcome): void {
    this.span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
    if (outcome.code !== undefined) this.span.setAttribute(ATTR_RPC_STATUS, String(outcome.code));
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorType });
  }

  end(): void {
    this.span.end();
  }
}

/**
 * A span with its attributes set only when it records: an unsampled span
 * (most of them, under a ratio sampler) skips copying and checking them.
 * The samplers the environment can name decide on the trace id and the
 * parent alone, so they need no attributes up front.
 */
function started(tracer: OtelTracer, name: string, kind: SpanKind, attributes: SpanAttributes, parent: Context): Span {
  const span = tracer.startSpan(name, { kind }, parent);
  // undefined values are skipped by setAttributes.
  if (span.isRecording()) span.setAttributes(attributes as Attributes);
  return span;
}
