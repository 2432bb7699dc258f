/**
 * Serves one stdio backend to every worker on this node.
 *
 * The primary owns the child (one stdin, one stdout) and the handshake;
 * workers send calls over their frame channel. Each worker call gets a fresh
 * id on the child's pipe (RpcConnection), so workers and their sessions share
 * the child without seeing each other's traffic. The host restarts a crashed
 * child with backoff and fails the calls that were in flight with a clear
 * backend error; the next call after the restart works.
 */
import { GatewayError, NOT_READY } from '../mcp/errors.js';
import { type JsonObject, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse } from '../mcp/jsonrpc.js';
import { RpcConnection, UpstreamRpcError } from '../backends/rpc-connection.js';
import { handshake, modernMeta, type BackendIdentity } from '../backends/handshake.js';
import { listenFilter } from '../backends/listen-filter.js';
import { LevelForwarder, mostVerbose } from '../backends/log-level.js';
import type { LogLevel } from '../mcp/versions.js';
import { StdioChild } from './stdio-child.js';
import { Backoff } from './backoff.js';
import { StderrTail } from './stderr-tail.js';
import { STDIO_RESTART_MAX_MS, STDIO_RESTART_MIN_MS } from '../config/defaults.js';
import type { StdioServerConfig } from '../config/model.js';
import type { BackendStatusWire, PrimaryToWorker } from '../ipc/stdio-protocol.js';
import type { Logger } from '../observe/log.js';

/** A child that stayed up this long has its restart backoff reset. */
export const STDIO_HEALTHY_RESET_MS = 30_000;

export interface WorkerPort {
  readonly index: number;
  send(message: PrimaryToWorker): void;
}

/** Who is waiting for a call on the child: a worker's call, or the host itself (handshake). */
type Owner = { worker: WorkerPort; id: number } | { worker: undefined; id: number };

export class StdioHost {
  private child: StdioChild | undefined;
  private conn: RpcConnection<Owner> | undefined;
  private identity: BackendIdentity | undefined;
  private state: BackendStatusWire['state'] = 'stopped';
  private generation = 0;
  private restarts = 0;
  private lastError: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private nextAsk = 1;
  private readonly asks = new Map<number, { resolve(r: JsonObject): void; reject(e: unknown): void; worker: WorkerPort }>();
  /** (worker index, worker call id) → child request id, for cancellation. */
  private readonly calls = new Map<string, number>();
  private readonly exitHandled = new WeakSet<StdioChild>();
  /** uri → indexes of the workers that follow it. */
  private readonly subscribers = new Map<string, Set<number>>();
  private listenId: number | undefined;
  /** Worker index → the most verbose level its clients asked for. */
  private readonly workerLevels = new Map<number, LogLevel>();
  private readonly level = new LevelForwarder(
    (level) => (this.conn ? this.hostRequest(this.conn, 'logging/setLevel', { level }, this.config.common.callTimeoutMs) : Promise.resolve()),
    (err) => this.logger.warn({ backend: this.name, err: String(err) }, 'backend refused logging/setLevel'),
  );
  private readonly backoff = new Backoff(STDIO_RESTART_MIN_MS, STDIO_RESTART_MAX_MS, STDIO_HEALTHY_RESET_MS);
  /** The current child's last stderr lines; the previous child's until the current one writes any. */
  private stderrTail = new StderrTail();
  private previousTail: string[] = [];

  constructor(
    readonly config: StdioServerConfig,
    private readonly workers: () => Iterable<WorkerPort>,
    private readonly logger: Logger,
  ) {}

  get name(): string {
    return this.config.name;
  }

  status(): BackendStatusWire {
    const id = this.identity;
    const s: BackendStatusWire = {
      name: this.name,
      state: this.state,
      restarts: this.restarts,
      invalidLines: this.child?.invalidLines ?? 0,
      generation: this.generation,
    };
    if (id && this.state === 'ready') {
      s.era = id.era;
      s.protocolVersion = id.protocolVersion;
      s.capabilities = id.capabilities;
      s.serverInfo = id.serverInfo;
      if (id.instructions !== undefined) s.instructions = id.instructions;
    }
    if (this.child?.pid !== undefined) s.pid = this.child.pid;
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
    const child = this.child;
    this.conn?.failAll(new GatewayError('GW_ERR_SHUTTING_DOWN', `backend ${this.name} is stopping`));
    if (child) await child.stop();
  }

  /** SIGKILL without ceremony, for a primary that must exit now. */
  kill(): void {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.child?.kill();
  }

