/**
 * One MCP session with a Streamable HTTP backend: its `Mcp-Session-Id`
 * (2025 era; none for 2026-07-28), its negotiated identity, and the POSTs
 * of its calls. The gateway's own session of a server and each client's own
 * session of it (isolation) are one of these over the server's one pool.
 *
 * A POST whose answer says the backend forgot the session (404, or a 400
 * with a transport-level error) is sent once more after `onLost` opened a
 * new one (or found the one another worker opened meanwhile).
 */
import { restoreRawIds } from '../../mcp/raw-id.js';
import type { H1Pool } from './h1/h1-pool.js';
import { sendAndForget } from './h1/stream-request.js';
import { GatewayError } from '../../mcp/errors.js';
import { isFailure, type JsonObject, type JsonRpcId, type JsonRpcMessage, type JsonRpcResponse } from '../../mcp/jsonrpc.js';
import { encodeHeaderValue } from '../../mcp/headers.js';
import { MODERN_VERSION } from '../../mcp/versions.js';
import type { BackendIdentity } from '../handshake.js';
import { UpstreamRpcError, toRpcError } from '../rpc-connection.js';
import { CallDeadline, withDeadline } from '../deadline.js';
import { postMessage, startPost, type PostOutcome, type PostRequest } from './post-message.js';
import type { HttpServerConfig } from '../../config/model.js';
import type { LinkCall, LinkHooks } from '../link.js';
import type { Logger } from '../../observe/log.js';
import { traceHeaders } from '../../observe/trace-context.js';

/** How long ending a session waits for the backend to acknowledge it. */
export const SESSION_DELETE_TIMEOUT_MS = 2_000;

/** What every session of one HTTP backend shares. */
export interface HttpBackend {
  readonly config: HttpServerConfig;
  readonly pool: H1Pool;
  /** The endpoint's path and query. */
  readonly path: string;
  readonly logger: Logger;
  /** JSON-RPC ids, unique across the backend's sessions on this worker. */
  nextId(): number;
}

/**
 * The backend no longer knows our session: 404 per the transport text; many
 * deployed servers answer 400 with a transport-level error (id null) instead.
 */
export function sessionLost(outcome: PostOutcome): boolean {
  if (outcome.status === 404) return true;
  return outcome.status === 400 && outcome.response !== undefined && outcome.response.id === null;
}

/** The POST a call has on the wire now (a re-initialised session sends a second one). */
interface InflightPost {
  request: PostRequest | undefined;
  /** Deadline passed or the client cancelled: no further POST is sent. */
  abandoned: boolean;
}

export class HttpSession {
  sid: string | undefined;
  identity: BackendIdentity | undefined;
  private readonly callIds = new WeakMap<LinkCall, number>();
  /** The headers every request carries, rebuilt only when the protocol version, session or credentials change. */
  private headerCache: { key: string; extra: unknown; headers: Readonly<Record<string, string>> } | undefined;
  /** A principal's own credentials (auth.upstream), on every request of a session opened for it. */
  private extra: Readonly<Record<string, string>> | undefined;

  constructor(
    private readonly backend: HttpBackend,
    /** The backend forgot `stale`: open a new session (or adopt a newer one) before the call is sent again. */
    private readonly onLost: (stale: string) => Promise<void>,
  ) {}

  get name(): string {
    return this.backend.config.name;
  }

  /** One call, bounded by its deadline and the caller's cancellation. */
  call(asked: LinkCall): Promise<JsonObject> {
    const inflight: InflightPost = { request: undefined, abandoned: false };
    const deadline = new CallDeadline(asked.timeoutMs, asked.maxTotalMs);
    // One object for the call from here on: callIds finds the POST's id by it.
    const hooks = deadline.watch(asked.hooks);
    const call = hooks === asked.hooks ? asked : { ...asked, hooks };
    const work = this.post(call, true, inflight);
    return withDeadline(work, deadline, call.signal, (reason) => {
      inflight.abandoned = true;
      inflight.request?.abort();
      // Legacy backends do not read a disconnect as cancellation.
      if (this.identity?.era === 'legacy') this.notify('notifications/cancelled', { requestId: this.callIds.get(call) ?? 0, reason });
    }, `${this.name} ${call.method}`);
  }

