/**
 * A Streamable HTTP backend, either era, over a keep-alive connection pool
 * (h1/h1-pool.ts).
 *
 * The gateway's own session of a legacy (2025) backend: one per worker, its
 * `Mcp-Session-Id` from initialize kept, re-initialised when the backend
 * forgets it. Unscoped messages arrive on the session's GET stream. Modern
 * (2026-07-28) backends are stateless: each POST carries `_meta` (added
 * above this layer) and the routing headers, and list_changed arrives on a
 * `subscriptions/listen` stream. Clients' own sessions of the same backend
 * (isolation) are ScopedHttpLinks over the same pool (scoped()).
 */
import { H1Pool } from './h1/h1-pool.js';
import { GatewayError, NOT_READY } from '../../mcp/errors.js';
import type { JsonObject, JsonRpcMessage } from '../../mcp/jsonrpc.js';
import { handshake, type BackendIdentity } from '../handshake.js';
import { Backoff } from '../../primary/backoff.js';
import { EventStream } from './event-stream.js';
import { HttpSession, type HttpBackend } from './http-session.js';
import { ScopedHttpLink } from './scoped-http-link.js';
import { levelCall, subscribeCall } from '../subscribe-call.js';
import { LevelForwarder } from '../log-level.js';
import type { LogLevel } from '../../mcp/versions.js';
import type { HttpServerConfig } from '../../config/model.js';
import type { BackendLink, LinkCall, LinkEvents, LinkStatus, ScopeServices } from '../link.js';
import type { UpstreamScope } from '../../gateway/upstream-scope.js';
import type { Logger } from '../../observe/log.js';

/** Keep-alive connections per HTTP backend per worker. */
export const HTTP_BACKEND_CONNECTIONS = 64;
export const HTTP_RECONNECT_MIN_MS = 250;
export const HTTP_RECONNECT_MAX_MS = 15_000;

export class StreamableHttpLink implements BackendLink, HttpBackend {
  readonly pool: H1Pool;
  readonly path: string;
  private current: LinkStatus = { state: 'starting', identity: undefined, lastError: undefined, generation: 0 };
  private readonly session: HttpSession;
  private ids = 1;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private stream: EventStream | undefined;
  private readonly subscribed = new Set<string>();
  private readonly level = new LevelForwarder(
    (level) => this.session.post(levelCall(level)),
    (err) => this.logger.warn({ backend: this.name, err: String(err) }, 'backend refused logging/setLevel'),
  );
  private readonly backoff = new Backoff(HTTP_RECONNECT_MIN_MS, HTTP_RECONNECT_MAX_MS, 60_000);

  constructor(readonly config: HttpServerConfig, private readonly events: LinkEvents, readonly logger: Logger) {
    const url = new URL(config.url);
    this.path = `${url.pathname}${url.search}`;
    this.pool = new H1Pool(url.origin, HTTP_BACKEND_CONNECTIONS);
    this.session = new HttpSession(this, (stale) => this.reinitialize(stale));
  }

  get name(): string {
    return this.config.name;
  }

  nextId(): number {
    return this.ids++;
  }

  status(): LinkStatus {
    return this.current;
  }

  /** One client's own session of this backend (isolation session/principal). */
  scoped(scope: UpstreamScope, services: ScopeServices): ScopedHttpLink {
    return new ScopedHttpLink(this, scope, services.home(scope), services, () => this.current);
  }

  async start(): Promise<void> {
    await this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stream?.close();
    // Tell the backend the session is over; best effort.
    await this.session.end();
    this.pool.close();
    this.setStatus({ state: 'stopped', identity: undefined, lastError: undefined, generation: this.current.generation });
  }

  async call(call: LinkCall): Promise<JsonObject> {
    if (this.current.state !== 'ready') {
      throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} is ${this.current.state}${this.current.lastError ? `: ${this.current.lastError}` : ''}`, NOT_READY);
    }
    return this.session.call(call);
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
    else await this.session.post(subscribeCall(uri, on));
  }

  notify(method: string, params?: JsonObject): void {
    this.session.notify(method, params);
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
    this.session.sid = undefined;
    this.session.identity = undefined;
    try {
      const identity = await handshake(
        (method, params, timeoutMs) => this.session.handshakeRequest(method, params, timeoutMs),
        (method, params) => this.session.notified(method, params),
        this.config.common.protocol,
        this.config.common.connectTimeoutMs,
      );
      this.session.identity = identity;
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
      await this.session.post(subscribeCall(uri, true), false).catch((err: unknown) =>
        this.logger.warn({ backend: this.name, uri, err: String(err) }, 'could not renew a resource subscription'),
      );
    }
  }

  private async reinitialize(staleSession: string): Promise<void> {
    if (this.session.sid !== staleSession) return;
    this.stream?.close();
    await this.open();
  }

  /** The unscoped-message stream: GET for legacy sessions, subscriptions/listen for modern backends. */
  private openStream(identity: BackendIdentity): void {
    this.stream?.close();
    this.stream = new EventStream({
      pool: this.pool,
      path: this.path,
      identity,
      headers: () => this.session.baseHeaders(),
      onMessage: (m) => this.onUnscopedMessage(m),
      resources: () => [...this.subscribed],
      logger: this.logger,
      backend: this.name,
    });
    this.stream.start();
  }

  private onUnscopedMessage(message: JsonRpcMessage): void {
    if ('method' in message && 'id' in message) {
      // No call to attribute it to, on a session every client shares: refuse rather than guess a client.
      this.events.onUnattributed(message.method, 'request');
      this.session.postAnswer({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `only1mcp cannot attribute ${message.method} to one client outside a call` } });
      return;
    }
    if ('method' in message) this.events.onEvent(message);
  }

  private setStatus(status: LinkStatus): void {
    this.current = status;
    this.events.onStatus(status);
  }
}
