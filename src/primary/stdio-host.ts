/**
 * Serves the node's shared child of one stdio backend to every worker.
 *
 * The primary owns the child (one stdin, one stdout) and the handshake;
 * workers send calls over their frame channel. Each worker call gets a fresh
 * id on the child's pipe (RpcConnection), so workers and their sessions share
 * the child without seeing each other's traffic. The host restarts a crashed
 * child with backoff and fails the calls that were in flight with a clear
 * backend error; the next call after the restart works.
 *
 * Per-client children of the same server (isolation session/principal) live
 * in stdio-pool.ts; this one is what `shared` servers use, what 2026-07-28
 * servers use for everyone, and what the gateway itself lists from.
 */
import { GatewayError, NOT_READY } from '../mcp/errors.js';
import { type JsonObject, type JsonRpcNotification, type JsonRpcRequest } from '../mcp/jsonrpc.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';
import { modernMeta, type BackendIdentity } from '../backends/handshake.js';
import { listenFilter } from '../backends/listen-filter.js';
import { LevelForwarder, mostVerbose } from '../backends/log-level.js';
import type { LogLevel } from '../mcp/versions.js';
import { ChildSession } from './child-session.js';
import { Backoff } from './backoff.js';
import { HOST_OWNER, failResult, type Owner, type WorkerCalls, type WorkerPort } from './worker-calls.js';
import type { ClientAsks } from './client-asks.js';
import { StderrTail } from './stderr-tail.js';
import { STDIO_RESTART_MAX_MS, STDIO_RESTART_MIN_MS } from '../config/defaults.js';
import type { StdioServerConfig } from '../config/model.js';
import { stdioWireName, type BackendStatusWire } from '../ipc/stdio-protocol.js';
import type { Logger } from '../observe/log.js';

export type { WorkerPort } from './worker-calls.js';

/** A child that stayed up this long has its restart backoff reset. */
export const STDIO_HEALTHY_RESET_MS = 30_000;

/** What a host and a pool of one primary share. */
export interface StdioDeps {
  workers(): Iterable<WorkerPort>;
  calls: WorkerCalls;
  asks: ClientAsks;
  logger: Logger;
}

export class StdioHost {
  private session: ChildSession<Owner> | undefined;
  private state: BackendStatusWire['state'] = 'stopped';
  private generation = 0;
  private restarts = 0;
  private lastError: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** uri → indexes of the workers that follow it. */
  private readonly subscribers = new Map<string, Set<number>>();
  private listenId: number | undefined;
  /** Worker index → the most verbose level its clients asked for. */
  private readonly workerLevels = new Map<number, LogLevel>();
  private readonly level = new LevelForwarder(
    (level) => (this.session ? this.session.hostRequest('logging/setLevel', { level }, this.config.common.callTimeoutMs) : Promise.resolve()),
    (err) => this.deps.logger.warn({ backend: this.name, err: String(err) }, 'backend refused logging/setLevel'),
  );
  private readonly backoff = new Backoff(STDIO_RESTART_MIN_MS, STDIO_RESTART_MAX_MS, STDIO_HEALTHY_RESET_MS);
  /** The current child's last stderr lines; the previous child's until the current one writes any. */
  private stderrTail = new StderrTail();
  private previousTail: string[] = [];

  /** The replica's name on the worker channels (its replica key, `<server>/<id>`). */
  readonly wire: string;

  constructor(readonly config: StdioServerConfig, private readonly deps: StdioDeps, readonly replica = '1') {
    this.wire = stdioWireName(config.name, replica);
  }

  get name(): string {
    return this.config.name;
  }

  /** The era of the running child, once it answered its handshake. */
  get identity(): BackendIdentity | undefined {
    return this.state === 'ready' ? this.session?.identity : undefined;
  }

  status(): BackendStatusWire {
    const id = this.identity;
    const s: BackendStatusWire = {
      name: this.wire,
      state: this.state,
      restarts: this.restarts,
      invalidLines: this.session?.child.invalidLines ?? 0,
      generation: this.generation,
    };
    if (id) {
      s.era = id.era;
      s.protocolVersion = id.protocolVersion;
      s.capabilities = id.capabilities;
      s.serverInfo = id.serverInfo;
      if (id.instructions !== undefined) s.instructions = id.instructions;
    }
    if (this.session?.pid !== undefined) s.pid = this.session.pid;
    if (this.lastError !== undefined) s.lastError = this.lastError;
    const tail = this.stderrTail.size > 0 ? this.stderrTail.snapshot() : this.previousTail;
    if (tail.length > 0) s.stderrTail = tail;
    return s;
  }

  start(): void {
    this.stopping = false;
    this.launch();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.setState('stopped');
    await this.session?.stop(new GatewayError('GW_ERR_SHUTTING_DOWN', `backend ${this.name} is stopping`));
  }

