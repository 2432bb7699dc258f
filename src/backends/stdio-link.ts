/**
 * Worker side of a stdio backend: the child runs in the primary, this link
 * reaches it over the worker's frame channel (see src/ipc/).
 *
 * One PrimaryChannel per worker multiplexes all stdio backends; each backend
 * gets a StdioLink view of it.
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject, JsonRpcNotification } from '../mcp/jsonrpc.js';
import { FrameError, type FrameChannel } from '../ipc/frame-channel.js';
import { serverOfWire, stdioWireName, type BackendStatusWire, type PrimaryToWorker, type WorkerToPrimary } from '../ipc/stdio-protocol.js';
import { UpstreamRpcError, toRpcError } from './rpc-connection.js';
import { CallDeadline, withDeadline } from './deadline.js';
import { OwnerGone, onReplica, type BackendLink, type LinkCall, type LinkEvents, type LinkHooks, type LinkStatus, type ReplicaTag, type ScopeHome, type ScopeServices, type ScopedLink, type UpstreamRef } from './link.js';
import type { LogLevel } from '../mcp/versions.js';
import type { UpstreamScope } from '../gateway/upstream-scope.js';
import type { HealthSnapshot } from '../state/store.js';

const NO_HOOKS: LinkHooks = {
  onNotification: () => undefined,
  onServerRequest: (method) => Promise.reject(new UpstreamRpcError(-32601, `no client call is waiting for ${method}`)),
};

interface Waiting {
  hooks: LinkHooks;
  resolve(result: JsonObject): void;
  reject(err: unknown): void;
  /** Per-client calls: which child instance answered, and whether the client's state was lost. */
  served?(inst: string | undefined, reset: boolean): void;
}

/**
 * The worker's end of the channel to the primary, shared by every stdio backend.
 *
 * Messages name a stdio replica by its wire name, the replica key
 * `<server>/<id>` (src/ipc/stdio-protocol.ts): the primary runs one host (and
 * one pool of per-client children) per replica.
 */
