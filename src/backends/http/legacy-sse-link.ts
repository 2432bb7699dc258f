/**
 * A legacy HTTP+SSE backend (protocol 2024-11-05): a GET stream that first
 * names a POST endpoint, then carries every message the backend sends.
 *
 * The stream is one shared pipe, like stdio, so calls go through an
 * RpcConnection for id rewriting and attribution. When the stream drops, the
 * backend's session is gone (this transport cannot resume): calls in flight
 * fail with a backend error and the link reconnects with a new handshake.
 */
import { restoreRawIds } from '../../mcp/raw-id.js';
import { JsonLimitError } from '../../mcp/json-limits.js';
import { H1Pool } from './h1/h1-pool.js';
import { sendAndForget, streamRequest } from './h1/stream-request.js';
import { GatewayError, NOT_READY } from '../../mcp/errors.js';
import { isFailure, type JsonObject, type JsonRpcMessage, type JsonRpcResponse } from '../../mcp/jsonrpc.js';
import { handshake } from '../handshake.js';
import { RpcConnection, UpstreamRpcError } from '../rpc-connection.js';
import { CallDeadline, withDeadline } from '../deadline.js';
import { Backoff } from '../../primary/backoff.js';
import { readSse } from './sse-body.js';
import { levelCall, subscribeCall } from '../subscribe-call.js';
import { LevelForwarder } from '../log-level.js';
import type { LogLevel } from '../../mcp/versions.js';
import { HTTP_BACKEND_CONNECTIONS, HTTP_RECONNECT_MAX_MS, HTTP_RECONNECT_MIN_MS } from './streamable-http-link.js';
import type { HttpServerConfig } from '../../config/model.js';
import type { BackendLink, LinkCall, LinkEvents, LinkHooks, LinkStatus } from '../link.js';
import type { Logger } from '../../observe/log.js';
import { traceHeaders } from '../../observe/trace-context.js';

/** A client's own session of the backend (isolation): its capabilities, and where what it sends outside calls goes. */
export interface SseSessionOwner {
  readonly capabilities: JsonObject;
  /** A backend request outside any call: asked of this client. */
  ask(method: string, params: JsonObject | undefined): Promise<JsonObject>;
  /** The stream ended: this session is gone for good (a client's session is not re-opened behind its back). */
  ended(): void;
}

export class LegacySseLink implements BackendLink {
  private readonly url: URL;
  private readonly pool: H1Pool;
  private current: LinkStatus = { state: 'starting', identity: undefined, lastError: undefined, generation: 0 };
  private conn: RpcConnection<LinkHooks | undefined> | undefined;
  private endpoint: URL | undefined;
  private controller: AbortController | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscribed = new Set<string>();
  private readonly level = new LevelForwarder(
    (level) => this.call(levelCall(level)),
    (err) => this.logger.warn({ backend: this.name, err: String(err) }, 'backend refused logging/setLevel'),
  );
  private readonly backoff = new Backoff(HTTP_RECONNECT_MIN_MS, HTTP_RECONNECT_MAX_MS, 60_000);

  constructor(
    private readonly config: HttpServerConfig,
    private readonly events: LinkEvents,
    private readonly logger: Logger,
    /** Set for a client's own session; unset for the gateway's shared one. */
    private readonly owner: SseSessionOwner | undefined = undefined,
  ) {
    this.url = new URL(config.url);
    this.pool = new H1Pool(this.url.origin, owner ? 4 : HTTP_BACKEND_CONNECTIONS);
  }


  get name(): string {
    return this.config.name;
  }

  status(): LinkStatus {
    return this.current;
  }

  async start(): Promise<void> {
    void this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.controller?.abort();
    this.conn?.failAll(new GatewayError('GW_ERR_SHUTTING_DOWN', `backend ${this.name} is closing`));
    this.pool.close();
    this.setStatus({ ...this.current, state: 'stopped', identity: undefined });
  }