  /**
   * An operator's restart: the child is stopped (stdin EOF, SIGTERM, SIGKILL
   * in turn; calls in flight fail with a crash error) and a new one starts at
   * once, without the crash backoff. Counts as a restart.
   */
  async restart(): Promise<void> {
    if (this.stopping) return;
    clearTimeout(this.restartTimer);
    const old = this.session;
    // Unhooked first: its exit is expected and must not schedule a crash restart.
    this.session = undefined;
    if (old) {
      old.conn.failAll(new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} was restarted by an operator while the call was in flight`));
      this.deps.calls.forget(old);
      this.deps.asks.sessionGone(old, new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} was restarted by an operator`));
      this.listenId = undefined;
      await old.stop(new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} was restarted by an operator`));
    }
    if (this.stopping) return;
    this.restarts++;
    this.launch();
  }

  /** SIGKILL without ceremony, for a primary that must exit now. */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.session?.kill();
  }

  /** A worker's call. The answer (or a gateway error) is sent back on its port. */
  call(worker: WorkerPort, id: number, method: string, params: JsonObject | undefined, group: string): void {
    const session = this.session;
    if (!session || this.state !== 'ready') {
      failResult(worker, id, new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} is ${this.state}${this.lastError ? `: ${this.lastError}` : ''}`, NOT_READY));
      return;
    }
    this.deps.calls.run(session, worker, id, method, params, group);
  }

  notify(method: string, params: JsonObject | undefined): void {
    if (this.state === 'ready') this.session?.conn.notify(method, params);
  }

  /**
   * A worker starts or stops following a resource. The child is asked only
   * when the first worker starts or the last one stops, so workers sharing
   * the child never unsubscribe each other.
   */
  subscription(worker: WorkerPort, id: number, uri: string, on: boolean): void {
    const holders = this.subscribers.get(uri) ?? new Set<number>();
    const had = holders.size > 0;
    if (on) holders.add(worker.index);
    else holders.delete(worker.index);
    if (holders.size > 0) this.subscribers.set(uri, holders);
    else this.subscribers.delete(uri);
    const has = holders.size > 0;
    if (had === has || this.state !== 'ready') {
      worker.send({ t: 'result', id, r: {} });
      return;
    }
    void this.applySubscription(uri, has).then(
      () => worker.send({ t: 'result', id, r: {} }),
      (err: unknown) => failResult(worker, id, err instanceof GatewayError ? err : new GatewayError('GW_ERR_BACKEND_PROTOCOL', String(err))),
    );
  }

  private async applySubscription(uri: string, on: boolean): Promise<void> {
    const session = this.session;
    const identity = this.identity;
    if (!session || !identity) return;
    if (identity.era === 'modern') {
      this.listen(session, identity);
      return;
    }
    await subscribeOnChild(session, uri, on, this.config.common.callTimeoutMs);
  }

  setWorkerLevel(worker: WorkerPort, level: LogLevel | undefined): void {
    if (level === undefined) this.workerLevels.delete(worker.index);
    else this.workerLevels.set(worker.index, level);
    this.level.set(mostVerbose(this.workerLevels.values()), this.identity);
  }

  /** A worker went away: its subscriptions and level no longer count. */
  workerGone(worker: WorkerPort): void {
    this.workerLevels.delete(worker.index);
    for (const [uri, holders] of this.subscribers) {
      if (holders.delete(worker.index) && holders.size === 0) {
        this.subscribers.delete(uri);
        void this.applySubscription(uri, false).catch(() => undefined);
      }
    }
  }

  private launch(): void {
    this.generation++;
    this.setState(this.restarts > 0 ? 'restarting' : 'starting');
    if (this.stderrTail.size > 0) this.previousTail = this.stderrTail.snapshot();
    const tail = new StderrTail();
    this.stderrTail = tail;
    const session: ChildSession<Owner> = new ChildSession<Owner>(this.config, {
      onNotification: (n, owner) => this.onNotification(n, owner),
      onServerRequest: (r, owner) => this.onServerRequest(session, r, owner),
      onExit: (why) => this.onExit(session, why),
      onStderr: (line) => tail.push(line),
    }, this.deps.logger, HOST_OWNER, `o1m-${this.name}-${this.replica}-`);
    this.session = session;
    this.backoff.started();
    void this.open(session);
  }

  private async open(session: ChildSession<Owner>): Promise<void> {
    try {
      const identity = await session.open(this.config.common.protocol, undefined, this.config.common.connectTimeoutMs);
      if (this.session !== session) return;
      this.lastError = undefined;
      this.deps.logger.info({ backend: this.name, replica: this.replica, era: identity.era, protocolVersion: identity.protocolVersion, pid: session.pid, server: identity.serverInfo }, 'stdio backend ready');
      this.setState('ready');
      this.level.reset(identity);
      if (identity.era === 'modern') this.listen(session, identity);
      // A new process holds no subscriptions: renew those workers still want.
      else for (const uri of this.subscribers.keys()) void this.applySubscription(uri, true).catch(() => undefined);
    } catch (err) {
      // A child that already exited failed the handshake because it died: its exit is the reason shown.
      if (this.session !== session || !session.alive) return;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.deps.logger.error({ backend: this.name, replica: this.replica, err: this.lastError }, 'stdio backend handshake failed');
      void session.child.stop();
    }
  }

  /**
   * A modern child announces list changes only on a subscriptions/listen
   * request; the host keeps one open for the child's lifetime and its
   * notifications reach every worker like any unscoped event.
   */
  private listen(session: ChildSession<Owner>, identity: BackendIdentity): void {
    if (this.listenId !== undefined) session.conn.cancel(this.listenId, 'subscription set changed');
    this.listenId = undefined;
    const filter: JsonObject = { ...listenFilter(identity.capabilities) };
    if (this.subscribers.size > 0) filter.resourceSubscriptions = [...this.subscribers.keys()];
    if (Object.keys(filter).length === 0) return;
    const sent = session.conn.request('subscriptions/listen', { notifications: filter, _meta: modernMeta() }, HOST_OWNER, 'host', false);
    this.listenId = sent.id;
    void sent.response.then((r) => {
      if ('error' in r) this.deps.logger.warn({ backend: this.name, error: r.error }, 'backend refused subscriptions/listen; list changes will not be seen');
    });
  }

  private onExit(session: ChildSession<Owner>, why: string): void {
    if (this.session !== session) return;
    const crashed = new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} ${why} while the call was in flight`);
    session.conn.failAll(crashed);
    this.deps.calls.forget(session);
    this.deps.asks.sessionGone(session, new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} ${why}`));
    this.listenId = undefined;
    if (this.stopping) return;
    this.lastError = why;
    const delay = this.backoff.failed();
    this.restarts++;
    this.deps.logger.warn({ backend: this.name, replica: this.replica, why, restartInMs: delay, restarts: this.restarts }, 'stdio backend exited; restarting');
    this.setState('restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.launch();
    }, delay);
  }

  private onNotification(message: JsonRpcNotification, owner: Owner | undefined): void {
    if (owner) {
      if (owner.worker) owner.worker.send({ t: 'event', b: this.wire, n: message, rel: owner.id });
      return;
    }
    if (message.method === 'notifications/message') {
      unattributed(this.deps, this.wire, message.method, 'notification');
      return;
    }
    for (const worker of this.deps.workers()) worker.send({ t: 'event', b: this.wire, n: message });
  }

  private onServerRequest(session: ChildSession<Owner>, message: JsonRpcRequest, owner: Owner | undefined): Promise<JsonObject> {
    if (message.method === 'ping') return Promise.resolve({});
    const worker = owner?.worker;
    if (!owner || !worker) return Promise.reject(unattributed(this.deps, this.wire, message.method, 'request'));
    const ask = { t: 'ask' as const, b: this.wire, m: message.method, rel: owner.id, ...(message.params === undefined ? {} : { p: message.params }) };
    return this.deps.asks.ask(worker, session, ask);
  }

  private setState(state: BackendStatusWire['state']): void {
    this.state = state;
    const s = this.status();
    for (const worker of this.deps.workers()) worker.send({ t: 'status', s });
  }
}

/** resources/subscribe or unsubscribe on one child, refused with a backend-protocol error. */
export async function subscribeOnChild(session: ChildSession<Owner>, uri: string, on: boolean, timeoutMs: number): Promise<void> {
  const response = await session.hostRequest(on ? 'resources/subscribe' : 'resources/unsubscribe', { uri }, timeoutMs);
  if ('error' in response) throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend ${session.name} refused ${on ? 'subscribe' : 'unsubscribe'} for ${uri}: ${response.error.message}`);
}

/**
 * A message from a shared child that names no call and so belongs to no one
 * client: it is refused (a request) or dropped (a log message), never guessed
 * onto a client. One worker is told, so that it counts it and logs it once.
 * `wire`: the replica's wire name.
 */
export function unattributed(deps: StdioDeps, wire: string, method: string, kind: 'request' | 'notification'): UpstreamRpcError {
  for (const worker of deps.workers()) {
    worker.send({ t: 'unattributed', b: wire, m: method, kind });
    break;
  }
  return new UpstreamRpcError(-32603, `only1mcp cannot attribute ${method} to one client: it arrived while no single client session had a call in flight on this backend`);
}