export class PrimaryChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly links = new Map<string, StdioLink>();
  /** The primary's last word on each backend, for a link made after it arrived. */
  private readonly statuses = new Map<string, BackendStatusWire>();
  private services: ScopeServices | undefined;
  private healthListener: ((replica: string, state: HealthSnapshot) => void) | undefined;
  /** Told of a fault handling a message from the primary (the worker logs it: internal-error.ts). */
  onFault: ((err: unknown, kind: string) => void) | undefined;

  constructor(private readonly channel: FrameChannel<PrimaryToWorker, WorkerToPrimary>) {
    channel.on('message', (m) => {
      // A fault in handling one message from the primary fails that message, never the worker.
      try {
        this.onMessage(m);
      } catch (err) {
        this.onFault?.(err, m.t);
      }
    });
    channel.on('close', () => {
      const err = new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process closed');
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w.reject(err);
      }
    });
  }

  /** The shared link of one stdio replica (`wire`: its replica key). */
  link(wire: string, events: LinkEvents): StdioLink {
    const link = new StdioLink(wire, this, events);
    this.links.set(wire, link);
    const known = this.statuses.get(wire);
    if (known) queueMicrotask(() => this.links.get(wire) === link && link.setStatus(known));
    return link;
  }

  unlink(wire: string, link: StdioLink): void {
    // A server reconfigured in place has a new link under the same name already.
    if (this.links.get(wire) === link) this.links.delete(wire);
  }

  /** Replica health from this node's prober, sent here when the worker's store is in-process (no Redis to hear it from). */
  onHealth(listener: (replica: string, state: HealthSnapshot) => void): void {
    this.healthListener = listener;
  }

  /** Where per-client children's out-of-call messages go (set once the worker's sessions exist). */
  setScopeServices(services: ScopeServices): void {
    this.services = services;
  }

  scopedLink(name: string, replica: ReplicaTag, scope: UpstreamScope, services: ScopeServices): ScopedStdioLink {
    return new ScopedStdioLink(name, replica, scope, this, services.home(scope), services);
  }

  /** The replica's state as its shared link knows it (a per-client child shares its replica's state). */
  statusOf(wire: string): LinkStatus {
    return this.links.get(wire)?.status() ?? { state: 'stopped', identity: undefined, lastError: undefined, generation: 0 };
  }

  /** The primary keeps the per-node refcount (or the per-client child's own subscription); a worker only says whether it still needs the URI. */
  subscription(wire: string, uri: string, on: boolean, scoped?: { scope: UpstreamScope; expect: string | undefined; fresh: boolean; served: Waiting['served'] }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const id = this.register({ hooks: NO_HOOKS, resolve: () => resolve(), reject, served: scoped?.served });
      const message: Extract<WorkerToPrimary, { t: 'sub' }> = { t: 'sub', id, b: wire, uri, on };
      if (scoped) {
        message.s = scoped.scope.key;
        message.c = scoped.scope.capabilities;
        if (scoped.expect !== undefined) message.x = scoped.expect;
        if (scoped.fresh) message.f = true;
      }
      this.sendOrRelease(message, id, reject);
    });
  }

  /** Registrations waiting for the primary's answer (each released on every path; 0 when idle). */
  get inFlightCount(): number {
    return this.waiting.size;
  }

  /** Sends a call and settles `waiting` with its answer; the registration is released on every path. */
  /** `limit`: the call's timeout, or its CallDeadline (progress through `waiting.hooks` extends it: see deadline.ts). */
  call(message: Omit<Extract<WorkerToPrimary, { t: 'call' }>, 'id'>, waiting: Waiting, limit: number | CallDeadline, signal: LinkCall['signal'], what: string): Promise<JsonObject> {
    let id = 0;
    const work = new Promise<JsonObject>((resolve, reject) => {
      id = this.register({ ...waiting, resolve, reject });
      this.sendOrRelease({ ...message, id }, id, reject);
    });
    return withDeadline(work, limit, signal, (reason) => {
      this.forget(id);
      this.send({ t: 'cancel', id, reason });
    }, what);
  }

  /** Fire-and-forget messages: false when the channel is closed or the message cannot be framed. */
  send(message: WorkerToPrimary): boolean {
    return this.post(message) === true;
  }

  /**
   * Sends a registered call; when it cannot leave (channel closed, message
   * refused by the frame encoder), the registration `id` is released and
   * the call rejected here. Nothing thrown escapes: a throw inside a
   * Promise executor would reject the call but leave its registration behind.
   */
  private sendOrRelease(message: WorkerToPrimary, id: number, reject: (err: unknown) => void): void {
    let outcome: boolean | FrameError;
    try {
      outcome = this.post(message);
    } catch (err) {
      this.forget(id);
      reject(err);
      return;
    }
    if (outcome === true) return;
    this.forget(id);
    reject(outcome === false
      ? new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process is closed')
      : new GatewayError('GW_ERR_INVALID_PARAMS', `the request cannot be passed to the backend: ${outcome.message}`));
  }

  /** true: sent; false: the channel is closed; a FrameError: this message cannot be framed. */
  private post(message: WorkerToPrimary): boolean | FrameError {
    try {
      return this.channel.send(message);
    } catch (err) {
      if (err instanceof FrameError) return err;
      throw err;
    }
  }

  register(waiting: Waiting): number {
    const id = this.nextId++;
    this.waiting.set(id, waiting);
    return id;
  }

  forget(id: number): void {
    this.waiting.delete(id);
  }

  private onMessage(message: PrimaryToWorker): void {
    switch (message.t) {
      case 'result': {
        const w = this.waiting.get(message.id);
        if (!w) return;
        this.waiting.delete(message.id);
        w.served?.(message.inst, message.reset === true);
        if (message.ge) w.reject(GatewayError.fromWire(message.ge));
        else if (message.e) w.reject(new UpstreamRpcError(message.e.code, message.e.message, message.e.data));
        else w.resolve(message.r ?? {});
        return;
      }
      case 'event': {
        const w = message.rel === undefined ? undefined : this.waiting.get(message.rel);
        if (w) w.hooks.onNotification(message.n);
        else if (message.s !== undefined) this.services?.deliver(message.s, serverOfWire(message.b), message.n);
        else this.links.get(message.b)?.event(message.n);
        return;
      }
      case 'unattributed':
        this.links.get(message.b)?.unattributed(message.m, message.kind);
        return;
      case 'ask': {
        const w = message.rel === undefined ? undefined : this.waiting.get(message.rel);
        const answer = w
          ? w.hooks.onServerRequest(message.m, message.p)
          : message.s !== undefined && this.services
            ? this.services.ask(message.s, serverOfWire(message.b), message.m, message.p)
            : Promise.reject(new UpstreamRpcError(-32603, `only1mcp: the call that caused ${message.m} is no longer in flight`));
        answer.then(
          (r) => {
            // An answer that cannot be framed still answers: the backend hears why at once instead of waiting out its timeout.
            const sent = this.post({ t: 'answer', b: message.b, sid: message.sid, r });
            if (sent instanceof FrameError) this.send({ t: 'answer', b: message.b, sid: message.sid, e: { code: -32602, message: `only1mcp: the client's answer cannot be passed on: ${sent.message}` } });
          },
          (err: unknown) => this.send({ t: 'answer', b: message.b, sid: message.sid, e: toRpcError(err) }),
        );
        return;
      }
      case 'status':
        this.statuses.set(message.s.name, message.s);
        this.links.get(message.s.name)?.setStatus(message.s);
        return;
      case 'health':
        this.healthListener?.(message.replica, message.state);
        return;
    }
  }
}

