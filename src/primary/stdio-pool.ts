/**
 * Per-client children of one stdio server on this node (isolation `session`
 * or `principal`): one process, and so one backend session, per upstream
 * scope, started on first use, stopped when its client session ends or after
 * it sat idle, and never more than the server's `maxProcesses`.
 *
 * Everything such a child sends belongs to its scope's client: out-of-call
 * messages (a roots/list right after initialize, simulated log lines, its own
 * list_changed) go to a worker with the scope named, and that worker delivers
 * them to the client session. A child that exits is not restarted: the next
 * call starts a new one, and the result says the client's backend state was
 * reset.
 */
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject, JsonRpcNotification, JsonRpcRequest } from '../mcp/jsonrpc.js';
import type { LogLevel } from '../mcp/versions.js';
import { ChildSession } from './child-session.js';
import { HOST_OWNER, failResult, type Owner, type ResultExtra, type WorkerPort } from './worker-calls.js';
import { subscribeOnChild, type StdioDeps } from './stdio-host.js';
import type { StdioServerConfig } from '../config/model.js';
import { redactScope } from '../gateway/upstream-scope.js';
import { stdioWireName } from '../ipc/stdio-protocol.js';

/** How often idle children are looked for; at most this much past their idle timeout they go. */
export const POOL_REAP_INTERVAL_MS = 15_000;

interface ScopedChild {
  readonly session: ChildSession<Owner>;
  /** Names this process: a client whose last call went to another instance lost its backend state. */
  readonly inst: string;
  readonly opened: Promise<void>;
  lastUsed: number;
  /** The worker that last called it: out-of-call messages go there first. */
  lastWorker: WorkerPort | undefined;
  level: LogLevel | undefined;
}

/** A scoped call as the worker sent it. */
export interface ScopedCall {
  scope: string;
  capabilities: JsonObject;
  level: LogLevel | undefined;
  /** The instance this client's last call went to, if any. */
  expect: string | undefined;
  /** The principal's own environment (auth.upstream) for a child started now. */
  env?: Readonly<Record<string, string>> | undefined;
  /** That instance ran on another replica: a child this pool holds for the scope is older than the client's state. */
  fresh?: boolean | undefined;
}

export class StdioPool {
  private readonly children = new Map<string, ScopedChild>();
  private readonly reaper: NodeJS.Timeout;
  private stopping = false;
  private capLogged = false;

  /** The replica's name on the worker channels (its replica key). */
  readonly wire: string;

  constructor(
    readonly config: StdioServerConfig,
    private readonly deps: StdioDeps,
    readonly replica = '1',
    /** Per-client children of the whole server on this node (every replica's pool): what maxProcesses caps. */
    private readonly serverSize: () => number = () => this.size,
    private readonly now: () => number = Date.now,
  ) {
    this.wire = stdioWireName(config.name, replica);
    this.reaper = setInterval(() => this.reap(), Math.min(POOL_REAP_INTERVAL_MS, this.config.common.idleTimeoutMs));
    this.reaper.unref();
  }

  get name(): string {
    return this.config.name;
  }

  /** Child processes running now. */
  get size(): number {
    return this.children.size;
  }

