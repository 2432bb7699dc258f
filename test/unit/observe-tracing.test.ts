import { describe, expect, it } from 'vitest';
import { initTracing, requestSpan, shutdownTracing, tracingEnabled } from '../../src/observe/tracing.js';
import { bounded } from '../../src/observe/span-attributes.js';
import { MAX_SPAN_ATTRIBUTE_CHARS } from '../../src/observe/defaults.js';
import pino from 'pino';

const OTEL_GLOBAL = Symbol.for('opentelemetry.js.api.1');
const quiet = pino({ level: 'silent' });

describe('tracing off', () => {
  it('loads nothing of OpenTelemetry when OTEL_* does not ask for export', async () => {
    await initTracing('worker-0', quiet, { OTEL_SERVICE_NAME: 'x' });
    expect(tracingEnabled()).toBe(false);
    // The SDK registers its diagnostics logger in this global when it is set up.
    expect((globalThis as Record<symbol, unknown>)[OTEL_GLOBAL]).toBeUndefined();
  });

  it('a request without context has no span; one with context passes it through to every child', () => {
    expect(requestSpan('tools/call', { name: 't' }, undefined, '2025-11-25', 'legacy')).toBeUndefined();
    const carrier = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, tracestate: 'k=v' };
    const span = requestSpan('tools/call', { name: 't' }, carrier, '2025-11-25', 'legacy')!;
    const child = span.child('tools/call t', 'client', {});
    expect(child.carrier).toBe(carrier);
    expect(child.child('x', 'internal', {}).carrier).toBe(carrier);
  });
});

describe('tracing on', () => {
  it('loads the SDK when an OTLP endpoint is set, and stops it again', async () => {
    await initTracing('worker-0', quiet, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
    expect(tracingEnabled()).toBe(true);
    expect((globalThis as Record<symbol, unknown>)[OTEL_GLOBAL]).toBeDefined();
    const span = requestSpan('tools/call', { name: 't' }, undefined, '2026-07-28', 'modern')!;
    expect(span.carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    span.end();
    await shutdownTracing();
    expect(tracingEnabled()).toBe(false);
  });
});

describe('span attribute values', () => {
  it(`cuts client-chosen text to ${MAX_SPAN_ATTRIBUTE_CHARS} characters`, () => {
    expect(bounded('short')).toBe('short');
    const cut = bounded('x'.repeat(10_000));
    expect(cut.length).toBe(MAX_SPAN_ATTRIBUTE_CHARS);
    expect(cut.endsWith('…')).toBe(true);
  });
});