  /** A worker's call. The answer (or a gateway error) is sent back on its port. */
  call(worker: WorkerPort, id: number, method: string, params: JsonObject | undefined, group: string): void {
    const conn = this.conn;
    if (!conn || this.state !== 'ready') {
      const err = new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name} is ${this.state}${this.lastError ? `: ${this.lastError}` : ''}`, NOT_READY);
      worker.send({ t: 'result', id, ge: err.toWire() });
      return;
    }
    const sent = conn.request(method, params, { worker, id }, group);
    const key = `${worker.index}:${id}`;
    this.calls.set(key, sent.id);
    void sent.response.then((response) => {
      this.calls.delete(key);
      if ('error' in response) worker.send({ t: 'result', id, e: response.error });
      else worker.send({ t: 'result', id, r: response.result });
    });
  }

  cancel(worker: WorkerPort, id: number, reason: string): void {
    const key = `${worker.index}:${id}`;
    const childId = this.calls.get(key);
    if (childId === undefined) return;
    this.calls.delete(key);
    this.conn?.cancel(childId, reason);
  }

  notify(method: string, params: JsonObject | undefined): void {
    if (this.state === 'ready') this.conn?.notify(method, params);
  }

  answer(sid: number, result: JsonObject | undefined, error: { code: number; message: string; data?: unknown } | undefined): void {
    const ask = this.asks.get(sid);
    if (!ask) return;
    this.asks.delete(sid);
    if (error) ask.reject(new UpstreamRpcError(error.code, error.message, error.data));
    else ask.resolve(result ?? {});
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
      (err: unknown) => worker.send({ t: 'result', id, ge: (err instanceof GatewayError ? err : new GatewayError('GW_ERR_BACKEND_PROTOCOL', String(err))).toWire() }),
    );
  }

  private async applySubscription(uri: string, on: boolean): Promise<void> {
    const conn = this.conn;
    const identity = this.identity;
    if (!conn || !identity) return;
    if (identity.era === 'modern') {
      this.listen(conn, identity);
      return;
    }
    const response = await this.hostRequest(conn, on ? 'resources/subscribe' : 'resources/unsubscribe', { uri }, this.config.common.callTimeoutMs);
    if ('error' in response) throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend ${this.name} refused ${on ? 'subscribe' : 'unsubscribe'} for ${uri}: ${response.error.message}`);
  }

  setWorkerLevel(worker: WorkerPort, level: LogLevel | undefined): void {
    if (level === undefined) this.workerLevels.delete(worker.index);
    else this.workerLevels.set(worker.index, level);
    this.level.set(mostVerbose(this.workerLevels.values()), this.state === 'ready' ? this.identity : undefined);
  }

  /** A worker went away: its calls are cancelled on the child and its pending asks refused. */
  workerGone(worker: WorkerPort): void {
    this.workerLevels.delete(worker.index);
    for (const [uri, holders] of this.subscribers) {
      if (holders.delete(worker.index) && holders.size === 0) {
        this.subscribers.delete(uri);
        void this.applySubscription(uri, false).catch(() => undefined);
      }
    }
    for (const [key, childId] of this.calls) {
      if (key.startsWith(`${worker.index}:`)) {
        this.calls.delete(key);
        this.conn?.cancel(childId, 'worker exited');
      }
    }
    for (const [sid, ask] of this.asks) {
      if (ask.worker === worker) {
        this.asks.delete(sid);
        ask.reject(new GatewayError('GW_ERR_CLIENT_NO_ANSWER', 'the worker holding the client went away'));
      }
    }
  }

  private launch(): void {
    this.generation++;
    this.setState(this.restarts > 0 ? 'restarting' : 'starting');
    const child = new StdioChild(this.config);
    this.child = child;
    if (this.stderrTail.size > 0) this.previousTail = this.stderrTail.snapshot();
    this.stderrTail = new StderrTail();
    const conn = new RpcConnection<Owner>((m) => child.send(m), {
      onNotification: (n, owner) => this.onNotification(n, owner),
      onServerRequest: (r, owner) => this.onServerRequest(r, owner),
      onInvalid: (reason) => this.logger.warn({ backend: this.name, reason }, 'backend sent an invalid JSON-RPC message'),
    }, `o1m-${this.name}-`);
    this.conn = conn;
    child.on('message', (m) => conn.receive(m));
    child.on('invalidLine', (reason) => this.logger.debug({ backend: this.name, reason }, 'skipped a non-JSON stdout line'));
    child.on('stderr', (line) => {
      this.stderrTail.push(line);
      this.logger.info({ backend: this.name, stderr: line }, 'backend stderr');
    });
    child.on('exit', (code, signal) => this.onExit(child, `exited with ${signal ?? `code ${code}`}`));
    child.on('spawnError', (err) => this.onExit(child, `could not start: ${err.message}`));
    child.start();
    this.backoff.started();
    void this.open(child, conn);
  }

  private async open(child: StdioChild, conn: RpcConnection<Owner>): Promise<void> {
    const request = (method: string, params: JsonObject | undefined, timeoutMs: number) => this.hostRequest(conn, method, params, timeoutMs);
    try {
      const identity = await handshake(request, (m, p) => conn.notify(m, p), this.config.common.protocol, this.config.common.connectTimeoutMs);
      if (this.child !== child) return;
      this.identity = identity;
      this.lastError = undefined;
      this.logger.info({ backend: this.name, era: identity.era, protocolVersion: identity.protocolVersion, pid: child.pid, server: identity.serverInfo }, 'stdio backend ready');
      this.setState('ready');
      this.level.reset(identity);
      if (identity.era === 'modern') this.listen(conn, identity);
      // A new process holds no subscriptions: renew those workers still want.
      else for (const uri of this.subscribers.keys()) void this.applySubscription(uri, true).catch(() => undefined);
    } catch (err) {
      // A child that already exited failed the handshake because it died: its exit is the reason shown.
      if (this.child !== child || this.exitHandled.has(child)) return;
      this.lastError = err instanceof Error ? err.message : String(err);
      this.logger.error({ backend: this.name, err: this.lastError }, 'stdio backend handshake failed');
      void child.stop();
    }
  }

  /**
   * A modern child announces list changes only on a subscriptions/listen
   * request; the host keeps one open for the child's lifetime and its
   * notifications reach every worker like any unscoped event.
   */
  private listen(conn: RpcConnection<Owner>, identity: BackendIdentity): void {
    if (this.listenId !== undefined) conn.cancel(this.listenId, 'subscription set changed');
    this.listenId = undefined;
    const filter: JsonObject = { ...listenFilter(identity.capabilities) };
    if (this.subscribers.size > 0) filter.resourceSubscriptions = [...this.subscribers.keys()];
    if (Object.keys(filter).length === 0) return;
    const sent = conn.request('subscriptions/listen', { notifications: filter, _meta: modernMeta() }, { worker: undefined, id: 0 }, 'host', false);
    this.listenId = sent.id;
    void sent.response.then((r) => {
      if ('error' in r) this.logger.warn({ backend: this.name, error: r.error }, 'backend refused subscriptions/listen; list changes will not be seen');
    });
  }

  private hostRequest(conn: RpcConnection<Owner>, method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonRpcResponse> {
    const sent = conn.request(method, params, { worker: undefined, id: 0 }, 'host');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.cancel(sent.id, 'handshake timeout');
        reject(new GatewayError('GW_ERR_BACKEND_TIMEOUT', `${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      void sent.response.then((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  private onExit(child: StdioChild, why: string): void {
    // 'spawnError' and 'exit' can both fire for one child; handle it once.
    if (this.child !== child || this.exitHandled.has(child)) return;
    this.exitHandled.add(child);
    this.conn?.failAll(new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} ${why} while the call was in flight`));
    for (const [sid, ask] of this.asks) {
      this.asks.delete(sid);
      ask.reject(new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} ${why}`));
    }
    this.calls.clear();
    this.identity = undefined;
    this.listenId = undefined;
    if (this.stopping) return;
    this.lastError = why;
    const delay = this.backoff.failed();
    this.restarts++;
    this.logger.warn({ backend: this.name, why, restartInMs: delay, restarts: this.restarts }, 'stdio backend exited; restarting');
    this.setState('restarting');
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopping) this.launch();
    }, delay);
  }

  private onNotification(message: JsonRpcNotification, owner: Owner | undefined): void {
    if (owner) {
      if (owner.worker) owner.worker.send({ t: 'event', b: this.name, n: message, rel: owner.id });
      return;
    }
    for (const worker of this.workers()) worker.send({ t: 'event', b: this.name, n: message });
  }

  private onServerRequest(message: JsonRpcRequest, owner: Owner | undefined): Promise<JsonObject> {
    if (message.method === 'ping') return Promise.resolve({});
    const worker = owner?.worker;
    if (!owner || !worker) {
      return Promise.reject(new UpstreamRpcError(-32603, `only1mcp cannot attribute ${message.method} to one client: it arrived while no single client session had a call in flight on this backend`));
    }
    const sid = this.nextAsk++;
    return new Promise<JsonObject>((resolve, reject) => {
      this.asks.set(sid, { resolve, reject, worker });
      const ask: PrimaryToWorker = { t: 'ask', sid, b: this.name, m: message.method, rel: owner.id };
      if (message.params !== undefined) ask.p = message.params;
      worker.send(ask);
    });
  }

  private setState(state: BackendStatusWire['state']): void {
    this.state = state;
    const s = this.status();
    for (const worker of this.workers()) worker.send({ t: 'status', s });
  }
}

