/**
 * Which HTTP transport a URL speaks, for a server whose config names no
 * type (clients' files often give only a URL, and it may point at a legacy
 * HTTP+SSE server). The order is the one the MCP transports text gives
 * clients that support older servers (2025-11-25, "Backwards
 * Compatibility"):
 *
 *   1. POST an InitializeRequest to the URL. Success: Streamable HTTP.
 *   2. On 400, 404 or 405: GET the URL; an SSE stream whose first event is
 *      `endpoint` is the old HTTP+SSE transport.
 *
 * One refinement from the current draft: a 400 or 404 whose body is a
 * JSON-RPC error comes from a Streamable HTTP server that refused this
 * request (a 2026-only server refuses `initialize`), never from a legacy
 * one, so it ends the probe without the GET. Any other status means
 * Streamable HTTP too, whose own handshake then reports the problem. A URL
 * that answers neither way is reported as such (`transport` undefined).
 *
 * A successful initialize opened a session on the server; it is ended at
 * once with DELETE (best effort), since the link opens its own.
 */
import { H1Pool } from './h1/h1-pool.js';
import { postMessage } from './post-message.js';
import { sendAndForget, streamRequest } from './h1/stream-request.js';
import { readSse } from './sse-body.js';
import { withDeadline } from '../deadline.js';
import { LATEST_LEGACY_VERSION } from '../../mcp/versions.js';
import { GATEWAY_INFO } from '../../mcp/identity.js';
import type { HttpServerConfig } from '../../config/model.js';

/** Statuses after which the spec's probe tries the legacy transport's GET. */
const LEGACY_FALLBACK_STATUSES: ReadonlySet<number> = new Set([400, 404, 405]);
/** How long the probe's DELETE of the session it opened may take. */
const PROBE_DELETE_TIMEOUT_MS = 2_000;

export interface ProbeOutcome {
  /** undefined: the URL answered, but as neither transport. */
  transport: 'streamable-http' | 'sse' | undefined;
  /** What the server answered, for the log and for errors. */
  reason: string;
}

/** Rejects only when the URL cannot be reached at all (or does not answer in time): worth trying again later. */
export async function probeTransport(config: HttpServerConfig, timeoutMs: number): Promise<ProbeOutcome> {
  const url = new URL(config.url);
  const pool = new H1Pool(url.origin, 1);
  try {
    return await withDeadline(probe(pool, url, config.headers), timeoutMs, undefined, () => pool.close(), `${config.name} transport probe`);
  } finally {
    pool.close();
  }
}

async function probe(pool: H1Pool, url: URL, extra: Readonly<Record<string, string>>): Promise<ProbeOutcome> {
  const path = `${url.pathname}${url.search}`;
  const id = 1;
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: LATEST_LEGACY_VERSION, capabilities: {}, clientInfo: GATEWAY_INFO },
  });
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...extra };
  const post = await postMessage(pool, { path, headers, body, expectId: id });
  if (post.status >= 200 && post.status < 300) {
    const session = post.headers['mcp-session-id'];
    if (typeof session === 'string') {
      const ended = sendAndForget(pool, { method: 'DELETE', path, headers: { ...extra, 'mcp-session-id': session, 'mcp-protocol-version': LATEST_LEGACY_VERSION } });
      await withDeadline(ended, PROBE_DELETE_TIMEOUT_MS, undefined, () => undefined, 'probe session DELETE').catch(() => undefined);
    }
    return { transport: 'streamable-http', reason: `POST initialize answered HTTP ${post.status}` };
  }
  if (!LEGACY_FALLBACK_STATUSES.has(post.status)) {
    return { transport: 'streamable-http', reason: `POST initialize answered HTTP ${post.status}` };
  }
  if (post.response !== undefined) {
    return { transport: 'streamable-http', reason: `POST initialize answered HTTP ${post.status} with a JSON-RPC error (a Streamable HTTP server)` };
  }
  const refused = `POST initialize answered HTTP ${post.status}`;
  const stream = await streamRequest(pool, { method: 'GET', path, headers: { accept: 'text/event-stream', ...extra } });
  const type = String(stream.headers['content-type'] ?? '');
  if (stream.status !== 200 || !type.includes('text/event-stream')) {
    stream.body.destroy();
    return { transport: undefined, reason: `${refused}, and GET answered HTTP ${stream.status}${type ? ` (${type.split(';')[0]})` : ''}, not an SSE stream` };
  }
  let first: string | undefined;
  await readSse(stream.body, (event) => {
    first = event.event ?? 'message';
    return true;
  });
  stream.body.destroy();
  if (first === 'endpoint') return { transport: 'sse', reason: `${refused}; GET opened an SSE stream that began with an endpoint event` };
  return { transport: undefined, reason: `${refused}, and GET opened an SSE stream whose first event was ${first === undefined ? 'never sent' : `"${first}"`}, not "endpoint"` };
}
