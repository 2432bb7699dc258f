import { describe, expect, it } from 'vitest';
import { withAttemptSpan } from '../../src/policy/trace-policy.js';
import { UpstreamRpcError } from '../../src/backends/rpc-connection.js';
import { GatewayError } from '../../src/mcp/errors.js';
import type { AttributeValue, SpanAttributes, SpanOutcome, TraceSpan } from '../../src/observe/tracing.js';

/** A TraceSpan that records what the policy did with it; children get their own ids. */
class RecordingSpan implements TraceSpan {
  readonly recording = true;
  readonly children: RecordingSpan[] = [];
  readonly attributes: Record<string, AttributeValue> = {};
  failed: SpanOutcome | undefined;
  ended = 0;

  constructor(
    readonly name: string,
    readonly kind: string,
    readonly id: string,
    initial: SpanAttributes = {},
  ) {
    for (const [k, v] of Object.entries(initial)) if (v !== undefined) this.attributes[k] = v;
  }

  get carrier() {
    return { traceparent: `00-${'a'.repeat(32)}-${this.id}-01` };
  }

  child(name: string, kind: 'internal' | 'client', attributes: SpanAttributes): TraceSpan {
    const span = new RecordingSpan(name, kind, String(this.children.length + 1).padStart(16, '0'), attributes);
    this.children.push(span);
    return span;
  }

  set(key: string, value: AttributeValue): void {
    this.attributes[key] = value;
  }

  fail(outcome: SpanOutcome): void {
    this.failed = outcome;
  }

  end(): void {
    this.ended++;
  }
}

describe('withAttemptSpan', () => {
  it('under a span that records nothing (a client\'s context passed through, an unsampled request), hands its context on and makes no span', async () => {
    const carrier = { traceparent: `00-${'c'.repeat(32)}-${'d'.repeat(16)}-01` };
    const passThrough: TraceSpan = { carrier, recording: false, child: () => { throw new Error('no span expected'); }, set: () => undefined, fail: () => undefined, end: () => undefined };
    const seen: unknown[] = [];
    await withAttemptSpan(passThrough, 'b', 'tools/call', { name: 't' }, async (trace) => (seen.push(trace), {}))();
    expect(seen).toEqual([carrier]);
  });

  it('without a trace, calls send with none and records nothing', async () => {
    const seen: unknown[] = [];
    const send = withAttemptSpan(undefined, 'b', 'tools/call', { name: 't' }, async (trace) => (seen.push(trace), { ok: true }));
    await expect(send()).resolves.toEqual({ ok: true });
    expect(seen).toEqual([undefined]);
  });

  it('gives each attempt its own client span, whose context the backend gets', async () => {
    const parent = new RecordingSpan('request', 'server', 'f'.repeat(16));
    const seen: string[] = [];
    const send = withAttemptSpan(parent, 'github', 'tools/call', { name: 'search', arguments: { q: 'secret' } }, async (trace) => (seen.push(trace!.traceparent), { content: [] }));
    await send();
    await send();
    expect(parent.children.map((c) => [c.name, c.kind, c.ended])).toEqual([['tools/call search', 'client', 1], ['tools/call search', 'client', 1]]);
    expect(seen).toEqual(parent.children.map((c) => c.carrier.traceparent));
    expect(new Set(seen).size).toBe(2);
    expect(parent.children[0]!.attributes).toEqual({ 'only1mcp.backend': 'github', 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'search', 'only1mcp.outcome': 'ok' });
    expect(JSON.stringify(parent.children)).not.toContain('secret');
  });

  it('records a tool error, a backend error and a fault by type, and passes errors through', async () => {
    const parent = new RecordingSpan('request', 'server', 'f'.repeat(16));
    await withAttemptSpan(parent, 'b', 'tools/call', { name: 't' }, async () => ({ isError: true, content: [] }))();
    await expect(withAttemptSpan(parent, 'b', 'tools/call', { name: 't' }, async () => Promise.reject(new UpstreamRpcError(-32000, 'said no')))()).rejects.toThrow('said no');
    await expect(withAttemptSpan(parent, 'b', 'resources/read', { uri: 'file:///x?token=abc' }, async () => Promise.reject(new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'late')))()).rejects.toThrow('late');
    expect(parent.children.map((c) => [c.failed, c.attributes['only1mcp.outcome'], c.ended])).toEqual([
      [{ errorType: 'tool_error' }, 'tool_error', 1],
      [{ errorType: '-32000', code: -32000 }, 'error', 1],
      [{ errorType: 'GW_ERR_BACKEND_TIMEOUT', code: expect.any(Number) }, 'fault', 1],
    ]);
    expect(parent.children[2]!.attributes['mcp.resource.uri']).toBe('file:///x');
    expect(parent.children[2]!.name).toBe('resources/read');
  });
});
