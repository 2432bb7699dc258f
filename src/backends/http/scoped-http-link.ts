/**
 * One client's own session of a 2025-era Streamable HTTP backend (isolation
 * session or principal), over the server's pool.
 *
 * Opened on first use with the client's own capabilities; its
 * `Mcp-Session-Id` is kept in the scope's home (the client session's shared
 * record), so any worker or node adopts it without a new handshake. When the
 * backend forgets it, the link adopts a newer one another worker opened
 * meanwhile, or opens a new one and the client is told its backend state was
 * reset. What the backend sends outside calls (on the session's GET stream)
 * belongs to this client alone and is delivered to it.
 *
 * With several replicas, each has its own pool and these links; the
 * reference records the replica holding the session, and a link adopts
 * only sessions of its own replica. A client whose session lived on another
 * replica (it left rotation) gets a new one here and is told.
 */
import { isObject, type JsonObject, type JsonRpcMessage } from '../../mcp/jsonrpc.js';
import { handshake, type BackendIdentity } from '../handshake.js';
import { EventStream } from './event-stream.js';
import { HttpSession, type HttpBackend } from './http-session.js';
import { levelCall, subscribeCall } from '../subscribe-call.js';
import { LevelForwarder } from '../log-level.js';
import type { LogLevel } from '../../mcp/versions.js';
import { onReplica, requireReady, type LinkCall, type LinkStatus, type ReplicaTag, type ScopeHome, type ScopeServices, type ScopedLink, type UpstreamRef } from '../link.js';
import type { UpstreamScope } from '../../gateway/upstream-scope.js';

export class ScopedHttpLink implements ScopedLink {
  lastUsed = Date.now();
  private readonly session: HttpSession;
  private opening: Promise<void> | undefined;
  private stream: EventStream | undefined;
  private closed = false;
  private readonly subscribed = new Set<string>();
  private readonly level: LevelForwarder;

  constructor(
    private readonly backend: HttpBackend,
    private readonly replica: ReplicaTag,
    readonly scope: UpstreamScope,
    private readonly home: ScopeHome,
    private readonly services: ScopeServices,
    private readonly serverStatus: () => LinkStatus,
  ) {
    this.session = new HttpSession(backend, (stale) => this.onLost(stale));
    this.level = new LevelForwarder(
      (level) => this.session.post(levelCall(level)),
      (err) => backend.logger.warn({ backend: this.name, err: String(err) }, 'backend refused logging/setLevel'),
    );
  }

  get name(): string {
    return this.backend.config.name;
  }

  status(): LinkStatus {
    return this.serverStatus();
  }

  async start(): Promise<void> {
    // Opened on first use.
  }

  async call(call: LinkCall): Promise<JsonObject> {
    this.lastUsed = Date.now();
    requireReady(this.name, this.serverStatus());
    // A session opened for one principal carries that principal's credentials on every request.
    if (call.credentials !== undefined) this.session.setCredentialHeaders(call.credentials.headers);
    await this.ensureOpen();
    if (call.logLevel !== undefined) this.level.set(call.logLevel, this.session.identity);
    return this.session.call(call);
  }

  notify(method: string, params?: JsonObject): void {
    // A session never opened has nothing to hear (roots/list_changed before first use).
    if (this.session.sid !== undefined) this.session.notify(method, params);
  }

  setLogLevel(level: LogLevel | undefined): void {
    this.level.set(level, this.session.identity);
  }

  async subscribe(uri: string): Promise<void> {
    this.subscribed.add(uri);
    await this.ensureOpen();
    await this.session.post(subscribeCall(uri, true));
  }

  async unsubscribe(uri: string): Promise<void> {
    if (!this.subscribed.delete(uri) || this.session.sid === undefined) return;
    await this.session.post(subscribeCall(uri, false));
  }

  /** This worker's view goes; the backend session stays for other workers. */
  async close(): Promise<void> {
    this.closed = true;
    this.stream?.close();
  }

