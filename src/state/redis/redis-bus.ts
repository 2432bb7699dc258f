/**
 * The store's bus on Redis pub/sub, on a connection of its own.
 *
 * One endpoint or Sentinel: SUBSCRIBE. Every (re)connection subscribes to
 * every channel with a handler: idempotent, and covers any subscription a
 * reconnect did not restore.
 *
 * Cluster: SSUBSCRIBE (sharded pub/sub, Redis 7): a channel lives on the
 * master of its slot, which is the slot of its scope's keys, so a script
 * can publish an event in the same step that logs it, and a publish's
 * receiver count is exact. Classic pub/sub on a cluster broadcasts every
 * message to every node and counts only the receivers on the node it
 * reached, which would make a held call's owner look gone. ioredis keeps one
 * subscriber connection per master and re-subscribes after a topology
 * change; a subscription it refused (its node away) is asked for again
 * every REDIS_SUBSCRIBE_RETRY_MS until it is taken.
 *
 * Delivery is at most once either way: a message published while a
 * subscriber reconnects is lost (docs/cluster.md).
 */
import { Cluster } from 'ioredis';
import type { RedisClient } from './connect.js';
import { REDIS_SUBSCRIBE_RETRY_MS } from './redis-defaults.js';

export class RedisBus {
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private readonly retry = new Set<string>();
  private retryTimer: NodeJS.Timeout | undefined;
  readonly sharded: boolean;

  constructor(private readonly client: RedisClient) {
    this.sharded = client instanceof Cluster;
    client.on(this.sharded ? 'smessage' : 'message', (channel: string, payload: string) => {
      for (const handler of this.handlers.get(channel) ?? []) handler(payload);
    });
    client.on('error', () => undefined);
    if (!this.sharded) {
      client.on('ready', () => {
        if (this.handlers.size > 0) void (client as Exclude<RedisClient, Cluster>).subscribe(...this.handlers.keys()).catch(() => undefined);
      });
    }
  }

  /** Subscribes `channel` (a full Redis channel name); returns the unsubscribe. */
  subscribe(channel: string, handler: (payload: string) => void): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      this.join(channel);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.handlers.get(channel) === set) {
        this.handlers.delete(channel);
        this.retry.delete(channel);
        void (this.sharded ? this.client.sunsubscribe(channel) : this.client.unsubscribe(channel)).catch(() => undefined);
      }
    };
  }

  close(): void {
    clearTimeout(this.retryTimer);
    this.client.disconnect();
  }

  private join(channel: string): void {
    if (!this.sharded) {
      void this.client.subscribe(channel).catch(() => undefined);
      return;
    }
    void this.client.ssubscribe(channel).catch(() => {
      if (!this.handlers.has(channel)) return;
      this.retry.add(channel);
      this.retryLater();
    });
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const channels = [...this.retry];
      this.retry.clear();
      for (const channel of channels) if (this.handlers.has(channel)) this.join(channel);
    }, REDIS_SUBSCRIBE_RETRY_MS);
    this.retryTimer.unref();
  }
}
