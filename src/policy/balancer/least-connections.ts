/**
 * Least connections by the power of two choices: draw two distinct eligible
 * replicas at random and take the one with fewer calls in flight per unit of
 * weight. Scanning for the global minimum would send every worker's next
 * call to the same replica at once (they all see it idle); two random
 * choices avoid that herd and still keep the busiest replica from being
 * chosen while any other is less busy, at O(1) per pick.
 */
import type { Balancer, Pickable, RandomSource } from './balancer.js';

export class LeastConnections implements Balancer {
  constructor(private readonly random: RandomSource) {}

  pick<R extends Pickable>(eligible: readonly R[]): R | undefined {
    const n = eligible.length;
    if (n <= 1) return eligible[0];
    const i = Math.floor(this.random() * n);
    // A second index drawn from the other n - 1: the two are always distinct.
    const j = (i + 1 + Math.floor(this.random() * (n - 1))) % n;
    const a = eligible[i] as R;
    const b = eligible[j] as R;
    return b.inflight / b.weight < a.inflight / a.weight ? b : a;
  }
}
