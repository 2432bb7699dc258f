/**
 * HTTP MCP backends for the tracing tests that record the trace context of
 * every tools/call they receive: the HTTP headers of the POST and the
 * request's `_meta`. Hand-written over node:http (no SDK), in the two HTTP
 * transports the gateway speaks to backends: Streamable HTTP (2025 session
 * or 2026-07-28 stateless) and the legacy HTTP+SSE transport.
 *
 * Tools, as in test/fixtures/trace-echo-server.ts: `traced` answers with
 * what it saw, `broken` with a JSON-RPC error, `failing` with isError.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenTrace {
  tool: string;
  header: { traceparent: string | undefined; tracestate: string | undefined };
  meta: { traceparent: unknown; tracestate: unknown };
}

export interface TraceBackend {
  url: string;
  seen: SeenTrace[];
  close(): Promise<void>;
}

interface Message {
  id?: string | number;
  method?: string;
  params?: { name?: string; _meta?: Record<string, unknown> };
}

const TOOLS = ['traced', 'broken', 'failing'].map((name) => ({ name, description: `The ${name} tool.`, inputSchema: { type: 'object', properties: {} } }));

/** The JSON-RPC answer to one message (undefined for notifications), recording tools/call. */
function answer(message: Message, req: http.IncomingMessage, era: 'legacy' | 'modern', seen: SeenTrace[]): object | undefined {
  if (message.id === undefined || typeof message.method !== 'string') return undefined;
  const id = message.id;
  const result = (r: object) => ({ jsonrpc: '2.0', id, result: era === 'modern' ? { resultType: 'complete', ...r } : r });
  const error = (code: number, text: string) => ({ jsonrpc: '2.0', id, error: { code, message: text } });
  switch (message.method) {
    case 'initialize':
      return era === 'legacy' ? result({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'trace-http', version: '1' } }) : error(-32601, 'Method not found');
    case 'server/discover':
      return era === 'modern'
        ? result({ supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'trace-http', version: '1' } } })
        : error(-32601, 'Method not found');
    case 'tools/list':
      return result({ tools: TOOLS });
    case 'tools/call': {
      const meta = message.params?._meta ?? {};
      const entry: SeenTrace = {
        tool: message.params?.name ?? '',
        header: { traceparent: header(req, 'traceparent'), tracestate: header(req, 'tracestate') },
        meta: { traceparent: meta.traceparent, tracestate: meta.tracestate },
      };
      seen.push(entry);
      const text = JSON.stringify({ traceparent: meta.traceparent ?? null, tracestate: meta.tracestate ?? null });
      if (entry.tool === 'broken') return error(-32000, 'broken on purpose');
      return result({ content: [{ type: 'text', text }], ...(entry.tool === 'failing' ? { isError: true } : {}) });
    }
    default:
      return error(-32601, 'Method not found');
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => resolve(body));
  });
}

function listen(server: http.Server, path: string): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`)));
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** A Streamable HTTP backend at /mcp: a 2025-era server with a session, or a 2026-07-28 stateless one. */
export async function startStreamableBackend(era: 'legacy' | 'modern'): Promise<TraceBackend> {
  const seen: SeenTrace[] = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') return void res.writeHead(405).end();
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    void readBody(req).then((body) => {
      const message = JSON.parse(body) as Message;
      const reply = answer(message, req, era, seen);
      if (!reply) return void res.writeHead(202).end();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (message.method === 'initialize' && era === 'legacy') headers['mcp-session-id'] = 'trace-session';
      res.writeHead(200, headers).end(JSON.stringify(reply));
    });
  });
  return { url: await listen(server, '/mcp'), seen, close: closer(server) };
}

/** A legacy HTTP+SSE backend (2024-11-05): GET /sse opens a session's stream, POST /messages?sid= is answered on it. */
export async function startSseBackend(): Promise<TraceBackend> {
  const seen: SeenTrace[] = [];
  const streams = new Map<string, http.ServerResponse>();
  let next = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && url.pathname === '/sse') {
      const sid = String(++next);
      streams.set(sid, res);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(`event: endpoint\ndata: /messages?sid=${sid}\n\n`);
      req.on('close', () => streams.delete(sid));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/messages') {
      void readBody(req).then((body) => {
        const stream = streams.get(url.searchParams.get('sid') ?? '');
        if (!stream) return void res.writeHead(404).end();
        res.writeHead(202).end();
        const message = JSON.parse(body) as Message;
        // A 2024-11-05 server: initialize answers with that revision.
        const reply = message.method === 'initialize'
          ? { jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2024-11-05', capabilities: { tools: {} }, serverInfo: { name: 'trace-sse', version: '1' } } }
          : answer(message, req, 'legacy', seen);
        if (reply) stream.write(`event: message\ndata: ${JSON.stringify(reply)}\n\n`);
      });
      return;
    }
    res.writeHead(404).end();
  });
  return { url: await listen(server, '/sse'), seen, close: closer(server) };
}
