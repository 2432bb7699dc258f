/**
 * Whether the store's Redis can be reached, for /health, the metrics and
 * the workers' resync (sessions written back when it returns).
 *
 * Connection events alone do not say it: a cluster that loses one master
 * keeps its other connections and never closes, and a Sentinel master being
 * demoted keeps its connection open for a while. So besides the events, a
 * command that failed for want of Redis (no connection, a timeout, the
 * cluster down; not a refusal such as NOPERM, redis-store.ts) or a cluster
 * node error makes the store suspect: it counts
 * as unreachable until a probe (PING; on a cluster, CLUSTER INFO reporting
 * `cluster_state:ok` and a PING to every master that owns slots) answers, tried every
 * REDIS_HEALTH_PROBE_INTERVAL_MS. A false alarm costs one degraded report
 * and one resync, both cheap; probes run only while suspect.
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './connect.js';
import { REDIS_HEALTH_PROBE_INTERVAL_MS } from './redis-defaults.js';

export type HealthListener = (healthy: boolean, reason?: string) => void;

export class RedisHealth {
  private up = false;
  private probing: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners: HealthListener[] = [];

  constructor(private readonly client: RedisClient) {
    client.on('ready', () => this.reached());
    client.on('close', () => this.lost('connection closed'));
    client.on('error', (err: Error) => this.lost(err.message));
    if (client instanceof Cluster) {
      client.on('node error', (err: Error, node: string) => this.suspect(`cluster node ${node}: ${err.message}`));
      client.on('-node', (node: { options?: { host?: string; port?: number } }) => this.suspect(`cluster node ${node.options?.host}:${node.options?.port} lost`));
    }
  }

  /**
   * Also watch the subscriber's connections: on a cluster a command
   * connection reaches a master only once a command needs it, while the
   * sharded subscriber holds one to every master its channels live on, so
   * a worker that sent nothing to a lost master still notices (and, once it
   * is back, treats unknown sessions as "retry", see sessions.ts).
   */
  watch(subscriber: RedisClient): void {
    subscriber.on('-node', (node: { options?: { host?: string; port?: number } } | undefined) => this.suspect(`cluster node ${node?.options?.host}:${node?.options?.port} lost (subscriber)`));
    // ioredis names it 'node error' for the pool's connections, 'nodeError' for sharded subscribers.
    for (const event of ['node error', 'nodeError']) subscriber.on(event, (err: Error, node: string) => this.suspect(`cluster node ${node}: ${err.message} (subscriber)`));
    if (!(subscriber instanceof Cluster)) subscriber.on('close', () => this.suspect('subscriber connection closed'));
  }

  get healthy(): boolean {
    return this.up;
  }

  onChange(listener: HealthListener): void {
    this.listeners.push(listener);
  }

  /** Resolves true once reachable, false if still not after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.up) return Promise.resolve(true);
    return new Promise((resolve) => {
      const settle = (result: boolean) => {
        clearTimeout(timer);
        const at = this.listeners.indexOf(listener);
        if (at >= 0) this.listeners.splice(at, 1);
        resolve(result);
      };
      const listener: HealthListener = (healthy) => healthy && settle(true);
      const timer = setTimeout(() => settle(false), timeoutMs);
      this.listeners.push(listener);
    });
  }

  /** A command failed: unreachable until a probe answers. */
  suspect(reason: string): void {
    if (this.closed) return;
    this.set(false, reason);
    this.probeSoon();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.probing);
  }

  private reached(): void {
    // ioredis's ready check has just seen cluster_state:ok; a node missing after all shows as a
    // failed command or a node error, and a probe then. (A starting worker waits for this.)
    this.set(true);
  }

  private lost(reason: string): void {
    if (this.closed) return;
    this.set(false, reason);
    if (this.client instanceof Cluster) this.probeSoon();
  }

  private probeSoon(delayMs = REDIS_HEALTH_PROBE_INTERVAL_MS): void {
    if (this.probing || this.closed) return;
    this.probing = setTimeout(() => void this.probe(), delayMs);
    this.probing.unref();
  }

  private async probe(): Promise<void> {
    try {
      await probe(this.client);
      this.probing = undefined;
      this.set(true);
    } catch (err) {
      this.probing = undefined;
      this.set(false, (err as Error).message);
      this.probeSoon();
    }
  }

  private set(up: boolean, reason?: string): void {
    if (this.up === up || this.closed) return;
    this.up = up;
    for (const listener of [...this.listeners]) listener(up, reason);
  }
}

async function probe(client: RedisClient): Promise<void> {
  if (!(client instanceof Cluster)) {
    await client.ping();
    return;
  }
  const info = await client.cluster('INFO');
  if (!/cluster_state:ok/.test(String(info))) throw new Error('cluster state is not ok');
  // Every master that owns slots must answer, not only those ioredis holds a connection to: it
  // drops a lost node from its pool, and the cluster takes a while to declare the node failed.
  const slots = await client.cluster('SLOTS');
  const owners = new Set(slots.map(([, , master]) => `${master?.[0]}:${master?.[1]}`));
  const masters = () => new Map(client.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]));
  let connected = masters();
  if ([...owners].some((owner) => !connected.has(owner))) {
    // ioredis re-adds a node it dropped only when it refreshes its slot map, which otherwise
    // happens on a command's error: a store idle while degraded would never see the node return.
    await new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()));
    connected = masters();
  }
  for (const owner of owners) if (!connected.has(owner)) throw new Error(`cluster master ${owner} is not reachable`);
  await Promise.all([...owners].map((owner) => connected.get(owner)!.ping()));
}
