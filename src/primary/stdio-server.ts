/**
 * The primary's end of the worker channels: accepts worker connections on
 * an abstract unix socket and routes their stdio-backend traffic to the
 * StdioHost of each backend.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { FrameChannel } from '../ipc/frame-channel.js';
import { StdioHost, type WorkerPort } from './stdio-host.js';
import { GatewayError } from '../mcp/errors.js';
import type { PrimaryToWorker, WorkerToPrimary } from '../ipc/stdio-protocol.js';
import type { StdioServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';

export class StdioServer {
  readonly path = `\0only1mcp-${process.pid}-${randomBytes(6).toString('hex')}`;
  private readonly server: net.Server;
  private readonly ports = new Set<WorkerPort>();
  private readonly hosts = new Map<string, StdioHost>();

  constructor(private readonly logger: Logger) {
    this.server = net.createServer((socket) => this.accept(socket));
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
        await host.stop();
      }
    }
    for (const config of configs) {
      if (this.hosts.has(config.name)) continue;
      const host = new StdioHost(config, () => this.ports, this.logger);
      this.hosts.set(config.name, host);
      host.start();
    }
  }

  statuses() {
    return [...this.hosts.values()].map((h) => h.status());
  }

  async stop(): Promise<void> {
    this.server.close();
    await Promise.all([...this.hosts.values()].map((h) => h.stop()));
    this.hosts.clear();
  }

  killAll(): void {
    for (const host of this.hosts.values()) host.kill();
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
      for (const host of this.hosts.values()) host.workerGone(port);
    });
  }

  private route(port: WorkerPort, m: WorkerToPrimary): void {
    switch (m.t) {
      case 'call': {
        const host = this.hosts.get(m.b);
        if (!host) {
          port.send({ t: 'result', id: m.id, ge: new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `no stdio backend named ${m.b} runs on this node`).toWire() });
          return;
        }
        host.call(port, m.id, m.m, m.p, m.g);
        return;
      }
      case 'cancel':
        for (const host of this.hosts.values()) host.cancel(port, m.id, m.reason);
        return;
      case 'notify':
        this.hosts.get(m.b)?.notify(m.m, m.p);
        return;
      case 'answer':
        this.hosts.get(m.b)?.answer(m.sid, m.r, m.e);
        return;
      case 'sub': {
        const host = this.hosts.get(m.b);
        if (!host) {
          port.send({ t: 'result', id: m.id, ge: new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `no stdio backend named ${m.b} runs on this node`).toWire() });
          return;
        }
        host.subscription(port, m.id, m.uri, m.on);
        return;
      }
      case 'level':
        this.hosts.get(m.b)?.setWorkerLevel(port, m.level ?? undefined);
        return;
      case 'hello':
        return;
    }
  }
}
