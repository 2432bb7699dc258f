/**
 * A worker's view of its replicas' health as the active probes judge it:
 * the primaries probe (once per node) and write to the store, which
 * publishes each change on HEALTH_CHANNEL; the view keeps the snapshots it
 * hears, so asking it costs no store round trip. load() reads the current
 * snapshots for replicas the view has not heard of yet (a worker that just
 * started, a server just added).
 *
 * A replica nobody has probed is 'unknown' and admitted: the gateway serves
 * from the start, and a server without health checks is judged by its
 * calls alone (outlier detection, breakers).
 */
import { HEALTH_CHANNEL, type HealthSnapshot, type StateStore } from '../state/store.js';
import { UNKNOWN_HEALTH } from '../state/health-rules.js';

export class HealthView {
  private readonly snapshots = new Map<string, HealthSnapshot>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: StateStore) {
    this.unsubscribe = store.subscribe(HEALTH_CHANNEL, (m) => {
      if (m.t === 'health') this.snapshots.set(m.replica, m.state);
    });
  }

  /** Reads these replicas' snapshots from the store; with the store unreachable, keeps what it has. */
  async load(replicas: readonly string[]): Promise<void> {
    try {
      const read = await this.store.health(replicas);
      // A change published while the read was under way is newer: keep it.
      replicas.forEach((r, i) => {
        if (!this.snapshots.has(r)) this.snapshots.set(r, read[i] as HealthSnapshot);
      });
    } catch {
      // Unknown stays unknown (admitted); the bus brings changes once the store is back.
    }
  }

  snapshot(replica: string): HealthSnapshot {
    return this.snapshots.get(replica) ?? UNKNOWN_HEALTH;
  }

  admits(replica: string): boolean {
    return this.snapshot(replica).state !== 'unhealthy';
  }

  forget(replicas: readonly string[]): void {
    for (const r of replicas) this.snapshots.delete(r);
  }

  close(): void {
    this.unsubscribe();
  }
}
