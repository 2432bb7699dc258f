/**
 * A Streamable HTTP backend, either era, over a keep-alive connection pool
 * (h1/h1-pool.ts).
 *
 * Legacy (2025) backends get one session per worker: the `Mcp-Session-Id`
 * from initialize is kept, a 404 means the backend forgot it, so the link
 * re-initialises and retries the call once. Unscoped messages arrive on the
 * session's GET stream. Modern (2026-07-28) backends are stateless: each POST
 * carries `_meta` (added above this layer) and the routing headers, and
 * list_changed arrives on a `subscriptions/listen` stream.
 */
import { H1Pool } from './h1/h1-pool.js';
import { sendAndForget } from './h1/stream-request.js';
import { GatewayError, NOT_READY } from '../../mcp/errors.js';
import { isFailure, type JsonObject, type JsonRpcMessage, type JsonRpcResponse } from '../../mcp/jsonrpc.js';
import { encodeHeaderValue } from '../../mcp/headers.js';
import { MODERN_VERSION } from '../../mcp/versions.js';
import { handshake, type BackendIdentity } from '../handshake.js';
import { UpstreamRpcError, toRpcError } from '../rpc-connection.js';
import { CallDeadline, withDeadline } from '../deadline.js';
import { Backoff } from '../../primary/backoff.js';
import { postMessage, startPost, type PostOutcome, type PostRequest } from './post-message.js';
import { EventStream } from './event-stream.js';
import { levelCall, subscribeCall } from '../subscribe-call.js';
import { LevelForwarder } from '../log-level.js';
import type { LogLevel } from '../../mcp/versions.js';
import type { HttpServerConfig } from '../../config/model.js';
import type { BackendLink, LinkCall, LinkEvents, LinkHooks, LinkStatus } from '../link.js';
import type { Logger } from '../../observe/log.js';

/** Keep-alive connections per HTTP backend per worker. */
export const HTTP_BACKEND_CONNECTIONS = 64;
export const HTTP_RECONNECT_MIN_MS = 250;
export const HTTP_RECONNECT_MAX_MS = 15_000;
/** How long closing waits for the backend to acknowledge the end of its session. */
const SESSION_DELETE_TIMEOUT_MS = 2_000;

/**
 * The backend no longer knows our session: 404 per the transport text; many
 * deployed servers answer 400 with a transport-level error (id null) instead.
 */
function sessionLost(outcome: PostOutcome): boolean {
  if (outcome.status === 404) return true;
  return outcome.status === 400 && outcome.response !== undefined && outcome.response.id === null;
}

/** The POST a call has on the wire now (a re-initialised session sends a second one). */
interface InflightPost {
  request: PostRequest | undefined;
  /** Deadline passed or the client cancelled: no further POST is sent. */
  abandoned: boolean;
}

export class StreamableHttpLink implements BackendLink {
  private readonly url: URL;
  private readonly pool: H1Pool;
  private current: LinkStatus = { state: 'starting', identity: undefined, lastError: undefined, generation: 0 };
  private sessionId: string | undefined;
  private nextId = 1;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private stream: EventStream | undefined;
  private readonly subscribed = new Set<string>();
  private readonly level = new LevelForwarder(
    (level) => this.callOnce(levelCall(level)),
    (err) => this.logger.warn({ backend: this.name, err: String(err) }, 'backend refused logging/setLevel'),
  );
  private readonly backoff = new Backoff(HTTP_RECONNECT_MIN_MS, HTTP_RECONNECT_MAX_MS, 60_000);

  constructor(private readonly config: HttpServerConfig, private readonly events: LinkEvents, private readonly logger: Logger) {
    this.url = new URL(config.url);
    this.pool = new H1Pool(this.url.origin, HTTP_BACKEND_CONNECTIONS);
  }

  get name(): string {
    return this.config.name;
  }

  status(): LinkStatus {
    return this.current;
  }

  async start(): Promise<void> {
    await this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stream?.close();
    if (this.sessionId && this.current.identity?.era === 'legacy') {
      // Tell the backend the session is over; best effort.
      await withDeadline(sendAndForget(this.pool, { path: this.path, method: 'DELETE', headers: this.baseHeaders() }), SESSION_DELETE_TIMEOUT_MS, undefined, () => undefined, `${this.name} DELETE`).catch(() => undefined);
    }
    this.pool.close();
    this.setStatus({ state: 'stopped', identity: undefined, lastError: undefined, generation: this.current.generation });
  }

