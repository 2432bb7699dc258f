// The few MCP requests the harness itself makes (not under load): open a
// 2025-era session, send one request. Answers may be JSON or an SSE stream
// (peers built on the SDK answer with SSE by default).
export const LEGACY_VERSION = '2025-11-25';
/** The id of every request under load: the autocannon driver replaces it with a counter. */
export const UNIQUE_ID = '[<id>]';
export const MODERN_VERSION = '2026-07-28';
const ACCEPT = 'application/json, text/event-stream';

function firstMessage(text, contentType) {
  if (!contentType.includes('text/event-stream')) return text ? JSON.parse(text) : undefined;
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
    if (data) return JSON.parse(data);
  }
  return undefined;
}

export async function post(url, message, headers = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: JSON.stringify(message) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, message: res.status === 202 ? undefined : firstMessage(text, res.headers.get('content-type') ?? '') };
}

/** initialize + notifications/initialized; returns the headers a client then sends on every request. */
export async function openSession(url, version = LEGACY_VERSION, extraHeaders = {}) {
  const init = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'only1mcp-bench', version: '1' } } }, extraHeaders);
  if (init.status !== 200 || !init.message?.result) throw new Error(`initialize at ${url} failed: HTTP ${init.status} ${JSON.stringify(init.message)}`);
  const sessionId = init.headers.get('mcp-session-id');
  const headers = { 'mcp-protocol-version': init.message.result.protocolVersion };
  if (sessionId) headers['mcp-session-id'] = sessionId;
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...headers, ...extraHeaders });
  if (ack.status >= 300) throw new Error(`notifications/initialized at ${url}: HTTP ${ack.status}`);
  return headers;
}

/** JSON-RPC body and headers of one tools/call in the 2025 session form. */
export function legacyCall(sessionHeaders, tool) {
  return {
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...sessionHeaders },
    body: JSON.stringify({ jsonrpc: '2.0', id: UNIQUE_ID, method: 'tools/call', params: { name: tool, arguments: { text: 'hello' } } }),
  };
}

/** The same call in the stateless 2026-07-28 form: routing headers and `_meta`, no session. */
export function modernCall(tool) {
  return {
    headers: { 'content-type': 'application/json', accept: ACCEPT, 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': tool },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: UNIQUE_ID,
      method: 'tools/call',
      params: {
        name: tool,
        arguments: { text: 'hello' },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
          'io.modelcontextprotocol/clientCapabilities': {},
          'io.modelcontextprotocol/clientInfo': { name: 'only1mcp-bench', version: '1' },
        },
      },
    }),
  };
}

export function legacyList(sessionHeaders, method = 'tools/list') {
  return {
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...sessionHeaders },
    body: JSON.stringify({ jsonrpc: '2.0', id: UNIQUE_ID, method, params: {} }),
  };
}
