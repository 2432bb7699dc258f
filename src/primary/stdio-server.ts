/**
 * The primary's end of the worker channels: accepts worker connections on
 * an abstract unix socket and routes their stdio-backend traffic to the
 * StdioHost of each backend.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { FrameChannel } from '../ipc/frame-channel.js';
import { StdioHost, type StdioDeps, type WorkerPort } from './stdio-host.js';
import { StdioPool } from './stdio-pool.js';
import { WorkerCalls, failResult } from './worker-calls.js';
import { ClientAsks } from './client-asks.js';
import { GatewayError } from '../mcp/errors.js';
import type { PrimaryToWorker, WorkerToPrimary } from '../ipc/stdio-protocol.js';
import type { StdioServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';

export class StdioServer {
  readonly path = `\0only1mcp-${process.pid}-${randomBytes(6).toString('hex')}`;
  private readonly server: net.Server;
  private readonly ports = new Set<WorkerPort>();
  private readonly hosts = new Map<string, StdioHost>();
  /** Per-client children, for servers whose isolation is not `shared`. */
  private readonly pools = new Map<string, StdioPool>();
  private readonly deps: StdioDeps;

  constructor(private readonly logger: Logger) {
    this.server = net.createServer((socket) => this.accept(socket));
    this.deps = { workers: () => this.ports, calls: new WorkerCalls(), asks: new ClientAsks(), logger };
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => resolve());
    });
  }

  /** Starts, stops or restarts children so that exactly `configs` run. */
  async apply(configs: readonly StdioServerConfig[]): Promise<void> {
    const wanted = new Map(configs.map((c) => [c.name, c]));
    for (const [name, host] of this.hosts) {
      const next = wanted.get(name);
      if (!next || JSON.stringify(next) !== JSON.stringify(host.config)) {
        this.hosts.delete(name);
        const pool = this.pools.get(name);
        this.pools.delete(name);
        await Promise.all([host.stop(), pool?.stop()]);
      }
    }
    for (const config of configs) {
      if (this.hosts.has(config.name)) continue;
      const host = new StdioHost(config, this.deps);
      this.hosts.set(config.name, host);
      if (config.common.isolation !== 'shared') this.pools.set(config.name, new StdioPool(config, this.deps));
      host.start();
    }
  }

  statuses() {
    return [...this.hosts.values()].map((h) => h.status());
  }

  /** Per-client processes running now, by server (for tests and the admin view). */
  poolSizes(): Record<string, number> {
    return Object.fromEntries([...this.pools].map(([name, pool]) => [name, pool.size]));
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
            pool.call(port, m.id, { scope: m.s, capabilities: m.c ?? {}, level: m.lv, expect: m.x }, m.m, m.p, m.g);
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
          this.pools.get(m.b)!.subscription(port, m.id, { scope: m.s, capabilities: m.c ?? {}, level: undefined, expect: m.x }, m.uri, m.on);
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

function noBackend(name: string): GatewayError {
  return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `no stdio backend named ${name} runs on this node`);
}
