/**
 * The replicas of one server as the balancer sees them: their in-flight
 * counts, which of them may take a call now, and the pick.
 *
 * Whether a replica may take a call is asked of gates, in two tiers:
 *   required   the replica can be sent to at all: its link is ready, its
 *              circuit is not open (a call there would only be refused);
 *   preferred  the replica is believed healthy: active checks do not say
 *              unhealthy, outlier detection has not ejected it.
 * The balancer chooses among replicas passing both. If none does, it
 * chooses among those passing the required ones ("panic", as Envoy calls
 * it): health checks that wrongly fail everywhere (a bad health path, a
 * probe the network drops) must not take the whole server down, and a
 * truly dead replica then fails fast at its breaker. The cost is that
 * during a full outage calls still go out, bounded by the breakers.
 */
import type { Balancer, Pickable } from './balancer/balancer.js';

/** May the replica (by key) take a call at `now`? */
export type ReplicaGate = (key: string, now: number) => boolean;

export interface ReplicaGates {
  readonly required: readonly ReplicaGate[];
  readonly preferred: readonly ReplicaGate[];
}

/**
 * The key of a replica in shared state and metrics: breaker records, health
 * records and bus messages carry it. `server/id`: the id is "1".."N" for
 * stdio copies and the URL (without credentials) for HTTP replicas.
 */
export function replicaKey(server: string, replicaId: string): string {
  return `${server}/${replicaId}`;
}

export class ReplicaState implements Pickable {
  inflight = 0;
  readonly key: string;

  constructor(server: string, readonly id: string, readonly weight: number) {
    this.key = replicaKey(server, id);
  }
}

export interface PickOptions {
  /** Replicas this call already tried. */
  readonly exclude?: ReadonlySet<string> | undefined;
  /** A replica the caller is pinned to (a 2025 backend session lives there): taken when it may take the call. */
  readonly prefer?: string | undefined;
  readonly now?: number | undefined;
}

export class ReplicaSet {
  readonly replicas: readonly ReplicaState[];
  private readonly byId: ReadonlyMap<string, ReplicaState>;

  constructor(
    readonly server: string,
    replicas: ReadonlyArray<{ readonly id: string; readonly weight: number }>,
    private readonly balancer: Balancer,
    private readonly gates: ReplicaGates,
  ) {
    this.replicas = replicas.map((r) => new ReplicaState(server, r.id, r.weight));
    this.byId = new Map(this.replicas.map((r) => [r.id, r]));
  }

  get(id: string): ReplicaState | undefined {
    return this.byId.get(id);
  }

  /** The replica for a call, or undefined when none may take it. `key` is for consistent-hash. */
  pick(key?: string, options: PickOptions = {}): ReplicaState | undefined {
    const now = options.now ?? Date.now();
    const open = this.replicas.filter((r) => !options.exclude?.has(r.id) && passes(this.gates.required, r.key, now));
    const healthy = open.filter((r) => passes(this.gates.preferred, r.key, now));
    const pinned = options.prefer === undefined ? undefined : healthy.find((r) => r.id === options.prefer);
    if (pinned) return pinned;
    return this.balancer.pick(healthy.length > 0 ? healthy : open, key);
  }

  /** Runs one attempt on `replica`, counting it in flight meanwhile (least-connections reads the count). */
  async run<T>(replica: ReplicaState, send: () => Promise<T>): Promise<T> {
    replica.inflight++;
    try {
      return await send();
    } finally {
      replica.inflight--;
    }
  }
}

function passes(gates: readonly ReplicaGate[], key: string, now: number): boolean {
  for (const gate of gates) if (!gate(key, now)) return false;
  return true;
}
