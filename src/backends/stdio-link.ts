/**
 * Worker side of a stdio backend: the child runs in the primary, this link
 * reaches it over the worker's frame channel (see src/ipc/).
 *
 * One PrimaryChannel per worker multiplexes all stdio backends; each backend
 * gets a StdioLink view of it.
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject, JsonRpcNotification } from '../mcp/jsonrpc.js';
import type { FrameChannel } from '../ipc/frame-channel.js';
import type { BackendStatusWire, PrimaryToWorker, WorkerToPrimary } from '../ipc/stdio-protocol.js';
import { UpstreamRpcError, toRpcError } from './rpc-connection.js';
import { CallDeadline, withDeadline } from './deadline.js';
import { OwnerGone, type BackendLink, type LinkCall, type LinkEvents, type LinkHooks, type LinkStatus, type ScopeHome, type ScopeServices, type ScopedLink, type UpstreamRef } from './link.js';
import type { LogLevel } from '../mcp/versions.js';
import type { UpstreamScope } from '../gateway/upstream-scope.js';

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

/** The worker's end of the channel to the primary, shared by every stdio backend. */
export class PrimaryChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly links = new Map<string, StdioLink>();
  /** The primary's last word on each backend, for a link made after it arrived. */
  private readonly statuses = new Map<string, BackendStatusWire>();
  private services: ScopeServices | undefined;

  constructor(private readonly channel: FrameChannel<PrimaryToWorker, WorkerToPrimary>) {
    channel.on('message', (m) => this.onMessage(m));
    channel.on('close', () => {
      const err = new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process closed');
      for (const [id, w] of this.waiting) {
        this.waiting.delete(id);
        w.reject(err);
      }
    });
  }

  link(name: string, events: LinkEvents): StdioLink {
    const link = new StdioLink(name, this, events);
    this.links.set(name, link);
    const known = this.statuses.get(name);
    if (known) queueMicrotask(() => this.links.get(name) === link && link.setStatus(known));
    return link;
  }

  unlink(name: string): void {
    this.links.delete(name);
  }

  /** Where per-client children's out-of-call messages go (set once the worker's sessions exist). */
  setScopeServices(services: ScopeServices): void {
    this.services = services;
  }

  scopedLink(name: string, scope: UpstreamScope, services: ScopeServices): ScopedStdioLink {
    return new ScopedStdioLink(name, scope, this, services.home(scope), services);
  }

  /** The server's state as its shared link knows it (a per-client child shares its server's state). */
  statusOf(name: string): LinkStatus {
    return this.links.get(name)?.status() ?? { state: 'stopped', identity: undefined, lastError: undefined, generation: 0 };
  }

  /** The primary keeps the per-node refcount (or the per-client child's own subscription); a worker only says whether it still needs the URI. */
  subscription(name: string, uri: string, on: boolean, scoped?: { scope: UpstreamScope; expect: string | undefined; served: Waiting['served'] }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const id = this.register({ hooks: NO_HOOKS, resolve: () => resolve(), reject, served: scoped?.served });
      const message: Extract<WorkerToPrimary, { t: 'sub' }> = { t: 'sub', id, b: name, uri, on };
      if (scoped) {
        message.s = scoped.scope.key;
        message.c = scoped.scope.capabilities;
        if (scoped.expect !== undefined) message.x = scoped.expect;
      }
      if (!this.send(message)) {
        this.forget(id);
        reject(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process is closed'));
      }
    });
  }

  /** Sends a call and settles `waiting` with its answer; the registration is released on every path. */
  /** `limit`: the call's timeout, or its CallDeadline (progress through `waiting.hooks` extends it: see deadline.ts). */
  call(message: Omit<Extract<WorkerToPrimary, { t: 'call' }>, 'id'>, waiting: Waiting, limit: number | CallDeadline, signal: LinkCall['signal'], what: string): Promise<JsonObject> {
    let id = 0;
    const work = new Promise<JsonObject>((resolve, reject) => {
      id = this.register({ ...waiting, resolve, reject });
      let sent = false;
      try {
        sent = this.send({ ...message, id });
      } finally {
        if (!sent) {
          this.forget(id);
          reject(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'the connection to the primary process is closed'));
        }
      }
    });
    return withDeadline(work, limit, signal, (reason) => {
      this.forget(id);
      this.send({ t: 'cancel', id, reason });
    }, what);
  }

  send(message: WorkerToPrimary): boolean {
    return this.channel.send(message);
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
        else if (message.s !== undefined) this.services?.deliver(message.s, message.b, message.n);
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
            ? this.services.ask(message.s, message.b, message.m, message.p)
            : Promise.reject(new UpstreamRpcError(-32603, `only1mcp: the call that caused ${message.m} is no longer in flight`));
        answer.then(
          (r) => this.send({ t: 'answer', b: message.b, sid: message.sid, r }),
          (err: unknown) => this.send({ t: 'answer', b: message.b, sid: message.sid, e: toRpcError(err) }),
        );
        return;
      }
      case 'status':
        this.statuses.set(message.s.name, message.s);
        this.links.get(message.s.name)?.setStatus(message.s);
        return;
    }
  }
}

export class StdioLink implements BackendLink {
  private current: LinkStatus = { state: 'starting', identity: undefined, lastError: undefined, generation: 0 };

  constructor(readonly name: string, private readonly channel: PrimaryChannel, private readonly events: LinkEvents) {}

  status(): LinkStatus {
    return this.current;
  }

  async start(): Promise<void> {
    // The primary starts the child and pushes its status; nothing to do here.
  }

  async close(): Promise<void> {
    this.channel.unlink(this.name);
  }

