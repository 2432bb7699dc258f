/**
 * The gateway's POSTs to a Streamable HTTP backend, on the wire: a
 * hand-written 2025-era backend (node:http, no SDK) answers in the shapes
 * deployed servers use — plain JSON, chunked JSON, an SSE stream with
 * notifications before the result, an SSE stream left open after it, a body
 * that is not JSON-RPC — and records what reached it, so that the tests can
 * see cancellation and deadlines arrive at the backend as closed requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, rawSession } from '../helpers/clients.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { SSE_DRAIN_GRACE_MS } from '../../src/backends/http/post-message.js';

const TOOLS = ['json', 'chunked', 'sse', 'sse-open', 'hang', 'not-rpc', 'big'].map((name) => ({ name, inputSchema: { type: 'object', properties: {} } }));
/** Larger than one socket read, so the body arrives in many chunks. */
const BIG_TEXT = 'x'.repeat(3 * 1024 * 1024);

interface Seen {
  /** Tool calls whose request the gateway closed before the backend answered. */
  closedEarly: string[];
  cancelled: unknown[];
  /** Sockets the backend saw (keep-alive reuse keeps this small). */
  sockets: number;
}

function startBackend(seen: Seen): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    // No standalone stream (allowed by the transport); DELETE ends the session.
    if (req.method === 'GET') return void res.writeHead(405).end();
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const msg = JSON.parse(body) as { id?: number; method: string; params?: { name?: string; requestId?: unknown } };
      const reply = (result: unknown) => JSON.stringify({ jsonrpc: '2.0', id: msg.id, result });
      if (msg.id === undefined) {
        if (msg.method === 'notifications/cancelled') seen.cancelled.push(msg.params?.requestId);
        res.writeHead(202).end();
        return;
      }
      switch (msg.method) {
        case 'initialize':
          res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'wire-1' });
          res.end(reply({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'wire', version: '1' } }));
          return;
        case 'tools/list':
          res.writeHead(200, { 'content-type': 'application/json' }).end(reply({ tools: TOOLS }));
          return;
        case 'tools/call':
          break;
        default:
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'no' } }));
          return;
      }
      const text = (t: string) => reply({ content: [{ type: 'text', text: t }] });
      const name = msg.params?.name ?? '';
      res.on('close', () => {
        if (!res.writableFinished) seen.closedEarly.push(name);
      });
      switch (name) {
        case 'json':
          res.writeHead(200, { 'content-type': 'application/json' }).end(text('plain'));
          return;
        case 'chunked': {
          // No content-length: the body goes out chunked, split mid-token.
          const whole = text('in pieces');
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(whole.slice(0, 7));
          setTimeout(() => res.end(whole.slice(7)), 20);
          return;
        }
        case 'big':
          res.writeHead(200, { 'content-type': 'application/json' }).end(text(BIG_TEXT));
          return;
        case 'sse':
        case 'sse-open': {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'error', data: 'before the result' } })}\n\n`);
          // The result split across two writes, with a multi-byte character on the cut.
          const event = `data: ${text('streamed ✓')}\n\n`;
          const cut = Buffer.from(event);
          const at = cut.indexOf(Buffer.from('✓')) + 1;
          res.write(cut.subarray(0, at));
          setTimeout(() => {
            res.write(cut.subarray(at));
            if (name === 'sse') res.end();
          }, 20);
          return;
        }
        case 'not-rpc':
          res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
          return;
        case 'hang':
          return; // never answers
      }
    });
  });
  server.on('connection', () => seen.sockets++);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const seen: Seen = { closedEarly: [], cancelled: [], sockets: 0 };
let backend: http.Server;
let gateway: Gateway;

beforeAll(async () => {
  backend = await startBackend(seen);
  const port = (backend.address() as AddressInfo).port;
  gateway = await startGateway(`logLevel: debug\nservers:\n  wire:\n    url: http://127.0.0.1:${port}/mcp\n    timeoutMs: 500\n`);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  backend?.closeAllConnections();
  backend?.close();
  await stopAll();
});

interface Answer {
  result?: { content: Array<{ text: string }> };
  error?: { code: number; message: string };
}

async function callTool(sid: string, id: number, name: string): Promise<{ answer: Answer; raw: string }> {
  const res = await post(gateway.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: `wire__${name}`, arguments: {} } }, { 'mcp-session-id': sid });
  // An SSE answer ends with the response event; a JSON answer is the response.
  const raw = res.body;
  const last = res.headers.get('content-type')?.includes('text/event-stream')
    ? raw.split('\n').filter((l) => l.startsWith('data: ') && l.length > 6).map((l) => JSON.parse(l.slice(6)) as { id?: number }).find((m) => m.id === id)
    : JSON.parse(raw);
  return { answer: last as Answer, raw };
}