export class StdioLink implements BackendLink {
  private current: LinkStatus = { state: 'starting', identity: undefined, lastError: undefined, generation: 0 };
  /** The server's name (errors and logs say it); `wire` names the replica on the channel. */
  readonly name: string;

  constructor(readonly wire: string, private readonly channel: PrimaryChannel, private readonly events: LinkEvents) {
    this.name = serverOfWire(wire);
  }

  status(): LinkStatus {
    return this.current;
  }

  async start(): Promise<void> {
    // The primary starts the child and pushes its status; nothing to do here.
  }

  async close(): Promise<void> {
    this.channel.unlink(this.wire, this);
  }

  call(call: LinkCall): Promise<JsonObject> {
    const message: Omit<Extract<WorkerToPrimary, { t: 'call' }>, 'id'> = { t: 'call', b: this.wire, m: call.method, g: call.group };
    if (call.params !== undefined) message.p = call.params;
    const deadline = new CallDeadline(call.timeoutMs, call.maxTotalMs);
    return this.channel.call(message, { hooks: deadline.watch(call.hooks), resolve: noop, reject: noop }, deadline, call.signal, `${this.name} ${call.method}`);
  }

  /** The primary combines the levels of all workers before it sets the child's. */
  setLogLevel(level: LogLevel | undefined): void {
    this.channel.send({ t: 'level', b: this.wire, level: level ?? null });
  }

  subscribe(uri: string): Promise<void> {
    return this.channel.subscription(this.wire, uri, true);
  }

  unsubscribe(uri: string): Promise<void> {
    return this.channel.subscription(this.wire, uri, false);
  }

  notify(method: string, params?: JsonObject): void {
    const message: WorkerToPrimary = { t: 'notify', b: this.wire, m: method };
    if (params !== undefined) message.p = params;
    this.channel.send(message);
  }

  event(message: JsonRpcNotification): void {
    this.events.onEvent(message);
  }

  unattributed(method: string, kind: 'request' | 'notification'): void {
    this.events.onUnattributed(method, kind);
  }

  setStatus(s: BackendStatusWire): void {
    const identity = s.state === 'ready' && s.era && s.protocolVersion
      ? {
          era: s.era,
          protocolVersion: s.protocolVersion,
          capabilities: s.capabilities ?? {},
          serverInfo: s.serverInfo ?? {},
          instructions: s.instructions,
        }
      : undefined;
    this.current = {
      state: s.state,
      identity,
      lastError: s.lastError,
      generation: s.generation,
      process: { pid: s.pid, restarts: s.restarts, invalidLines: s.invalidLines },
    };
    if (s.stderrTail !== undefined) this.current.stderrTail = s.stderrTail;
    this.events.onStatus(this.current);
  }
}

const noop = (): void => undefined;

/**
 * One client's own child of a stdio server (isolation session/principal),
 * reached through this node's primary, which starts it on first use, in the
 * pool of this link's replica. A child on another node is reached through a
 * worker of that node (scope-relay.ts); when that node is gone, a new child
 * starts here and the client is told its backend state was reset. So is a
 * client whose child ran on another replica of the server (it moved: that
 * replica left rotation).
 */
export class ScopedStdioLink implements ScopedLink {
  lastUsed = Date.now();
  private readonly wire: string;

  constructor(
    readonly name: string,
    private readonly replica: ReplicaTag,
    readonly scope: UpstreamScope,
    private readonly channel: PrimaryChannel,
    private readonly home: ScopeHome,
    private readonly services: ScopeServices,
  ) {
    this.wire = stdioWireName(name, replica.id);
  }

  status(): LinkStatus {
    return this.channel.statusOf(this.wire);
  }

  async start(): Promise<void> {
    // Started by the primary on the first call.
  }

  async close(): Promise<void> {
    // Nothing held here; the child lives in a primary until released or idle.
  }

  async release(): Promise<void> {
    const remote = await this.remoteOwner();
    if (remote === undefined) this.channel.send({ t: 'release', b: this.wire, s: this.scope.key });
    else await this.services.relayOp(remote, this.name, this.scope, 'release', {}, this.replica.id).catch(() => undefined);
  }