  call(call: LinkCall): Promise<JsonObject> {
    const message: Omit<Extract<WorkerToPrimary, { t: 'call' }>, 'id'> = { t: 'call', b: this.name, m: call.method, g: call.group };
    if (call.params !== undefined) message.p = call.params;
    const deadline = new CallDeadline(call.timeoutMs, call.maxTotalMs);
    return this.channel.call(message, { hooks: deadline.watch(call.hooks), resolve: noop, reject: noop }, deadline, call.signal, `${this.name} ${call.method}`);
  }

  /** The primary combines the levels of all workers before it sets the child's. */
  setLogLevel(level: LogLevel | undefined): void {
    this.channel.send({ t: 'level', b: this.name, level: level ?? null });
  }

  subscribe(uri: string): Promise<void> {
    return this.channel.subscription(this.name, uri, true);
  }

  unsubscribe(uri: string): Promise<void> {
    return this.channel.subscription(this.name, uri, false);
  }

  notify(method: string, params?: JsonObject): void {
    const message: WorkerToPrimary = { t: 'notify', b: this.name, m: method };
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
 * reached through this node's primary, which starts it on first use. A child
 * on another node is reached through a worker of that node (scope-relay.ts);
 * when that node is gone, a new child starts here and the client is told its
 * backend state was reset.
 */
export class ScopedStdioLink implements ScopedLink {
  lastUsed = Date.now();

  constructor(
    readonly name: string,
    readonly scope: UpstreamScope,
    private readonly channel: PrimaryChannel,
    private readonly home: ScopeHome,
    private readonly services: ScopeServices,
  ) {}

  status(): LinkStatus {
    return this.channel.statusOf(this.name);
  }

  async start(): Promise<void> {
    // Started by the primary on the first call.
  }

  async close(): Promise<void> {
    // Nothing held here; the child lives in a primary until released or idle.
  }

  async release(): Promise<void> {
    const remote = await this.remoteOwner();
    if (remote === undefined) this.channel.send({ t: 'release', b: this.name, s: this.scope.key });
    else await this.services.relayOp(remote, this.name, this.scope, 'release').catch(() => undefined);
  }

  async call(call: LinkCall): Promise<JsonObject> {
    this.lastUsed = Date.now();
    const ref = await this.ref();
    if (ref?.k === 'stdio' && ref.node !== this.services.nodeId) {
      try {
        return await this.services.relay(ref.worker, this.name, this.scope, call);
      } catch (err) {
        if (!(err instanceof OwnerGone)) throw err;
        // The child's node (or the worker relaying for it) is gone: a new child here, the client told.
      }
    }
    const message: Omit<Extract<WorkerToPrimary, { t: 'call' }>, 'id'> = { t: 'call', b: this.name, m: call.method, g: call.group, s: this.scope.key, c: this.scope.capabilities };
    if (call.params !== undefined) message.p = call.params;
    if (call.logLevel !== undefined) message.lv = call.logLevel;
    if (ref?.k === 'stdio') message.x = ref.inst;
    const deadline = new CallDeadline(call.timeoutMs, call.maxTotalMs);
    return this.channel.call(message, { hooks: deadline.watch(call.hooks), resolve: noop, reject: noop, served: this.served(ref) }, deadline, call.signal, `${this.name} ${call.method}`);
  }

  /** What a result says of the child that served it: remembered for every worker, and a reset told to the client. */
  private served(ref: UpstreamRef | undefined): (inst: string | undefined, reset: boolean) => void {
    return (inst, reset) => {
      if (inst === undefined) return;
      if (ref?.k !== 'stdio' || ref.inst !== inst || ref.node !== this.services.nodeId) {
        this.home.saveRef(this.name, { k: 'stdio', node: this.services.nodeId, worker: this.services.workerId, inst });
      }
      if (reset) this.home.reset(this.name, 'its backend process was replaced (it sat idle too long, exited, or ran on a gateway node that is gone)');
    };
  }

  notify(method: string, params?: JsonObject): void {
    void this.remoteOwner().then((remote) => {
      if (remote !== undefined) return this.services.relayOp(remote, this.name, this.scope, 'notify', params === undefined ? { m: method } : { m: method, p: params });
      const message: WorkerToPrimary = { t: 'notify', b: this.name, m: method, s: this.scope.key };
      if (params !== undefined) message.p = params;
      this.channel.send(message);
      return undefined;
    }).catch(() => undefined);
  }

  setLogLevel(level: LogLevel | undefined): void {
    void this.remoteOwner().then((remote) => {
      if (remote !== undefined) return this.services.relayOp(remote, this.name, this.scope, 'level', level === undefined ? {} : { lv: level });
      this.channel.send({ t: 'level', b: this.name, level: level ?? null, s: this.scope.key });
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
    if (ref?.k === 'stdio' && ref.node !== this.services.nodeId) {
      try {
        await this.services.relayOp(ref.worker, this.name, this.scope, on ? 'sub' : 'unsub', { uri });
        return;
      } catch (err) {
        if (!(err instanceof OwnerGone)) throw err;
      }
    }
    const expect = ref?.k === 'stdio' ? ref.inst : undefined;
    await this.channel.subscription(this.name, uri, on, { scope: this.scope, expect, served: this.served(ref) });
  }

  /** The client's last stored reference (shared by every worker through the scope's home). */
  private ref(): Promise<UpstreamRef | undefined> {
    return this.home.ref(this.name).catch(() => undefined);
  }

  /** The worker relaying for the child's node, when the child runs on another node. */
  private async remoteOwner(): Promise<string | undefined> {
    const ref = await this.ref();
    return ref?.k === 'stdio' && ref.node !== this.services.nodeId ? ref.worker : undefined;
  }
}
