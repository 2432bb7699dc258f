/**
 * The primary's end of the worker channels: accepts worker connections on
 * an abstract unix socket and routes their stdio-backend traffic to the
 * StdioHost of each backend replica (a server with `replicas: N` runs N
 * hosts, and N pools of per-client children sharing its maxProcesses).
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { FrameChannel } from '../ipc/frame-channel.js';
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

  constructor(private readonly logger: Logger) {
    this.server = net.createServer((socket) => this.accept(socket));
    this.deps = { workers: () => this.ports, calls: new WorkerCalls(), asks: new ClientAsks(), logger };
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

  private accept(socket: net.Socket): void {
    const channel = new FrameChannel<WorkerToPrimary, PrimaryToWorker>(socket);
    let port: WorkerPort | undefined;
    channel.on('message', (m) => {
      if (m.t === 'hello') {
        port = { index: m.worker, send: (out) => void channel.send(out) };
        this.ports.add(port);
        for (const host of this.hosts.values()) port.send({ t: 'status', s: host.status() });
        for (const greet of this.greeters) greet(port);
        return;
      }
      if (!port) return;
      this.route(port, m);
    });
    channel.on('close', () => {
      if (!port) return;
      this.ports.delete(port);
      this.deps.calls.workerGone(port);
      this.deps.asks.workerGone(port);
      for (const host of this.hosts.values()) host.workerGone(port);
    });
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

function noBackend(wire: string): GatewayError {
  return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `no stdio backend ${wire} (server/replica) runs on this node`);
}