describe('POSTs to a Streamable HTTP backend', () => {
  it('reads JSON bodies whole, in one piece, in chunks and in many reads', async () => {
    const sid = await rawSession(gateway.url);
    expect((await callTool(sid, 1, 'json')).answer.result?.content[0]?.text).toBe('plain');
    expect((await callTool(sid, 2, 'chunked')).answer.result?.content[0]?.text).toBe('in pieces');
    expect((await callTool(sid, 3, 'big')).answer.result?.content[0]?.text.length).toBe(BIG_TEXT.length);
  });

  it('passes on what an SSE answer carries before the result and decodes characters cut between reads', async () => {
    const sid = await post(gateway.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    const session = sid.headers.get('mcp-session-id')!;
    await post(gateway.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': session });
    await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'debug' } }, { 'mcp-session-id': session });
    const { answer, raw } = await callTool(session, 2, 'sse');
    expect(answer.result?.content[0]?.text).toBe('streamed ✓');
    expect(raw).toContain('before the result');
  });

  it('answers as soon as the result arrives on a stream the backend leaves open, and then closes that stream', async () => {
    const sid = await rawSession(gateway.url);
    const { answer } = await callTool(sid, 1, 'sse-open');
    expect(answer.result?.content[0]?.text).toBe('streamed ✓');
    // Answered while the backend's stream was still open: the gateway did not wait for it to end.
    expect(seen.closedEarly).not.toContain('sse-open');
    await expect.poll(() => seen.closedEarly.includes('sse-open'), { timeout: SSE_DRAIN_GRACE_MS + 3_000 }).toBe(true);
  });

  it('reports a non-JSON-RPC error page as a backend fault, quoting it', async () => {
    const sid = await rawSession(gateway.url);
    const { answer } = await callTool(sid, 1, 'not-rpc');
    expect(answer.error?.message).toMatch(/HTTP 502: <html>bad gateway<\/html>/);
  });

  it('a deadline closes the request at the backend and tells a 2025 backend which call it cancelled', async () => {
    const sid = await rawSession(gateway.url);
    const { answer } = await callTool(sid, 1, 'hang');
    expect(answer.error?.message).toMatch(/did not answer within 500 ms/);
    await expect.poll(() => seen.closedEarly.filter((n) => n === 'hang').length, { timeout: 3_000 }).toBe(1);
    await expect.poll(() => seen.cancelled.length, { timeout: 3_000 }).toBeGreaterThan(0);
    expect((await callTool(sid, 2, 'json')).answer.result?.content[0]?.text).toBe('plain');
  });

  it('a client cancellation closes the request at the backend', async () => {
    const sid = await rawSession(gateway.url);
    const before = seen.closedEarly.filter((n) => n === 'hang').length;
    const pending = callTool(sid, 7, 'hang');
    await new Promise((r) => setTimeout(r, 100));
    await post(gateway.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'user' } }, { 'mcp-session-id': sid });
    await expect.poll(() => seen.closedEarly.filter((n) => n === 'hang').length, { timeout: 3_000 }).toBe(before + 1);
    await pending.catch(() => undefined);
  });

  it('keeps connections alive between calls', async () => {
    const sid = await rawSession(gateway.url);
    const before = seen.sockets;
    for (let i = 0; i < 20; i++) expect((await callTool(sid, i, 'json')).answer.result?.content[0]?.text).toBe('plain');
    expect(seen.sockets - before).toBeLessThanOrEqual(1);
  });

  it('counts the calls and times them per backend and outcome in /metrics', async () => {
    const sid = await rawSession(gateway.url);
    await callTool(sid, 1, 'json');
    const metrics = await (await fetch(`${gateway.base}/metrics`)).text();
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? NaN);
    expect(value(/only1mcp_requests_total\{method="tools\/call",era="legacy"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    expect(value(/only1mcp_backend_call_seconds_count\{backend="wire",outcome="ok"\} (\d+)/)).toBeGreaterThanOrEqual(1);
    // The deadline test's call never got an answer: a fault, not the backend's own error.
    expect(value(/only1mcp_backend_call_seconds_count\{backend="wire",outcome="fault"\} (\d+)/)).toBeGreaterThanOrEqual(1);
  });
});