  call(worker: WorkerPort, id: number, call: ScopedCall, method: string, params: JsonObject | undefined, group: string): void {
    const got = this.acquire(worker, call);
    if (got instanceof GatewayError) {
      failResult(worker, id, got);
      return;
    }
    const { child, extra } = got;
    void child.opened.then(
      () => {
        if (!child.session.alive) {
          failResult(worker, id, new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} exited`), extra);
          return;
        }
        this.applyLevel(child, call.level);
        this.deps.calls.run(child.session, worker, id, method, params, group, extra);
      },
      (err: unknown) => failResult(worker, id, startError(this.name, err), extra),
    );
  }

  /** The scope's child, started now if it has none (within the cap), and what a result must say about it. */
  private acquire(worker: WorkerPort, call: ScopedCall): { child: ScopedChild; extra: ResultExtra } | GatewayError {
    if (this.stopping) return new GatewayError('GW_ERR_SHUTTING_DOWN', `backend ${this.name} is stopping`);
    let child = this.children.get(call.scope);
    if (child && call.fresh && call.expect !== child.inst) {
      // The client moved here from another replica and back: this child holds what it had before, not its latest state.
      this.release(call.scope, 'its client\'s session moved to another replica meanwhile');
      child = undefined;
    }
    if (!child) {
      if (this.serverSize() >= this.config.common.maxProcesses) return this.capError();
      child = this.spawn(call.scope, call.capabilities, call.env);
    }
    const extra: ResultExtra = { inst: child.inst };
    // The client's state lived in another process (idle-reaped, crashed, or on a node that is gone).
    if (call.expect !== undefined && call.expect !== child.inst) extra.reset = true;
    child.lastUsed = this.now();
    child.lastWorker = worker;
    return { child, extra };
  }

  notify(scope: string, method: string, params: JsonObject | undefined): void {
    const child = this.children.get(scope);
    if (child) void child.opened.then(() => child.session.conn.notify(method, params), () => undefined);
  }

  /** A scope's client follows (or stops following) a resource on its own child (started for it if need be). */
  subscription(worker: WorkerPort, id: number, call: ScopedCall, uri: string, on: boolean): void {
    const got = this.acquire(worker, call);
    if (got instanceof GatewayError) {
      failResult(worker, id, got);
      return;
    }
    const { child, extra } = got;
    void child.opened
      .then(() => subscribeOnChild(child.session, uri, on, this.config.common.callTimeoutMs))
      .then(
        () => worker.send({ t: 'result', id, r: {}, ...extra }),
        (err: unknown) => failResult(worker, id, err instanceof GatewayError ? err : startError(this.name, err), extra),
      );
  }

  setLevel(scope: string, level: LogLevel | undefined): void {
    const child = this.children.get(scope);
    if (child) void child.opened.then(() => this.applyLevel(child, level), () => undefined);
  }

  /** The scope's client session ended (or, `why`, its state lives elsewhere now). */
  release(scope: string, why = 'its client session ended'): void {
    const child = this.children.get(scope);
    if (!child) return;
    this.children.delete(scope);
    this.deps.logger.info({ backend: this.name, replica: this.replica, scope: redactScope(scope), pid: child.session.pid }, `stopping a per-client backend process: ${why}`);
    void child.session.stop(new GatewayError('GW_ERR_SESSION_NOT_FOUND', 'the client session ended'));
  }

  /** An operator's restart: every per-client child stops; a client's next call starts a new one. */
  async restartAll(): Promise<void> {
    const all = [...this.children.values()];
    this.children.clear();
    await Promise.all(all.map((c) => c.session.stop(new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} was restarted by an operator`))));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.reaper);
    const all = [...this.children.values()];
    this.children.clear();
    await Promise.all(all.map((c) => c.session.stop(new GatewayError('GW_ERR_SHUTTING_DOWN', `backend ${this.name} is stopping`))));
  }

  kill(): void {
    this.stopping = true;
    clearInterval(this.reaper);
    for (const child of this.children.values()) child.session.kill();
  }

  private spawn(scope: string, capabilities: JsonObject, env: Readonly<Record<string, string>> | undefined): ScopedChild {
    const inst = randomBytes(6).toString('base64url');
    const config = env === undefined ? this.config : { ...this.config, env: { ...this.config.env, ...env } };
    const session: ChildSession<Owner> = new ChildSession<Owner>(config, {
      onNotification: (n, owner) => this.onNotification(scope, child, n, owner),
      onServerRequest: (r, owner) => this.onServerRequest(scope, child, r, owner),
      onExit: (why) => this.onExit(scope, child, why),
    }, this.deps.logger, HOST_OWNER, `o1m-${this.name}-${this.replica}-${inst}-`);
    // Only 2025-era servers are pooled (a 2026-07-28 server keeps no session to isolate), so no discover probe.
    const opened = session.open('legacy', capabilities, this.config.common.connectTimeoutMs).then(() => {
      this.deps.logger.info({ backend: this.name, scope: redactScope(scope), pid: session.pid, processes: this.children.size }, 'started a per-client backend process');
    });
    opened.catch((err: unknown) => {
      this.deps.logger.warn({ backend: this.name, scope: redactScope(scope), err: err instanceof Error ? err.message : String(err) }, 'a per-client backend process did not start');
      void session.child.stop();
    });
    const child: ScopedChild = { session, inst, opened, lastUsed: this.now(), lastWorker: undefined, level: undefined };
    this.children.set(scope, child);
    return child;
  }

  private applyLevel(child: ScopedChild, level: LogLevel | undefined): void {
    if (level === undefined || level === child.level || !child.session.identity?.capabilities.logging) return;
    child.level = level;
    void child.session.hostRequest('logging/setLevel', { level }, this.config.common.callTimeoutMs).catch((err: unknown) => {
      child.level = undefined;
      this.deps.logger.warn({ backend: this.name, err: String(err) }, 'backend refused logging/setLevel');
    });
  }

  /** The worker for a scope's out-of-call messages: the one that last called it, while it is connected. */
  private workerFor(child: ScopedChild): WorkerPort | undefined {
    let first: WorkerPort | undefined;
    for (const worker of this.deps.workers()) {
      if (worker === child.lastWorker) return worker;
      first ??= worker;
    }
    return first;
  }

  private onNotification(scope: string, child: ScopedChild, message: JsonRpcNotification, owner: Owner | undefined): void {
    if (owner?.worker) {
      owner.worker.send({ t: 'event', b: this.wire, n: message, rel: owner.id });
      return;
    }
    if (owner) return;
    this.workerFor(child)?.send({ t: 'event', b: this.wire, n: message, s: scope });
  }

  private onServerRequest(scope: string, child: ScopedChild, message: JsonRpcRequest, owner: Owner | undefined): Promise<JsonObject> {
    if (message.method === 'ping') return Promise.resolve({});
    child.lastUsed = this.now();
    const params = message.params === undefined ? {} : { p: message.params };
    if (owner?.worker) return this.deps.asks.ask(owner.worker, child.session, { t: 'ask', b: this.wire, m: message.method, rel: owner.id, ...params });
    const worker = this.workerFor(child);
    if (!worker) return Promise.reject(new GatewayError('GW_ERR_CLIENT_NO_ANSWER', 'no worker is connected to reach the client'));
    return this.deps.asks.ask(worker, child.session, { t: 'ask', b: this.wire, m: message.method, s: scope, ...params });
  }

  private onExit(scope: string, child: ScopedChild, why: string): void {
    const session = child.session;
    session.conn.failAll(new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} ${why} while the call was in flight`));
    this.deps.calls.forget(session);
    this.deps.asks.sessionGone(session, new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} ${why}`));
    if (this.children.get(scope) === child) {
      this.children.delete(scope);
      if (!this.stopping) this.deps.logger.warn({ backend: this.name, scope: redactScope(scope), why }, 'a per-client backend process exited; the next call starts a new one');
    }
  }

  private reap(): void {
    const cutoff = this.now() - this.config.common.idleTimeoutMs;
    for (const [scope, child] of this.children) {
      if (child.lastUsed > cutoff || child.session.conn.inFlightCount > 0) continue;
      this.children.delete(scope);
      this.deps.logger.info({ backend: this.name, scope: redactScope(scope), pid: child.session.pid }, 'stopping an idle per-client backend process');
      void child.session.stop(new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${this.name}: the idle process was stopped`));
    }
  }

  private capError(): GatewayError {
    const max = this.config.common.maxProcesses;
    if (!this.capLogged) {
      this.capLogged = true;
      this.deps.logger.warn({ backend: this.name, maxProcesses: max }, 'per-client process cap reached; new client sessions of this server are refused until one ends (logged once)');
    }
    return new GatewayError(
      'GW_ERR_PROCESS_CAP',
      `backend ${this.name} already runs ${max} per-client processes on this node, its cap (servers.${this.name}.maxProcesses); retry when another client session ends`,
      { maxProcesses: max, backend: this.name },
    );
  }
}

function startError(name: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `backend ${name} could not start a process for this client: ${err instanceof Error ? err.message : String(err)}`);
}