  async call(asked: LinkCall): Promise<JsonObject> {
    if (this.current.state !== 'ready') {
      throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} is ${this.current.state}${this.current.lastError ? `: ${this.current.lastError}` : ''}`, NOT_READY);
    }
    const inflight: InflightPost = { request: undefined, abandoned: false };
    const deadline = new CallDeadline(asked.timeoutMs, asked.maxTotalMs);
    // One object for the call from here on: lastIdFor() finds the POST's id by it.
    const hooks = deadline.watch(asked.hooks);
    const call = hooks === asked.hooks ? asked : { ...asked, hooks };
    const work = this.callOnce(call, true, inflight);
    return withDeadline(work, deadline, call.signal, (reason) => {
      inflight.abandoned = true;
      inflight.request?.abort();
      // Legacy backends do not read a disconnect as cancellation.
      if (this.current.identity?.era === 'legacy') this.notify('notifications/cancelled', { requestId: this.lastIdFor(call), reason });
    }, `${this.name} ${call.method}`);
  }

  setLogLevel(level: LogLevel | undefined): void {
    this.level.set(level, this.current.state === 'ready' ? this.current.identity : undefined);
  }

  async subscribe(uri: string): Promise<void> {
    if (this.subscribed.has(uri)) return;
    this.subscribed.add(uri);
    await this.applySubscription(uri, true);
  }

  async unsubscribe(uri: string): Promise<void> {
    if (!this.subscribed.delete(uri)) return;
    await this.applySubscription(uri, false);
  }

  /** Until the link is ready the set is only recorded; open() applies it. */
  private async applySubscription(uri: string, on: boolean): Promise<void> {
    if (this.current.state !== 'ready') return;
    if (this.current.identity?.era === 'modern') this.stream?.restart();
    else await this.callOnce(subscribeCall(uri, on));
  }

  notify(method: string, params?: JsonObject): void {
    const message = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    void postMessage(this.pool, { path: this.path, headers: this.headersFor(method, undefined), body: JSON.stringify(message), expectId: undefined }).catch(() => undefined);
  }

  private get path(): string {
    return `${this.url.pathname}${this.url.search}`;
  }

  private readonly callIds = new WeakMap<LinkCall, number>();

  private lastIdFor(call: LinkCall): number {
    return this.callIds.get(call) ?? 0;
  }

  /** One POST of a call (two when the backend forgot the session); `inflight` is where a canceller finds it. */
  private async callOnce(call: LinkCall, mayReinit = true, inflight: InflightPost = { request: undefined, abandoned: false }): Promise<JsonObject> {
    if (inflight.abandoned) throw new GatewayError('GW_ERR_INTERNAL', 'request aborted', { cancelled: true });
    const id = this.nextId++;
    this.callIds.set(call, id);
    const body = JSON.stringify(call.params === undefined ? { jsonrpc: '2.0', id, method: call.method } : { jsonrpc: '2.0', id, method: call.method, params: call.params });
    const sessionAtSend = this.sessionId;
    inflight.request = startPost(this.pool, {
      path: this.path,
      headers: call.headers ? { ...this.headersFor(call.method, call.routingName), ...call.headers } : this.headersFor(call.method, call.routingName),
      body,
      expectId: id,
      onMessage: (m) => this.onScopedMessage(m, call.hooks),
    });
    const outcome = await inflight.request.outcome;
    if (mayReinit && sessionAtSend !== undefined && this.current.identity?.era === 'legacy' && sessionLost(outcome)) {
      this.logger.info({ backend: this.name, status: outcome.status }, `backend session expired (${outcome.status}); re-initialising`);
      await this.reinitialize(sessionAtSend);
      return this.callOnce(call, false, inflight);
    }
    return this.resultOf(outcome, call.method);
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

  private onScopedMessage(message: JsonRpcMessage, hooks: LinkHooks): void {
    if ('method' in message && 'id' in message) {
      const request = message;
      hooks.onServerRequest(request.method, request.params).then(
        (result) => this.postAnswer({ jsonrpc: '2.0', id: request.id, result }),
        (err: unknown) => this.postAnswer({ jsonrpc: '2.0', id: request.id, error: toRpcError(err) }),
      );
    } else if ('method' in message) {
      hooks.onNotification(message);
    }
  }

  private postAnswer(response: JsonRpcResponse): void {
    void postMessage(this.pool, { path: this.path, headers: this.headersFor('', undefined), body: JSON.stringify(response), expectId: undefined }).catch((err: unknown) => {
      this.logger.warn({ backend: this.name, err: String(err) }, 'could not deliver an answer to the backend');
    });
  }

  /** The headers every request carries, rebuilt only when the protocol version or session changes. */
  private headerCache: { key: string; headers: Readonly<Record<string, string>> } | undefined;

  private baseHeaders(): Readonly<Record<string, string>> {
    const identity = this.current.identity;
    const key = `${identity?.protocolVersion ?? ''}\0${this.sessionId ?? ''}`;
    if (this.headerCache?.key === key) return this.headerCache.headers;
    const h: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...this.config.headers,
    };
    if (identity) h['mcp-protocol-version'] = identity.protocolVersion;
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    this.headerCache = { key, headers: Object.freeze(h) };
    return h;
  }

  private headersFor(method: string, name: string | undefined): Readonly<Record<string, string>> {
    const base = this.baseHeaders();
    if (this.current.identity?.era !== 'modern' && (this.current.identity || method !== 'server/discover')) return base;
    const h: Record<string, string> = { ...base, 'mcp-protocol-version': MODERN_VERSION };
    if (method) h['mcp-method'] = method;
    if (name !== undefined) h['mcp-name'] = encodeHeaderValue(name);
    return h;
  }

  /** Handshake, with retries and backoff until it works or the link closes. */
  private open(): Promise<void> {
    if (!this.opening) {
      this.opening = this.tryOpen().finally(() => {
        this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async tryOpen(): Promise<void> {
    this.sessionId = undefined;
    try {
      const identity = await handshake(
        (method, params, timeoutMs) => this.handshakeRequest(method, params, timeoutMs),
        (method, params) => this.notify(method, params),
        this.config.common.protocol,
        this.config.common.connectTimeoutMs,
      );
      this.backoff.started();
      this.setStatus({ state: 'ready', identity, lastError: undefined, generation: this.current.generation + 1 });
      this.logger.info({ backend: this.name, era: identity.era, protocolVersion: identity.protocolVersion, server: identity.serverInfo }, 'http backend ready');
      this.openStream(identity);
      this.level.reset(identity);
      if (identity.era === 'legacy') await this.resubscribe();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const delay = this.backoff.failed();
      this.setStatus({ state: 'restarting', identity: undefined, lastError: message, generation: this.current.generation });
      this.logger.warn({ backend: this.name, err: message, retryInMs: delay }, 'http backend handshake failed');
      if (!this.closed) {
        clearTimeout(this.reconnectTimer);
        this.reconnectTimer = setTimeout(() => void this.open(), delay);
      }
    }
  }

  /** A new backend session has no subscriptions: ask again for every URI a client still follows. */
  private async resubscribe(): Promise<void> {
    for (const uri of this.subscribed) {
      await this.callOnce(subscribeCall(uri, true), false).catch((err: unknown) =>
        this.logger.warn({ backend: this.name, uri, err: String(err) }, 'could not renew a resource subscription'),
      );
    }
  }

  private async reinitialize(staleSession: string): Promise<void> {
    if (this.sessionId !== staleSession) return;
    this.stream?.close();
    await this.open();
  }

  private async handshakeRequest(method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonRpcResponse> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', id, method, params });
    const headers = { ...this.headersFor(method, undefined) };
    if (method === 'initialize') delete headers['mcp-protocol-version'];
    const controller = new AbortController();
    const outcome = await withDeadline(
      postMessage(this.pool, { path: this.path, headers, body, expectId: id, signal: controller.signal }),
      timeoutMs,
      undefined,
      () => controller.abort(),
      `${this.name} ${method}`,
    );
    if (method === 'initialize') {
      const sid = outcome.headers['mcp-session-id'];
      this.sessionId = typeof sid === 'string' ? sid : undefined;
    }
    if (outcome.response) return outcome.response;
    // A modern probe answered with a non-JSON-RPC 4xx: a legacy server.
    if (method === 'server/discover' && outcome.status >= 400 && outcome.status < 500) {
      return { jsonrpc: '2.0', id, error: { code: -32600, message: `HTTP ${outcome.status}` } };
    }
    throw new GatewayError(outcome.status >= 500 ? 'GW_ERR_BACKEND_UNAVAILABLE' : 'GW_ERR_BACKEND_PROTOCOL',
      `backend ${this.name} answered ${method} with HTTP ${outcome.status}${outcome.text ? `: ${outcome.text}` : ''}`);
  }

  /** The unscoped-message stream: GET for legacy sessions, subscriptions/listen for modern backends. */
  private openStream(identity: BackendIdentity): void {
    this.stream?.close();
    this.stream = new EventStream({
      pool: this.pool,
      path: this.path,
      identity,
      headers: () => this.baseHeaders(),
      onMessage: (m) => this.onUnscopedMessage(m),
      resources: () => [...this.subscribed],
      logger: this.logger,
      backend: this.name,
    });
    this.stream.start();
  }

  private onUnscopedMessage(message: JsonRpcMessage): void {
    if ('method' in message && 'id' in message) {
      // No call to attribute it to: refuse rather than guess a client.
      this.postAnswer({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `only1mcp cannot attribute ${message.method} to one client outside a call` } });
      return;
    }
    if ('method' in message) this.events.onEvent(message);
  }

  private setStatus(status: LinkStatus): void {
    this.current = status;
    this.events.onStatus(status);
  }
}