  /** One POST of a call (two when the backend forgot the session). */
  async post(call: LinkCall, mayReinit = true, inflight: InflightPost = { request: undefined, abandoned: false }): Promise<JsonObject> {
    if (inflight.abandoned) throw new GatewayError('GW_ERR_INTERNAL', 'request aborted', { cancelled: true });
    const id = this.backend.nextId();
    this.callIds.set(call, id);
    const body = JSON.stringify(call.params === undefined ? { jsonrpc: '2.0', id, method: call.method } : { jsonrpc: '2.0', id, method: call.method, params: call.params });
    const sessionAtSend = this.sid;
    inflight.request = startPost(this.backend.pool, {
      path: this.backend.path,
      headers: callHeaders(this.headersFor(call.method, call.routingName), call.headers, traceHeaders(call.params), call.credentials?.headers),
      body,
      expectId: id,
      onMessage: (m) => this.onCallMessage(m, call.hooks),
    });
    let outcome: Awaited<typeof inflight.request.outcome>;
    try {
      outcome = await inflight.request.outcome;
    } catch (err) {
      // Named in the log as the stdio and SSE links do (one line per backend and kind: log-collapse.ts).
      if (err instanceof GatewayError && err.errorName === 'GW_ERR_BACKEND_LIMIT') this.backend.logger.warn({ backend: this.name, reason: err.message }, 'backend sent a message past an input limit; refused');
      throw err;
    }
    if (mayReinit && sessionAtSend !== undefined && this.identity?.era === 'legacy' && sessionLost(outcome)) {
      this.backend.logger.info({ backend: this.name, status: outcome.status }, `backend session expired (${outcome.status}); re-initialising`);
      await this.onLost(sessionAtSend);
      return this.post(call, false, inflight);
    }
    return this.resultOf(outcome, call.method);
  }

  notify(method: string, params?: JsonObject): void {
    void this.notified(method, params);
  }

  /** A notification, settled once the backend accepted it (or refused it: that is not the sender's problem). */
  notified(method: string, params?: JsonObject): Promise<void> {
    const message = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    return postMessage(this.backend.pool, { path: this.backend.path, headers: this.headersFor(method, undefined), body: JSON.stringify(message), expectId: undefined }).then(
      () => undefined,
      () => undefined,
    );
  }

