/**
 * One client's own session of a legacy HTTP+SSE backend (protocol
 * 2024-11-05; isolation session or principal).
 *
 * On this transport the session is the backend's GET stream: every answer
 * arrives on it, so one worker holds it and the others relay their calls to
 * that worker (scope-relay.ts). The holder is named in the scope's home; when
 * it is gone (or its stream ended), the next call opens a new session here
 * and the client is told its backend state was reset. The same happens when
 * the session lived on another replica of the server (`config` is this
 * replica's: its URL and headers).
 */
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../mcp/errors.js';
import type { JsonObject } from '../../mcp/jsonrpc.js';
import { LegacySseLink } from './legacy-sse-link.js';
import { OwnerGone, onReplica, requireReady, type LinkCall, type LinkStatus, type ReplicaTag, type ScopeHome, type ScopeServices, type ScopedLink, type UpstreamRef } from '../link.js';
import type { LogLevel } from '../../mcp/versions.js';
import type { HttpServerConfig } from '../../config/model.js';
import type { UpstreamScope } from '../../gateway/upstream-scope.js';
import type { Logger } from '../../observe/log.js';

export class ScopedSseLink implements ScopedLink {
  lastUsed = Date.now();
  /** The session, when this worker holds it. */
  private local: { link: LegacySseLink; inst: string; ready: Promise<void> } | undefined;

  constructor(
    private readonly config: HttpServerConfig,
    private readonly replica: ReplicaTag,
    readonly scope: UpstreamScope,
    private readonly home: ScopeHome,
    private readonly services: ScopeServices,
    private readonly logger: Logger,
    private readonly serverStatus: () => LinkStatus,
  ) {}

  get name(): string {
    return this.config.name;
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
    if (this.local && this.replica.siblings) await this.dropIfMoved(this.local);
    const holder = await this.holder();
    if (holder !== undefined) {
      try {
        return await this.services.relay(holder, this.name, this.scope, call, this.replica.id);
      } catch (err) {
        if (!(err instanceof OwnerGone)) throw err;
      }
    }
    const link = await this.openHere(call.credentials?.headers);
    if (call.logLevel !== undefined) link.setLogLevel(call.logLevel);
    return link.call(call);
  }

  notify(method: string, params?: JsonObject): void {
    void this.remote('notify', params === undefined ? { m: method } : { m: method, p: params }, (link) => link.notify(method, params));
  }

  setLogLevel(level: LogLevel | undefined): void {
    void this.remote('level', level === undefined ? {} : { lv: level }, (link) => link.setLogLevel(level));
  }

  /** Subscribing is a use: a session not open anywhere is opened here for it. */
  async subscribe(uri: string): Promise<void> {
    this.lastUsed = Date.now();
    const holder = await this.holder();
    if (holder !== undefined) {
      try {
        await this.services.relayOp(holder, this.name, this.scope, 'sub', { uri }, this.replica.id);
        return;
      } catch (err) {
        if (!(err instanceof OwnerGone)) throw err;
      }
    }
    await (await this.openHere()).subscribe(uri);
  }

  unsubscribe(uri: string): Promise<void> {
    return this.remote('unsub', { uri }, (link) => link.unsubscribe(uri));
  }

  async close(): Promise<void> {
    // The stream is this client's backend session: closing it here ends it, so it stays open
    // (for the other workers' relayed calls) until the client session ends or the stream drops.
  }

  async release(): Promise<void> {
    const local = this.local;
    this.local = undefined;
    if (local) {
      await local.link.close();
      return;
    }
    const holder = await this.holder();
    if (holder !== undefined) await this.services.relayOp(holder, this.name, this.scope, 'release', {}, this.replica.id).catch(() => undefined);
  }

  /**
   * A server with several replicas: the client's session may have moved to
   * another replica since this worker opened one here (this replica left
   * rotation for a while). The one held here is then not the client's
   * anymore: it ends, and the next use opens a new one (the client told).
   */
  private async dropIfMoved(local: NonNullable<ScopedSseLink['local']>): Promise<void> {
    const ref = await this.home.ref(this.name).catch(() => undefined);
    if (ref === undefined || (ref.k === 'sse' && ref.inst === local.inst) || this.local !== local) return;
    this.local = undefined;
    await local.link.close();
  }

  /** The worker holding this client's session on this replica, when it is another one. */
  private async holder(): Promise<string | undefined> {
    if (this.local) return undefined;
    const ref = await this.home.ref(this.name).catch(() => undefined);
    return ref?.k === 'sse' && ref.worker !== this.services.workerId && onReplica(ref, this.replica) ? ref.worker : undefined;
  }

  /** An operation on the held session: here, or relayed to its holder. */
  private async remote(op: 'notify' | 'level' | 'sub' | 'unsub', extra: { m?: string; p?: JsonObject; lv?: string; uri?: string }, here: (link: LegacySseLink) => void | Promise<void>): Promise<void> {
    const holder = await this.holder();
    if (holder !== undefined) await this.services.relayOp(holder, this.name, this.scope, op, extra, this.replica.id).catch(() => undefined);
    else if (this.local) await here(this.local.link);
  }

  /** Opens the session on this worker; `headers`: the principal's own credentials, carried by its stream and posts. */
  private async openHere(headers?: Readonly<Record<string, string>>): Promise<LegacySseLink> {
    if (!this.local) {
      const config = headers === undefined ? this.config : { ...this.config, headers: { ...this.config.headers, ...headers } };
      const before = await this.home.ref(this.name).catch(() => undefined);
      const inst = randomBytes(6).toString('base64url');
      let settle: { resolve(): void; reject(err: Error): void } | undefined;
      const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const link: LegacySseLink = new LegacySseLink(config, {
        onEvent: (n) => this.services.deliver(this.scope.key, this.name, n),
        onStatus: (s) => {
          if (s.state === 'ready') settle?.resolve();
          else if (s.state !== 'starting') settle?.reject(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} could not open a session for this client${s.lastError ? `: ${s.lastError}` : ''}`));
        },
        onUnattributed: () => undefined,
      }, this.logger, {
        capabilities: this.scope.capabilities,
        ask: (method, params) => this.services.ask(this.scope.key, this.name, method, params),
        ended: () => {
          if (this.local?.link === link) this.local = undefined;
        },
      });
      this.local = { link, inst, ready };
      void link.start();
      try {
        await ready;
      } catch (err) {
        if (this.local?.link === link) this.local = undefined;
        await link.close();
        throw err;
      }
      const ref: UpstreamRef = { k: 'sse', node: this.services.nodeId, worker: this.services.workerId, inst, r: this.replica.id };
      this.home.saveRef(this.name, ref);
      if (before?.k === 'sse') {
        this.home.reset(this.name, onReplica(before, this.replica)
          ? 'its session with the backend ended (the stream dropped, or the gateway worker holding it is gone)'
          : 'the replica holding its session left rotation, so another replica serves it now');
      }
    }
    await this.local.ready;
    return this.local.link;
  }
}
