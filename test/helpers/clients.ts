/** SDK v2 clients for the gateway, one per protocol era, plus a raw JSON-RPC poster. */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export type Era = 'legacy' | 'modern' | '2025-06-18' | '2025-03-26';

export async function connect(url: string, era: Era = 'legacy', capabilities: Record<string, unknown> = {}): Promise<Client> {
  const options: ConstructorParameters<typeof Client>[1] = { capabilities };
  if (era === 'modern') options.versionNegotiation = { mode: { pin: '2026-07-28' } };
  else if (era !== 'legacy') options.supportedProtocolVersions = [era];
  const client = new Client({ name: `test-${era}`, version: '1.0.0' }, options);
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: string;
  json(): unknown;
}

/** One POST with full control of headers and body, for protocol-edge tests. */
export async function post(url: string, body: string | object, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text, json: () => JSON.parse(text) };
}

/** Opens a 2025-era session with a raw initialize; returns the session id. */
export async function rawSession(url: string, protocolVersion = '2025-11-25'): Promise<string> {
  const res = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  const sid = res.headers.get('mcp-session-id');
  if (!sid) throw new Error(`initialize failed: ${res.status} ${res.body}`);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sid, 'mcp-protocol-version': protocolVersion });
  return sid;
}
