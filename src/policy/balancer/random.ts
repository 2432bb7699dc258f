/** Random picks: uniform, or in proportion to the replicas' weights. */
import type { Balancer, Pickable, RandomSource } from './balancer.js';

export class UniformRandom implements Balancer {
  constructor(private readonly random: RandomSource) {}

  pick<R extends Pickable>(eligible: readonly R[]): R | undefined {
    return eligible[Math.floor(this.random() * eligible.length)];
  }
}

/** One draw over the cumulative weights: O(n), and n is a handful of replicas. */
export class WeightedRandom implements Balancer {
  constructor(private readonly random: RandomSource) {}

  pick<R extends Pickable>(eligible: readonly R[]): R | undefined {
    if (eligible.length <= 1) return eligible[0];
    let total = 0;
    for (const r of eligible) total += r.weight;
    let point = this.random() * total;
    for (const r of eligible) {
      point -= r.weight;
      if (point < 0) return r;
    }
    // Rounding can leave point at a hair above zero after the last weight.
    return eligible[eligible.length - 1];
  }
}
