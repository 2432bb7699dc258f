/**
 * W3C trace context from client to backend, and OpenTelemetry spans out
 * over OTLP/HTTP, against real processes: the gateway from dist/, stdio
 * backends that report the `_meta` they got (2025 and 2026-07-28 eras),
 * HTTP backends that record the headers of each POST (Streamable HTTP in
 * both eras, legacy HTTP+SSE), and an OTLP/HTTP receiver started here.
 *
 * Without OTEL_* the gateway passes a client's valid context through as it
 * came; with it, the backend's parent is the gateway's own attempt span.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { startSseBackend, startStreamableBackend, type TraceBackend } from '../helpers/trace-backends.js';
import { SPAN_KIND, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
const TRACESTATE = 'vendor=value,other=x';

const backends: Record<string, TraceBackend> = {};
let receiver: OtlpReceiver;

/** The config: two stdio backends (one per era) and three HTTP ones. */
function config(): string {
  return `
servers:
${fixtureServer('stdio1', 'trace-echo-server.js', ['--era', 'legacy'])}
${fixtureServer('stdio2', 'trace-echo-server.js', ['--era', 'modern'])}
  http1:
    url: ${backends.http1!.url}
  http2:
    url: ${backends.http2!.url}
  sse:
    type: sse
    url: ${backends.sse!.url}
`;
}

const ALL = ['stdio1', 'stdio2', 'http1', 'http2', 'sse'] as const;
const HTTP = new Set(['http1', 'http2', 'sse']);

interface Seen {
  traceparent: string | null;
  tracestate: string | null;
}

type ClientEra = 'legacy' | 'modern';

interface CallOptions {
  headers?: Record<string, string>;
  meta?: Record<string, unknown>;
  args?: Record<string, unknown>;
}

/** One tools/call in either client era, with full control of the trace context it carries; returns the result. */
async function call(gateway: Gateway, era: ClientEra, sid: string, tool: string, options: CallOptions = {}): Promise<{ content: { text: string }[]; isError?: boolean } & Record<string, unknown>> {
  const params: Record<string, unknown> = { name: tool, arguments: options.args ?? {} };
  let headers: Record<string, string>;
  if (era === 'legacy') {
    headers = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', ...options.headers };
    if (options.meta) params._meta = options.meta;
  } else {
    headers = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': tool, ...options.headers };
    params._meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {}, ...options.meta };
  }
  const res = await post(gateway.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params }, headers);
  const body = res.json() as { result?: never; error?: { code: number; message: string } };
  if (!body.result) throw Object.assign(new Error(`tools/call ${tool}: ${res.status} ${res.body}`), { rpc: body.error });
  return body.result;
}

/** What the backend reported seeing in `_meta` (its answer text), plus, for HTTP backends, the headers it recorded. */
async function seenBy(gateway: Gateway, era: ClientEra, sid: string, server: string, options: CallOptions = {}): Promise<{ meta: Seen; header: Seen | undefined }> {
  const before = HTTP.has(server) ? backends[server]!.seen.length : 0;
  const result = await call(gateway, era, sid, `${server}__traced`, options);
  const meta = JSON.parse(result.content[0]!.text) as Seen;
  if (!HTTP.has(server)) return { meta, header: undefined };
  const entry = backends[server]!.seen[before]!;
  return { meta, header: { traceparent: entry.header.traceparent ?? null, tracestate: entry.header.tracestate ?? null } };
}

beforeAll(async () => {
  backends.http1 = await startStreamableBackend('legacy');
  backends.http2 = await startStreamableBackend('modern');
  backends.sse = await startSseBackend();
  receiver = await startOtlpReceiver();
}, 30_000);

afterAll(async () => {
  await stopAll();
  await Promise.all(Object.values(backends).map((b) => b.close()));
  await receiver?.close();
});