  async call(call: LinkCall): Promise<JsonObject> {
    this.lastUsed = Date.now();
    const ref = await this.ref();
    if (this.remote(ref)) {
      try {
        return await this.services.relay(ref.worker, this.name, this.scope, call, this.replica.id);
      } catch (err) {
        if (!(err instanceof OwnerGone)) throw err;
        // The child's node (or the worker relaying for it) is gone: a new child here, the client told.
      }
    }
    const message: Omit<Extract<WorkerToPrimary, { t: 'call' }>, 'id'> = { t: 'call', b: this.wire, m: call.method, g: call.group, s: this.scope.key, c: this.scope.capabilities };
    if (call.params !== undefined) message.p = call.params;
    if (call.logLevel !== undefined) message.lv = call.logLevel;
    this.expect(message, ref);
    // The principal's own environment (auth.upstream), for the child started for it.
    if (call.credentials !== undefined && Object.keys(call.credentials.env).length > 0) message.e = { ...call.credentials.env };
    const deadline = new CallDeadline(call.timeoutMs, call.maxTotalMs);
    return this.channel.call(message, { hooks: deadline.watch(call.hooks), resolve: noop, reject: noop, served: this.served(ref) }, deadline, call.signal, `${this.name} ${call.method}`);
  }

  /**
   * What the primary must know of the client's last child: its instance (a
   * different one now means the client's state was lost), and whether it
   * lived on another replica (a child this replica's pool still has for the
   * client is older than the client's state there, so a new one starts).
   */
  private expect(message: { x?: string; f?: boolean }, ref: UpstreamRef | undefined): void {
    if (ref?.k !== 'stdio') return;
    message.x = ref.inst;
    if (!onReplica(ref, this.replica)) message.f = true;
  }

  /** What a result says of the child that served it: remembered for every worker, and a reset told to the client. */
  private served(ref: UpstreamRef | undefined): (inst: string | undefined, reset: boolean) => void {
    return (inst, reset) => {
      if (inst === undefined) return;
      if (ref?.k !== 'stdio' || ref.inst !== inst || ref.node !== this.services.nodeId || !onReplica(ref, this.replica)) {
        this.home.saveRef(this.name, { k: 'stdio', node: this.services.nodeId, worker: this.services.workerId, inst, r: this.replica.id });
      }
      if (reset) {
        const why = ref !== undefined && !onReplica(ref, this.replica)
          ? 'the replica that ran its backend process left rotation, so a process of another replica serves it now'
          : 'its backend process was replaced (it sat idle too long, exited, or ran on a gateway node that is gone)';
        this.home.reset(this.name, why);
      }
    };
  }

  notify(method: string, params?: JsonObject): void {
    void this.remoteOwner().then((remote) => {
      if (remote !== undefined) return this.services.relayOp(remote, this.name, this.scope, 'notify', params === undefined ? { m: method } : { m: method, p: params }, this.replica.id);
      const message: WorkerToPrimary = { t: 'notify', b: this.wire, m: method, s: this.scope.key };
      if (params !== undefined) message.p = params;
      this.channel.send(message);
      return undefined;
    }).catch(() => undefined);
  }

  setLogLevel(level: LogLevel | undefined): void {
    void this.remoteOwner().then((remote) => {
      if (remote !== undefined) return this.services.relayOp(remote, this.name, this.scope, 'level', level === undefined ? {} : { lv: level }, this.replica.id);
      this.channel.send({ t: 'level', b: this.wire, level: level ?? null, s: this.scope.key });
      return undefined;
    }).catch(() => undefined);
  }

  subscribe(uri: string): Promise<void> {
    return this.subscription(uri, true);
  }

  unsubscribe(uri: string): Promise<void> {
    return this.subscription(uri, false);
  }

  private async subscription(uri: string, on: boolean): Promise<void> {
    const ref = await this.ref();
    if (this.remote(ref)) {
      try {
        await this.services.relayOp(ref.worker, this.name, this.scope, on ? 'sub' : 'unsub', { uri }, this.replica.id);
        return;
      } catch (err) {
        if (!(err instanceof OwnerGone)) throw err;
      }
    }
    const expect: { x?: string; f?: boolean } = {};
    this.expect(expect, ref);
    await this.channel.subscription(this.wire, uri, on, { scope: this.scope, expect: expect.x, fresh: expect.f === true, served: this.served(ref) });
  }

  /** The client's last stored reference (shared by every worker through the scope's home). */
  private ref(): Promise<UpstreamRef | undefined> {
    return this.home.ref(this.name).catch(() => undefined);
  }

  /** True when the client's child is this replica's, on another node. */
  private remote(ref: UpstreamRef | undefined): ref is Extract<UpstreamRef, { k: 'stdio' }> {
    return ref?.k === 'stdio' && ref.node !== this.services.nodeId && onReplica(ref, this.replica);
  }

  /** The worker relaying for the child's node, when the child runs on another node. */
  private async remoteOwner(): Promise<string | undefined> {
    const ref = await this.ref();
    return this.remote(ref) ? ref.worker : undefined;
  }
}
