/**
 * The primary's end of the worker channels: accepts worker connections on
 * an abstract unix socket and routes their stdio-backend traffic to the
 * StdioHost of each backend replica (a server with `replicas: N` runs N
 * hosts, and N pools of per-client children sharing its maxProcesses).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { FrameChannel, FrameError } from '../ipc/frame-channel.js';
import { internalErrors } from '../observe/internal-error.js';
import { observePending } from '../observe/metrics.js';
import { StdioHost, type StdioDeps, type WorkerPort } from './stdio-host.js';
import { StdioPool } from './stdio-pool.js';
import { WorkerCalls, failResult } from './worker-calls.js';
import { ClientAsks } from './client-asks.js';
import { GatewayError } from '../mcp/errors.js';
import { stdioWireName, type PrimaryToWorker, type WorkerToPrimary } from '../ipc/stdio-protocol.js';
import type { StdioServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';

export class StdioServer {
  readonly path = `\0only1mcp-${process.pid}-${randomBytes(6).toString('hex')}`;
  private readonly server: net.Server;
  private readonly ports = new Set<WorkerPort>();
  /** One host per replica, by wire name (the replica key `<server>/<id>`). */
  private readonly hosts = new Map<string, StdioHost>();
  /** Per-client children, for servers whose isolation is not `shared`: one pool per replica, by wire name. */
  private readonly pools = new Map<string, StdioPool>();
  private readonly deps: StdioDeps;
  private readonly greeters: Array<(port: WorkerPort) => void> = [];
  private readonly faultListeners: Array<(index: number, why: string) => void> = [];

  constructor(private readonly logger: Logger) {
    this.server = net.createServer((socket) => this.accept(socket));
    this.deps = { workers: () => this.ports, calls: new WorkerCalls(), asks: new ClientAsks(), logger };
    const { calls, asks } = this.deps;
    observePending('worker-calls', () => calls.size);
    observePending('client-asks', () => asks.size);
  }

  /** The primary's table of worker calls (a health ping that timed out is cancelled through it). */
  get calls(): WorkerCalls {
    return this.deps.calls;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
  }

  /** Starts, stops or restarts children so that exactly `configs` run, each replica as a host of its own. */
  async apply(configs: readonly StdioServerConfig[]): Promise<void> {
    const wanted = new Map<string, { config: StdioServerConfig; replica: string }>();
    for (const config of configs) for (const r of config.replicas) wanted.set(stdioWireName(config.name, r.id), { config, replica: r.id });
    for (const [wire, host] of this.hosts) {
      const next = wanted.get(wire);
      if (!next || JSON.stringify(next.config) !== JSON.stringify(host.config)) {
        this.hosts.delete(wire);
        const pool = this.pools.get(wire);
        this.pools.delete(wire);
        await Promise.all([host.stop(), pool?.stop()]);
      }
    }
    for (const [wire, { config, replica }] of wanted) {
      if (this.hosts.has(wire)) continue;
      const host = new StdioHost(config, this.deps, replica);
      this.hosts.set(wire, host);
      if (config.common.isolation !== 'shared') this.pools.set(wire, new StdioPool(config, this.deps, replica, () => this.serverPoolSize(config.name)));
      host.start();
    }
  }

  /** An operator's restart of a server: each replica's shared child, and the per-client children (they start again on the next call). */
  async restart(server: string): Promise<void> {
    const work: Promise<void>[] = [];
    for (const host of this.hosts.values()) if (host.name === server) work.push(host.restart());
    for (const pool of this.pools.values()) if (pool.name === server) work.push(pool.restartAll());
    await Promise.all(work);
  }

  /** The host running a replica's shared child, if this node runs it. */
  host(server: string, replica: string): StdioHost | undefined {
    return this.hosts.get(stdioWireName(server, replica));
  }

  /** Sends a message to every connected worker. */
  broadcast(message: PrimaryToWorker): void {
    for (const port of this.ports) port.send(message);
  }

  /** Told of each worker that connects (after it has the hosts' statuses). */
  onWorker(listener: (port: WorkerPort) => void): void {
    this.greeters.push(listener);
  }

  private serverPoolSize(server: string): number {
    let size = 0;
    for (const pool of this.pools.values()) if (pool.name === server) size += pool.size;
    return size;
  }

  statuses() {
    return [...this.hosts.values()].map((h) => h.status());
  }

  /** Per-client processes running now, by server, every replica's together (for tests and the admin view). */
  poolSizes(): Record<string, number> {
    const sizes: Record<string, number> = {};
    for (const pool of this.pools.values()) sizes[pool.name] = (sizes[pool.name] ?? 0) + pool.size;
    return sizes;
  }

  async stop(): Promise<void> {
    this.server.close();
    await Promise.all([...this.hosts.values(), ...this.pools.values()].map((h) => h.stop()));
    this.hosts.clear();
    this.pools.clear();
  }

  killAll(): void {
    for (const host of this.hosts.values()) host.kill();
    for (const pool of this.pools.values()) pool.kill();
  }

  /**
   * Told when a worker's channel sent something the primary could not
   * handle: the worker is broken (or compromised) and is replaced; the
   * primary and the other workers carry on.
   */
  onFaultyWorker(listener: (index: number, why: string) => void): void {
    this.faultListeners.push(listener);
  }

  private accept(socket: net.Socket): void {
    const channel = new FrameChannel<WorkerToPrimary, PrimaryToWorker>(socket);
    let port: WorkerPort | undefined;
    let faulted = false;
    channel.on('message', (m) => {
      if (faulted) return;
      // A message the protocol does not allow means a broken (or compromised) worker: one log line,
      // and that worker is replaced. An uncaught exception would take the primary, every worker and
      // every backend down with it.
      try {
        this.receive(channel, m, port, (p) => (port = p));
      } catch (err) {
        faulted = true;
        const why = `bad message on its channel: ${err instanceof Error ? err.message : String(err)}`;
        this.logger.error({ worker: port?.index, type: describe(m) }, `worker ${port?.index ?? '(before hello)'} sent a message the primary cannot handle; replacing it (${why})`);
        socket.destroy();
        if (port) for (const listener of this.faultListeners) listener(port.index, why);
        return;
      }
      if (!port || m.t === 'hello') return;
      // A fault in handling a well-formed message is that message's: its call fails, the worker and
      // the primary carry on.
      try {
        this.route(port, m);
      } catch (err) {
        const fault = internalErrors(this.logger).report(err, `handling a worker's ${m.t} message`);
        if (m.t === 'call' || m.t === 'sub') failResult(port, m.id, fault);
      }
    });
    channel.on('close', () => {
      if (!port) return;
      this.ports.delete(port);
      this.deps.calls.workerGone(port);
      this.deps.asks.workerGone(port);
      for (const host of this.hosts.values()) host.workerGone(port);
    });
  }

  /**
   * Sends to a worker without ever throwing into the caller (a backend's
   * answer settling in a promise chain would be an unhandled rejection: the
   * primary's end). A result that cannot be framed is replaced by an error
   * result for its call; anything else is not sent (false), and a caller
   * that waits on it (ClientAsks) fails at once. One log line either way.
   */
  private sendSafely(channel: FrameChannel<WorkerToPrimary, PrimaryToWorker>, port: WorkerPort, out: PrimaryToWorker): boolean {
    try {
      return channel.send(out);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      const backend = 'b' in out ? out.b : undefined;
      this.logger.warn({ worker: port.index, type: out.t, backend, err: why }, 'a message from a backend cannot be passed on to a worker; refused');
      if (out.t !== 'result') return false;
      const error = new GatewayError(err instanceof FrameError ? 'GW_ERR_BACKEND_LIMIT' : 'GW_ERR_BACKEND_PROTOCOL', `the backend's answer cannot be passed on: ${why}`);
      return channel.send({ t: 'result', id: out.id, ge: error.toWire(), ...(out.inst === undefined ? {} : { inst: out.inst }), ...(out.reset === undefined ? {} : { reset: out.reset }) });
    }
  }

  /** Checks a message's shape (throws for one the protocol does not allow) and greets a worker's hello. */
  private receive(channel: FrameChannel<WorkerToPrimary, PrimaryToWorker>, m: WorkerToPrimary, port: WorkerPort | undefined, greet: (port: WorkerPort) => void): void {
    if (typeof m !== 'object' || m === null || typeof m.t !== 'string') throw new Error('not a message object');
    if (m.t === 'hello') {
      if (port) return;
      if (!Number.isInteger(m.worker)) throw new Error('hello without a worker index');
      const next: WorkerPort = {
        index: m.worker,
        send: (out) => this.sendSafely(channel, next, out),
        bufferedBytes: () => channel.bufferedBytes,
        drained: () => channel.drained(),
      };
      greet(next);
      this.ports.add(next);
      for (const host of this.hosts.values()) next.send({ t: 'status', s: host.status() });
      for (const g of this.greeters) g(next);
      return;
    }
  }

  private route(port: WorkerPort, m: WorkerToPrimary): void {
    switch (m.t) {
      case 'call': {
        if (m.s !== undefined) {
          const pool = this.pools.get(m.b);
          if (pool) {
            pool.call(port, m.id, { scope: m.s, capabilities: m.c ?? {}, level: m.lv, expect: m.x, fresh: m.f, env: m.e }, m.m, m.p, m.g);
            return;
          }
        }
        const host = this.hosts.get(m.b);
        if (!host) {
          failResult(port, m.id, noBackend(m.b));
          return;
        }
        host.call(port, m.id, m.m, m.p, m.g);
        return;
      }
      case 'cancel':
        this.deps.calls.cancel(port, m.id, m.reason);
        return;
      case 'notify':
        if (m.s !== undefined) this.pools.get(m.b)?.notify(m.s, m.m, m.p);
        else this.hosts.get(m.b)?.notify(m.m, m.p);
        return;
      case 'answer':
        this.deps.asks.answer(m.sid, m.r, m.e);
        return;
      case 'sub': {
        if (m.s !== undefined && this.pools.has(m.b)) {
          this.pools.get(m.b)!.subscription(port, m.id, { scope: m.s, capabilities: m.c ?? {}, level: undefined, expect: m.x, fresh: m.f }, m.uri, m.on);
          return;
        }
        const host = this.hosts.get(m.b);
        if (!host) {
          failResult(port, m.id, noBackend(m.b));
          return;
        }
        host.subscription(port, m.id, m.uri, m.on);
        return;
      }
      case 'level':
        if (m.s !== undefined) this.pools.get(m.b)?.setLevel(m.s, m.level ?? undefined);
        else this.hosts.get(m.b)?.setWorkerLevel(port, m.level ?? undefined);
        return;
      case 'release':
        this.pools.get(m.b)?.release(m.s);
        return;
      case 'hello':
        return;
    }
  }
}

/** A message's type for the log, without its (untrusted, possibly huge) content. */
function describe(m: unknown): string {
  const t = typeof m === 'object' && m !== null ? (m as { t?: unknown }).t : undefined;
  return typeof t === 'string' ? t.slice(0, 32) : typeof m;
}

function noBackend(wire: string): GatewayError {
  return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `no stdio backend ${wire} (server/replica) runs on this node`);
}
