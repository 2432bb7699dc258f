/**
 * The MCP ping probe for an HTTP replica, with a client of its own: a
 * handshake (server/discover, else initialize) when it has no session, then
 * one POST per probe: `ping` to a 2025 server, `server/discover` to a
 * 2026-07-28 one (that revision has no ping). It keeps no reconnect state machine: a failed
 * probe forgets the session and the next probe starts afresh, so a
 * replica that comes back passes on the very next probe (a link's growing
 * reconnect delay would hold it out of rotation for longer).
 *
 * Answers are read up to MAX_PING_RESPONSE_BYTES, as JSON or as an event
 * stream; the probe looks for the response with its own id and nothing else.
 */
import { handshake, modernMeta, type BackendIdentity } from '../backends/handshake.js';
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcResponse } from '../mcp/jsonrpc.js';
import { SseDecoder } from '../mcp/sse.js';
import { MODERN_VERSION } from '../mcp/versions.js';
import { MAX_TIMEOUT_MS } from '../config/defaults.js';
import type { BackendProtocol } from '../config/model.js';
import type { Probe } from './health-probes.js';

/** A ping's answer is a few dozen bytes; more than this is not an answer worth reading. */
export const MAX_PING_RESPONSE_BYTES = 64 * 1024;

interface Reply {
  status: number;
  response: JsonRpcResponse | undefined;
  session: string | undefined;
}

export interface HttpPinger {
  readonly probe: Probe;
  /** Ends the probe's session on the replica (best effort). */
  close(): Promise<void>;
}

export function httpPingProbe(url: string, headers: Readonly<Record<string, string>>, protocol: BackendProtocol): HttpPinger {
  let identity: BackendIdentity | undefined;
  let session: string | undefined;
  let nextId = 1;

  const post = async (method: string, params: JsonObject | undefined, withId: boolean, signal: AbortSignal): Promise<Reply> => {
    const id = withId ? nextId++ : undefined;
    const h: Record<string, string> = { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (session !== undefined) h['mcp-session-id'] = session;
    if (identity?.era === 'modern' || method === 'server/discover') {
      h['mcp-protocol-version'] = MODERN_VERSION;
      h['mcp-method'] = method;
    } else if (identity) {
      h['mcp-protocol-version'] = identity.protocolVersion;
    }
    const body = JSON.stringify(id === undefined ? { jsonrpc: '2.0', method, params } : { jsonrpc: '2.0', id, method, params });
    const res = await fetch(url, { method: 'POST', headers: h, body, signal, redirect: 'manual' });
    const response = id === undefined ? (await res.body?.cancel(), undefined) : await readResponse(res, id);
    return { status: res.status, response, session: res.headers.get('mcp-session-id') ?? undefined };
  };

  const open = async (signal: AbortSignal): Promise<void> => {
    session = undefined;
    identity = undefined;
    identity = await handshake(
      async (method, params, timeoutMs) => {
        const reply = await post(method, params, true, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])).catch((err: unknown) => {
          if (!signal.aborted && err instanceof Error && err.name === 'TimeoutError') throw new GatewayError('GW_ERR_BACKEND_TIMEOUT', `${method} timed out`);
          throw err;
        });
        if (method === 'initialize') session = reply.session;
        if (reply.response) return reply.response;
        // A 2025 server answers server/discover with a bare 4xx.
        if (method === 'server/discover' && reply.status >= 400 && reply.status < 500) return { jsonrpc: '2.0', id: 0, error: { code: -32600, message: `HTTP ${reply.status}` } };
        throw new Error(`${method} answered HTTP ${reply.status} without a JSON-RPC response`);
      },
      (method, params) => void post(method, params, false, signal).catch(() => undefined),
      protocol,
      // The probe's own timeout bounds the handshake; this only has to be longer.
      MAX_TIMEOUT_MS,
    );
  };

  const probe: Probe = async (signal) => {
    try {
      if (!identity) await open(signal);
      // 2026-07-28 has no ping: its servers answer server/discover, statelessly, at any time.
      const method = identity?.era === 'modern' ? 'server/discover' : 'ping';
      const reply = await post(method, method === 'ping' ? undefined : { _meta: modernMeta() }, true, signal);
      if (!reply.response) throw new Error(`${method} answered HTTP ${reply.status} without a JSON-RPC response`);
      if ('error' in reply.response) throw new Error(`${method} refused: ${reply.response.error.message}`);
    } catch (err) {
      // The next probe starts with a new handshake (the replica may have restarted and lost the session).
      identity = undefined;
      session = undefined;
      throw err;
    }
  };

  return {
    probe,
    async close() {
      if (session === undefined) return;
      const h: Record<string, string> = { ...headers, 'mcp-session-id': session };
      session = undefined;
      await fetch(url, { method: 'DELETE', headers: h, signal: AbortSignal.timeout(2_000) }).then((r) => r.body?.cancel(), () => undefined);
    },
  };
}

/**
 * The response with `id` (or a transport error, id null) from a JSON body or
 * an event stream, read up to MAX_PING_RESPONSE_BYTES. An event stream may
 * stay open after the answer (or start with a priming event): reading stops
 * at the answer.
 */
async function readResponse(res: Response, id: number): Promise<JsonRpcResponse | undefined> {
  if (!res.body) return undefined;
  const stream = (res.headers.get('content-type') ?? '').includes('text/event-stream');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let found: JsonRpcResponse | undefined;
  const events = new SseDecoder((e) => {
    found ??= answer(e.data, id);
  }, MAX_PING_RESPONSE_BYTES);
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value, { stream: true });
      if (stream) {
        events.push(chunk);
        if (found) return found;
      } else {
        text += chunk;
        if (text.length > MAX_PING_RESPONSE_BYTES) throw new Error(`the answer exceeded ${MAX_PING_RESPONSE_BYTES} bytes`);
      }
    }
    if (stream) events.push('\n\n');
    return stream ? found : answer(text, id);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function answer(text: string, id: number): JsonRpcResponse | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (isObject(value) && (value.id === id || value.id === null) && ('result' in value || 'error' in value)) return value as unknown as JsonRpcResponse;
  return undefined;
}
