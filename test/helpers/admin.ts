/**
 * The admin API (/api/v1/admin/) and MCP calls over fresh connections: each
 * request opens its own, so with several workers sharing the port (spread
 * per connection) a loop of them reaches every worker.
 */
import { request } from 'undici';

export interface AdminReply<T = any> {
  status: number;
  /** The pid of the worker that answered (x-only1mcp-worker). */
  worker: string;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

export async function adminCall<T = any>(base: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', route: string, headers: Record<string, string> = {}): Promise<AdminReply<T>> {
  const res = await request(`${base}/api/v1/admin/${route}`, { method, headers: { connection: 'close', ...headers } });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: the test that looks at it says so.
  }
  return { status: res.statusCode, worker: String(res.headers['x-only1mcp-worker']), headers: res.headers, body: body as T };
}

export const adminGet = <T = any>(base: string, route: string, headers: Record<string, string> = {}) => adminCall<T>(base, 'GET', route, headers);
export const adminPost = <T = any>(base: string, route: string, headers: Record<string, string> = {}) => adminCall<T>(base, 'POST', route, headers);

const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

/** One stateless (2026-07-28) tools/call on a fresh connection. */
export async function modernCall(url: string, tool: string, args: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; worker: string; body: any }> {
  const res = await request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': tool,
      connection: 'close',
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args, _meta: MODERN_META } }),
  });
  return { status: res.statusCode, worker: String(res.headers['x-only1mcp-worker']), body: await res.body.json() };
}

/** The tool names a stateless tools/list sees. */
export async function modernTools(url: string, headers: Record<string, string> = {}): Promise<{ worker: string; names: string[] }> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list', connection: 'close', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }),
  });
  const body = (await res.body.json()) as { result?: { tools?: Array<{ name: string }> } };
  return { worker: String(res.headers['x-only1mcp-worker']), names: (body.result?.tools ?? []).map((t) => t.name) };
}

/** Waits until every one of `workers` workers (seen over fresh connections) reports the server ready. */
export async function serverReadyOnWorkers(base: string, server: string, workers: number, headers: Record<string, string> = {}, timeoutMs = 30_000): Promise<void> {
  const ready = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  while (ready.size < workers) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${server} ready on ${workers} workers (ready on ${ready.size})`);
    const r = await adminGet(base, `servers/${server}`, headers).catch(() => undefined);
    if (r?.body?.state === 'ready') ready.add(r.worker);
    else await new Promise((res) => setTimeout(res, 50));
  }
}