  /** The client session ended: so does its backend session. */
  async release(): Promise<void> {
    await this.close();
    if (this.session.sid === undefined) {
      // Opened by another worker only: end it by the stored id.
      const ref = await this.home.ref(this.name).catch(() => undefined);
      if (ref?.k === 'http' && onReplica(ref, this.replica)) this.adopt(ref);
    }
    await this.session.end();
  }

  private ensureOpen(): Promise<void> {
    if (this.session.identity) return this.replica.siblings ? this.ensureHeld() : Promise.resolve();
    this.opening ??= this.open(undefined).finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async ensureHeld(): Promise<void> {
    if (await this.stillHeld()) return;
    this.opening ??= this.open(undefined).finally(() => (this.opening = undefined));
    return this.opening;
  }

  /**
   * A server with several replicas: whether the session this link holds is
   * still the client's. It may have moved to another replica meanwhile
   * (this one left rotation for a while, on this worker or another).
   */
  private async stillHeld(): Promise<boolean> {
    if (this.session.sid === undefined) return true; // a backend that keeps no sessions: nothing to move
    const ref = await this.home.ref(this.name).catch(() => undefined);
    return ref === undefined || (ref.k === 'http' && ref.sid === this.session.sid && onReplica(ref, this.replica));
  }

  /** Adopts the stored session, or opens a new one (`stale`: the one the backend just forgot). */
  private async open(stale: string | undefined): Promise<void> {
    const ref = await this.home.ref(this.name, stale !== undefined).catch(() => undefined);
    if (ref?.k === 'http' && ref.sid !== stale && onReplica(ref, this.replica)) {
      this.adopt(ref);
      return;
    }
    this.session.sid = undefined;
    this.session.identity = undefined;
    const config = this.backend.config;
    const identity = await handshake(
      (method, params, timeoutMs) => this.session.handshakeRequest(method, params, timeoutMs),
      (method, params) => this.session.notified(method, params),
      'legacy',
      config.common.connectTimeoutMs,
      this.scope.capabilities,
    );
    this.session.identity = identity;
    if (this.session.sid === undefined) {
      // A backend that keeps no sessions: nothing to remember or share.
      this.started(identity);
      return;
    }
    this.home.saveRef(this.name, { k: 'http', sid: this.session.sid, pv: identity.protocolVersion, caps: identity.capabilities, info: identity.serverInfo, r: this.replica.id });
    if (ref?.k === 'http' && !onReplica(ref, this.replica)) this.home.reset(this.name, 'the replica holding its session left rotation, so another replica serves it now');
    else if (ref?.k === 'http' || stale !== undefined) this.home.reset(this.name, 'the backend forgot its session with this client');
    this.started(identity);
  }

  private adopt(ref: Extract<UpstreamRef, { k: 'http' }>): void {
    this.session.sid = ref.sid;
    this.session.identity = { era: 'legacy', protocolVersion: ref.pv, capabilities: ref.caps, serverInfo: ref.info, instructions: undefined };
    this.started(this.session.identity);
  }

  private started(identity: BackendIdentity): void {
    this.level.reset(identity);
    if (this.closed) return;
    this.stream?.close();
    // Several workers may hold one session; a backend that allows one GET stream refuses the others
    // (409), which then retry with backoff and so take over when the holder goes.
    this.stream = new EventStream({
      pool: this.backend.pool,
      path: this.backend.path,
      identity,
      headers: () => this.session.baseHeaders(),
      onMessage: (m) => this.onUnscopedMessage(m),
      resources: () => [...this.subscribed],
      logger: this.backend.logger,
      backend: this.name,
    });
    this.stream.start();
  }

  private async onLost(stale: string): Promise<void> {
    if (this.session.sid !== stale) return;
    this.stream?.close();
    await this.open(stale);
    for (const uri of this.subscribed) await this.session.post(subscribeCall(uri, true), false).catch(() => undefined);
  }

  private onUnscopedMessage(message: JsonRpcMessage): void {
    if (!('method' in message)) return;
    if ('id' in message) {
      this.session.answerRequest(message, (m, p) => this.services.ask(this.scope.key, this.name, m, isObject(p) ? p : undefined));
      return;
    }
    this.services.deliver(this.scope.key, this.name, message);
  }
}
