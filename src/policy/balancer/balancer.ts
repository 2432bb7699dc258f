/**
 * Balancing: which replica of a server takes a call. One small interface,
 * five algorithms (each in its own file, with its state in its own class):
 *
 *   round-robin        in turn, by weight (smooth weighted round-robin)
 *   least-connections  the less busy of two replicas drawn at random
 *   consistent-hash    a hash ring: one key, one replica, while it stays eligible
 *   random             uniform
 *   weighted-random    in proportion to the weights
 *
 * A balancer only chooses among the replicas it is given: which ones are
 * eligible (healthy, not ejected, circuit not open) is the replica set's
 * business (src/policy/replica-set.ts). State is per worker: each worker
 * balances its own calls, which spreads the whole node's calls the same way.
 * create-balancer.ts makes one by the config's name.
 */

/** What a balancer reads of a replica. */
export interface Pickable {
  readonly id: string;
  /** Positive; a share of calls relative to the other replicas. */
  readonly weight: number;
  /** Calls this worker has in flight on the replica (least-connections reads it). */
  readonly inflight: number;
}

export interface Balancer {
  /**
   * One of `eligible`, or undefined when it is empty. `key` is read by
   * consistent-hash only (without one it picks at random, by weight).
   */
  pick<R extends Pickable>(eligible: readonly R[], key?: string): R | undefined;
}

/** A number in [0, 1), as Math.random; tests pass a seeded one. */
export type RandomSource = () => number;