  /** A handshake request (server/discover, initialize); initialize's answer names the session. */
  async handshakeRequest(method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonRpcResponse> {
    const id = this.backend.nextId();
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const headers = { ...this.headersFor(method, undefined) };
    if (method === 'initialize') delete headers['mcp-protocol-version'];
    const controller = new AbortController();
    const outcome = await withDeadline(
      postMessage(this.backend.pool, { path: this.backend.path, headers, body, expectId: id, signal: controller.signal }),
      timeoutMs,
      undefined,
      () => controller.abort(),
      `${this.name} ${method}`,
    );
    if (method === 'initialize') {
      const sid = outcome.headers['mcp-session-id'];
      this.sid = typeof sid === 'string' ? sid : undefined;
    }
    if (outcome.response) return outcome.response;
    // A modern probe answered with a non-JSON-RPC 4xx: a legacy server.
    if (method === 'server/discover' && outcome.status >= 400 && outcome.status < 500) {
      return { jsonrpc: '2.0', id, error: { code: -32600, message: `HTTP ${outcome.status}` } };
    }
    throw new GatewayError(outcome.status >= 500 ? 'GW_ERR_BACKEND_UNAVAILABLE' : 'GW_ERR_BACKEND_PROTOCOL',
      `backend ${this.name} answered ${method} with HTTP ${outcome.status}${outcome.text ? `: ${outcome.text}` : ''}`);
  }

  /** Tells the backend the session is over (best effort, bounded). */
  async end(): Promise<void> {
    if (!this.sid || this.identity?.era !== 'legacy') return;
    const headers = this.baseHeaders();
    this.sid = undefined;
    await withDeadline(sendAndForget(this.backend.pool, { path: this.backend.path, method: 'DELETE', headers }), SESSION_DELETE_TIMEOUT_MS, undefined, () => undefined, `${this.name} DELETE`).catch(() => undefined);
  }

  /** An answer to a request the backend sent us. */
  postAnswer(response: JsonRpcResponse): void {
    void postMessage(this.backend.pool, { path: this.backend.path, headers: this.headersFor('', undefined), body: restoreRawIds(JSON.stringify(response)), expectId: undefined }).catch((err: unknown) => {
      this.backend.logger.warn({ backend: this.name, err: String(err) }, 'could not deliver an answer to the backend');
    });
  }

  /** A backend request that arrived outside any call, answered by `answer` (or refused when it throws). */
  answerRequest(request: { id: JsonRpcId; method: string; params?: JsonObject | undefined }, answer: (method: string, params: JsonObject | undefined) => Promise<JsonObject>): void {
    answer(request.method, request.params).then(
      (result) => this.postAnswer({ jsonrpc: '2.0', id: request.id, result }),
      (err: unknown) => this.postAnswer({ jsonrpc: '2.0', id: request.id, error: toRpcError(err) }),
    );
  }

  /** The credentials this session's requests carry from now on (a token exchange may renew them). */
  setCredentialHeaders(headers: Readonly<Record<string, string>> | undefined): void {
    if (headers !== undefined && Object.keys(headers).length === 0) headers = undefined;
    this.extra = headers;
  }

  baseHeaders(): Readonly<Record<string, string>> {
    const identity = this.identity;
    const key = `${identity?.protocolVersion ?? ''}\0${this.sid ?? ''}`;
    if (this.headerCache?.key === key && this.headerCache.extra === this.extra) return this.headerCache.headers;
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...this.backend.config.headers,
      ...this.extra,
    };
    if (identity) h['mcp-protocol-version'] = identity.protocolVersion;
    if (this.sid) h['mcp-session-id'] = this.sid;
    this.headerCache = { key, extra: this.extra, headers: Object.freeze(h) };
    return h;
  }

  headersFor(method: string, name: string | undefined): Readonly<Record<string, string>> {
    const base = this.baseHeaders();
    if (this.identity?.era !== 'modern' && (this.identity || method !== 'server/discover')) return base;
    const h: Record<string, string> = { ...base, 'mcp-protocol-version': MODERN_VERSION };
    if (method) h['mcp-method'] = method;
    if (name !== undefined) h['mcp-name'] = encodeHeaderValue(name);
    return h;
  }

  private resultOf(outcome: PostOutcome, method: string): JsonObject {
    const response = outcome.response;
    if (response) {
      if (isFailure(response)) throw new UpstreamRpcError(response.error.code, response.error.message, response.error.data);
      return response.result;
    }
    if (outcome.status >= 500) {
      throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} answered ${method} with HTTP ${outcome.status}${outcome.text ? `: ${outcome.text}` : ''}`);
    }
    throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend ${this.name} answered ${method} with HTTP ${outcome.status} and no JSON-RPC response${outcome.text ? `: ${outcome.text}` : ''}`);
  }

  private onCallMessage(message: JsonRpcMessage, hooks: LinkHooks): void {
    if ('method' in message && 'id' in message) this.answerRequest(message, (m, p) => hooks.onServerRequest(m, p));
    else if ('method' in message) hooks.onNotification(message);
  }
}

/** A call's headers: the session's, plus its `Mcp-Param-*` mirrors and its trace context (both rare: the common call copies nothing). */
function callHeaders(
  base: Readonly<Record<string, string>>,
  params: Record<string, string> | undefined,
  trace: Record<string, string> | undefined,
  credentials: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  return params || trace || credentials ? { ...base, ...params, ...trace, ...credentials } : base;
}