describe('tracing off: a client\'s trace context reaches every backend as it came', () => {
  let gateway: Gateway;
  let sid: string;

  beforeAll(async () => {
    // Told where the receiver is, but switched off: the switch, not a missing endpoint, is what keeps the receiver empty.
    gateway = await startGateway(config(), { env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_SDK_DISABLED: 'true' } });
    sid = await rawSession(gateway.url);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  for (const era of ['legacy', 'modern'] as const) {
    for (const server of ALL) {
      it(`${era} client, ${server}: traceparent and tracestate headers arrive ${HTTP.has(server) ? 'as headers and ' : ''}in _meta`, async () => {
        const seen = await seenBy(gateway, era, sid, server, { headers: { traceparent: TRACEPARENT, tracestate: TRACESTATE } });
        expect(seen.meta).toEqual({ traceparent: TRACEPARENT, tracestate: TRACESTATE });
        if (HTTP.has(server)) expect(seen.header).toEqual({ traceparent: TRACEPARENT, tracestate: TRACESTATE });
      });
    }

    it(`${era} client: a traceparent in the request's _meta is taken like the header`, async () => {
      const other = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;
      for (const server of ['stdio1', 'http1'] as const) {
        const seen = await seenBy(gateway, era, sid, server, { meta: { traceparent: other } });
        expect(seen.meta).toEqual({ traceparent: other, tracestate: null });
        if (HTTP.has(server)) expect(seen.header).toEqual({ traceparent: other, tracestate: null });
      }
    });

    it(`${era} client: a malformed traceparent is ignored, not an error, and never passed on`, async () => {
      const malformed = [
        TRACEPARENT.toUpperCase(),
        `00-${'0'.repeat(32)}-${CLIENT_SPAN}-01`,
        `ff-${TRACE_ID}-${CLIENT_SPAN}-01`,
        `${TRACEPARENT}-extra`,
        'garbage',
        `00-${TRACE_ID}-${CLIENT_SPAN}-01${'x'.repeat(4000)}`,
      ];
      for (const bad of malformed) {
        for (const server of ['stdio2', 'http1', 'sse'] as const) {
          const fromHeader = await seenBy(gateway, era, sid, server, { headers: { traceparent: bad, tracestate: TRACESTATE } });
          expect(fromHeader.meta).toEqual({ traceparent: null, tracestate: null });
          if (fromHeader.header) expect(fromHeader.header).toEqual({ traceparent: null, tracestate: null });
          const fromMeta = await seenBy(gateway, era, sid, server, { meta: { traceparent: bad, tracestate: TRACESTATE } });
          expect(fromMeta.meta).toEqual({ traceparent: null, tracestate: null });
        }
      }
    });

    it(`${era} client: a malformed tracestate is dropped, the traceparent kept`, async () => {
      const seen = await seenBy(gateway, era, sid, 'http2', { headers: { traceparent: TRACEPARENT, tracestate: 'Upper=1' } });
      expect(seen.meta).toEqual({ traceparent: TRACEPARENT, tracestate: null });
      expect(seen.header).toEqual({ traceparent: TRACEPARENT, tracestate: null });
    });
  }

  it('no trace context: backends get none, and the gateway exports nothing', async () => {
    for (const server of ALL) {
      const seen = await seenBy(gateway, 'legacy', sid, server);
      expect(seen.meta).toEqual({ traceparent: null, tracestate: null });
      if (seen.header) expect(seen.header).toEqual({ traceparent: null, tracestate: null });
    }
    expect(receiver.spans).toEqual([]);
  });
});

describe('tracing on: spans over OTLP/HTTP, and the gateway\'s attempt span is the backend\'s parent', () => {
  let gateway: Gateway;
  let sid: string;

  beforeAll(async () => {
    gateway = await startGateway(config(), {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_SERVICE_NAME: 'only1mcp-under-test', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    });
    sid = await rawSession(gateway.url);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  /** The three spans of one call that carried `traceId`, once they all arrived. */
  async function spansOf(traceId: string, attemptSpanId: string): Promise<{ server: ReceivedSpan; route: ReceivedSpan; attempt: ReceivedSpan }> {
    return vi.waitFor(
      () => {
        const attempt = receiver.spans.find((s) => s.spanId === attemptSpanId);
        const server = attempt && receiver.spans.find((s) => s.spanId === attempt.parentSpanId);
        const route = server && receiver.spans.find((s) => s.parentSpanId === server.spanId && s.kind === SPAN_KIND.internal);
        if (!attempt || !server || !route) throw new Error(`spans of trace ${traceId} not all received yet`);
        return { server, route, attempt };
      },
      { timeout: 15_000, interval: 50 },
    );
  }

  for (const era of ['legacy', 'modern'] as const) {
    for (const server of ALL) {
      it(`${era} client, ${server}: server span under the client's, route and attempt spans under it; the backend's parent is the attempt`, async () => {
        const seen = await seenBy(gateway, era, sid, server, { headers: { traceparent: TRACEPARENT, tracestate: TRACESTATE } });
        const parts = String(seen.meta.traceparent).split('-');
        expect(parts[0]).toBe('00');
        expect(parts[1]).toBe(TRACE_ID);
        expect(parts[2]).not.toBe(CLIENT_SPAN);
        expect(parts[3]).toBe('01');
        expect(seen.meta.tracestate).toBe(TRACESTATE);
        if (seen.header) expect(seen.header).toEqual(seen.meta);

        const { server: request, route, attempt } = await spansOf(TRACE_ID, parts[2]!);
        expect(request).toMatchObject({ traceId: TRACE_ID, parentSpanId: CLIENT_SPAN, kind: SPAN_KIND.server, name: `tools/call ${server}__traced` });
        expect(request.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': `${server}__traced`, 'only1mcp.era': era });
        expect(route).toMatchObject({ traceId: TRACE_ID, kind: SPAN_KIND.internal, name: 'route tools/call' });
        expect(route.attributes).toMatchObject({ 'only1mcp.backend': server, 'only1mcp.outcome': 'routed' });
        expect(attempt).toMatchObject({ traceId: TRACE_ID, kind: SPAN_KIND.client, name: 'tools/call traced', status: 0 });
        expect(attempt.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'traced', 'only1mcp.backend': server, 'only1mcp.outcome': 'ok' });
        expect(request.resource['service.name']).toBe('only1mcp-under-test');
      });
    }
  }

  it('each backend attempt has its own span id; a request without context starts a trace of its own', async () => {
    const first = await seenBy(gateway, 'legacy', sid, 'stdio2', { headers: { traceparent: TRACEPARENT } });
    const second = await seenBy(gateway, 'legacy', sid, 'stdio2', { headers: { traceparent: TRACEPARENT } });
    expect(first.meta.traceparent).not.toBe(second.meta.traceparent);
    const own = await seenBy(gateway, 'modern', sid, 'http1');
    const [, traceId, spanId] = String(own.meta.traceparent).split('-');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe(TRACE_ID);
    const { server } = await spansOf(traceId!, spanId!);
    expect(server.parentSpanId).toBeUndefined();
    expect(server.traceId).toBe(traceId);
  });

  it('a request the client marked not sampled: no spans, and the backend sees the gateway\'s span flagged not sampled', async () => {
    const unsampled = `00-${'e'.repeat(32)}-${CLIENT_SPAN}-00`;
    for (const server of ['stdio1', 'http2'] as const) {
      const seen = await seenBy(gateway, 'modern', sid, server, { headers: { traceparent: unsampled } });
      const [version, traceId, spanId, flags] = String(seen.meta.traceparent).split('-');
      expect([version, traceId, flags]).toEqual(['00', 'e'.repeat(32), '00']);
      expect(spanId).not.toBe(CLIENT_SPAN);
      if (seen.header) expect(seen.header.traceparent).toBe(seen.meta.traceparent);
    }
    // A sampled request sent after them is exported; by then the unsampled ones would have been too.
    const after = await seenBy(gateway, 'modern', sid, 'http1', { headers: { traceparent: `00-${'f'.repeat(32)}-${CLIENT_SPAN}-01` } });
    await spansOf('f'.repeat(32), String(after.meta.traceparent).split('-')[2]!);
    expect(receiver.spans.filter((s) => s.traceId === 'e'.repeat(32))).toEqual([]);
  });

  it('failures are recorded as error types, never as messages or arguments', async () => {
    const secret = 'hunter2-do-not-record';
    for (const server of ['stdio1', 'http2'] as const) {
      const broken = await call(gateway, 'legacy', sid, `${server}__broken`, { headers: { traceparent: TRACEPARENT }, args: { password: secret } }).catch((err: { rpc?: { code: number } }) => err);
      expect((broken as { rpc?: { code: number } }).rpc?.code).toBe(-32000);
      const failing = await call(gateway, 'legacy', sid, `${server}__failing`, { headers: { traceparent: TRACEPARENT }, args: { password: secret } });
      expect(failing.isError).toBe(true);
      const attemptOfFailing = String((JSON.parse(failing.content[0]!.text) as Seen).traceparent).split('-')[2]!;
      const spans = await spansOf(TRACE_ID, attemptOfFailing);
      expect(spans.attempt.attributes).toMatchObject({ 'error.type': 'tool_error', 'only1mcp.outcome': 'tool_error' });
      expect(spans.attempt.status).toBe(2);
      expect(spans.server.attributes).toMatchObject({ 'error.type': 'tool_error' });
    }
    await vi.waitFor(() => {
      const brokenAttempts = receiver.spans.filter((s) => s.kind === SPAN_KIND.client && s.attributes['gen_ai.tool.name'] === 'broken');
      expect(brokenAttempts).toHaveLength(2);
      for (const s of brokenAttempts) {
        expect(s.attributes).toMatchObject({ 'error.type': '-32000', 'rpc.response.status_code': '-32000', 'only1mcp.outcome': 'error' });
        expect(s.status).toBe(2);
      }
    }, { timeout: 15_000, interval: 50 });
    const everything = JSON.stringify(receiver.spans);
    expect(everything).not.toContain(secret);
    expect(everything).not.toContain('broken on purpose');
    expect(everything).not.toContain(sid);
  });

  it('an unknown tool: the route span records the gateway error', async () => {
    const err = await call(gateway, 'legacy', sid, 'nobody__here', { headers: { traceparent: `00-${'c'.repeat(32)}-${CLIENT_SPAN}-01` } }).catch((e: { rpc?: { code: number } }) => e);
    expect((err as { rpc?: { code: number } }).rpc?.code).toBe(-32602);
    await vi.waitFor(() => {
      const route = receiver.spans.find((s) => s.traceId === 'c'.repeat(32) && s.kind === SPAN_KIND.internal);
      expect(route?.attributes).toMatchObject({ 'error.type': 'GW_ERR_UNKNOWN_TOOL', 'only1mcp.outcome': 'unrouted' });
      expect(receiver.spans.some((s) => s.traceId === 'c'.repeat(32) && s.kind === SPAN_KIND.client)).toBe(false);
    }, { timeout: 15_000, interval: 50 });
  });

  it('exports OTLP/HTTP with JSON bodies', () => {
    expect(receiver.contentTypes.length).toBeGreaterThan(0);
    for (const type of receiver.contentTypes) expect(type).toContain('application/json');
  });
});