  call(call: LinkCall): Promise<JsonObject> {
    const conn = this.conn;
    if (!conn || this.current.state !== 'ready') {
      return Promise.reject(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} is ${this.current.state}`, NOT_READY));
    }
    const deadline = new CallDeadline(call.timeoutMs, call.maxTotalMs);
    const sent = conn.request(call.method, call.params, deadline.watch(call.hooks), call.group);
    const work = sent.response.then((r) => unwrap(r));
    return withDeadline(work, deadline, call.signal, (reason) => conn.cancel(sent.id, reason), `${this.name} ${call.method}`);
  }

  notify(method: string, params?: JsonObject): void {
    if (this.current.state === 'ready') this.conn?.notify(method, params);
  }

  setLogLevel(level: LogLevel | undefined): void {
    this.level.set(level, this.current.state === 'ready' ? this.current.identity : undefined);
  }

  reconnect(): void {
    if (this.closed || this.current.state !== 'restarting' || this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.connect();
  }

  async subscribe(uri: string): Promise<void> {
    if (this.subscribed.has(uri)) return;
    this.subscribed.add(uri);
    if (this.current.state === 'ready') await this.call(subscribeCall(uri, true));
  }

  async unsubscribe(uri: string): Promise<void> {
    if (!this.subscribed.delete(uri)) return;
    if (this.current.state === 'ready') await this.call(subscribeCall(uri, false));
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.controller = new AbortController();
    const conn = new RpcConnection<LinkHooks | undefined>((m) => this.post(m), {
      onNotification: (n, owner) => (owner ? owner.onNotification(n) : this.events.onEvent(n)),
      onServerRequest: (r, owner) => {
        if (owner) return owner.onServerRequest(r.method, r.params);
        if (this.owner) return this.owner.ask(r.method, r.params);
        this.events.onUnattributed(r.method, 'request');
        return Promise.reject(new UpstreamRpcError(-32603, `only1mcp cannot attribute ${r.method} to one client`));
      },
      onInvalid: (reason) => this.logger.warn({ backend: this.name, reason }, 'backend sent an invalid message'),
      onLimit: (reason) => this.logger.warn({ backend: this.name, reason }, 'backend sent a message past an input limit; refused'),
    });
    this.conn = conn;
    let endpointSeen: (url: URL) => void = () => undefined;
    const endpointReady = new Promise<URL>((resolve) => (endpointSeen = resolve));
    const streamDone = this.readStream(conn, endpointSeen);
    // A stream refused or closed before it named its endpoint fails now (its error is logged), not at the connect timeout.
    const endedFirst = streamDone.then(() => Promise.reject(STREAM_ENDED));
    try {
      this.endpoint = await withDeadline(Promise.race([endpointReady, endedFirst]), this.config.common.connectTimeoutMs, undefined, () => this.controller?.abort(), `${this.name} endpoint event`);
      const identity = await handshake(
        (method, params, timeoutMs) => {
          const sent = conn.request(method, params, undefined, 'gateway');
          return withDeadline(sent.response, timeoutMs, undefined, (reason) => conn.cancel(sent.id, reason), `${this.name} ${method}`);
        },
        (method, params) => this.postAwaited(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params }),
        'legacy',
        this.config.common.connectTimeoutMs,
        this.owner?.capabilities,
      );
      this.backoff.started();
      this.setStatus({ state: 'ready', identity, lastError: undefined, generation: this.current.generation + 1 });
      this.logger.info({ backend: this.name, protocolVersion: identity.protocolVersion }, 'legacy SSE backend ready');
      this.level.reset(identity);
      // A new stream is a new backend session: renew the subscriptions clients still hold.
      for (const uri of this.subscribed) await this.call(subscribeCall(uri, true)).catch(() => undefined);
    } catch (err) {
      this.controller.abort();
      if (err !== STREAM_ENDED) this.lastError(err);
    }
    await streamDone;
    conn.failAll(new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name}: the SSE stream closed while the call was in flight`));
    if (this.owner) {
      this.closed = true;
      this.setStatus({ ...this.current, state: 'stopped', identity: undefined });
      this.owner.ended();
      return;
    }
    if (this.closed) return;
    const delay = this.backoff.failed();
    this.setStatus({ ...this.current, state: 'restarting', identity: undefined });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, delay);
  }

  private async readStream(conn: RpcConnection<LinkHooks | undefined>, endpointSeen: (url: URL) => void): Promise<void> {
    try {
      const res = await streamRequest(
        this.pool,
        { path: `${this.url.pathname}${this.url.search}`, method: 'GET', headers: { accept: 'text/event-stream', ...this.config.headers } },
        this.controller?.signal,
      );
      if (res.status !== 200) {
        res.body.destroy();
        throw new Error(`GET ${this.config.url} answered HTTP ${res.status}`);
      }
      await readSse(res.body, (event, value) => {
        if (event.event === 'endpoint') {
          endpointSeen(new URL(event.data, this.url));
          return;
        }
        if (value instanceof JsonLimitError) conn.receiveRefused(value);
        else if (value !== undefined) conn.receive(value);
      });
    } catch (err) {
      if (!this.closed) this.lastError(err);
    }
  }

  private post(message: JsonRpcMessage): void {
    void this.postAwaited(message);
  }

  /** One message to the session's POST endpoint, settled once the backend accepted it. */
  private async postAwaited(message: JsonRpcMessage | { jsonrpc: '2.0'; method: string; params?: JsonObject }): Promise<void> {
    const endpoint = this.endpoint;
    if (!endpoint) return;
    await sendAndForget(this.pool, {
      path: `${endpoint.pathname}${endpoint.search}`,
      method: 'POST',
      // A request's trace context (set in `_meta` for this attempt) also goes as headers, as on Streamable HTTP.
      headers: { 'content-type': 'application/json', ...this.config.headers, ...('params' in message ? traceHeaders(message.params) : undefined) },
      body: restoreRawIds(JSON.stringify(message)),
    }).catch((err: unknown) => this.logger.warn({ backend: this.name, err: String(err) }, 'POST to legacy SSE endpoint failed'));
  }

  private lastError(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.current = { ...this.current, lastError: message };
    this.logger.warn({ backend: this.name, err: message }, 'legacy SSE backend connection problem');
  }

  private setStatus(status: LinkStatus): void {
    this.current = status;
    this.events.onStatus(status);
  }
}

/** The stream ended before the endpoint event: readStream has said why. */
const STREAM_ENDED = new Error('the SSE stream ended before it named its endpoint');

function unwrap(response: JsonRpcResponse): JsonObject {
  if (isFailure(response)) throw new UpstreamRpcError(response.error.code, response.error.message, response.error.data);
  return response.result;
}
