/**
 * Who in this worker follows which resource. Clients subscribe and
 * unsubscribe independently; the backend is asked only when the first
 * subscriber arrives or the last one leaves, so one client's unsubscribe can
 * never cancel another's subscription on a shared backend connection.
 */
import { GatewayError, NOT_READY } from '../mcp/errors.js';
import type { Upstreams } from './upstreams.js';
import type { BackendLink } from '../backends/link.js';

export class ResourceSubscriptions {
  /** `backend \0 uri` → subscriber keys (session ids, listen-stream keys). */
  private readonly holders = new Map<string, Set<string>>();

  constructor(private readonly upstreams: Upstreams) {}

  async subscribe(subscriber: string, backend: string, uri: string): Promise<void> {
    const key = `${backend}\0${uri}`;
    const set = this.holders.get(key) ?? new Set<string>();
    if (set.has(subscriber)) return;
    const first = set.size === 0;
    set.add(subscriber);
    this.holders.set(key, set);
    if (!first) return;
    try {
      await this.onEveryReplica(backend, (link) => link.subscribe(uri));
    } catch (err) {
      set.delete(subscriber);
      if (set.size === 0) this.holders.delete(key);
      throw err;
    }
  }

  async unsubscribe(subscriber: string, backend: string, uri: string): Promise<void> {
    const key = `${backend}\0${uri}`;
    const set = this.holders.get(key);
    if (!set || !set.delete(subscriber)) return;
    if (set.size > 0) return;
    this.holders.delete(key);
    const b = this.upstreams.get(backend);
    if (b) await Promise.allSettled(b.replicas.map((r) => r.link.unsubscribe(uri)));
  }

  /** A session ended or a listen stream closed: release everything it held. */
  async drop(subscriber: string): Promise<void> {
    const releases: Promise<void>[] = [];
    for (const key of [...this.holders.keys()]) {
      const [backend, uri] = key.split('\0') as [string, string];
      if (this.holders.get(key)?.has(subscriber)) releases.push(this.unsubscribe(subscriber, backend, uri).catch(() => undefined));
    }
    await Promise.all(releases);
  }

  /**
   * A subscription on the server's shared sessions: on every replica, so
   * that an update is heard whichever replica sees the change and one
   * replica going down loses nothing (each link renews its subscriptions
   * when it reconnects). The cost: an update several replicas see reaches
   * the client once per replica. It fails only when no replica took it.
   */
  private async onEveryReplica(backend: string, act: (link: BackendLink) => Promise<void>): Promise<void> {
    const b = this.upstreams.get(backend);
    if (!b || !b.ready) throw new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `Backend ${backend} is not connected`, NOT_READY);
    if (b.replicas.length === 1) return act(b.link);
    const outcomes = await Promise.allSettled(b.replicas.map((r) => act(r.link)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed && outcomes.every((o) => o.status === 'rejected')) throw failed.reason;
  }
}
