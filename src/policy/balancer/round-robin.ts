/**
 * Smooth weighted round-robin (the scheme nginx uses): each pick adds every
 * eligible replica's weight to its running score, takes the highest, and
 * takes the total back from the winner. Equal weights give a strict
 * rotation; weights 2:1 give a, b, a, a, b, a ... rather than a, a, b: the
 * heavier replica's turns are spread, not bunched. Exact, not statistical:
 * over any run of picks each replica's share is within one pick of its
 * weight's. The cost is one pass over the eligible replicas per pick.
 */
import type { Balancer, Pickable } from './balancer.js';

export class RoundRobin implements Balancer {
  /** Running score per replica id. A replica that leaves rotation keeps its score for when it returns. */
  private readonly scores = new Map<string, number>();

  pick<R extends Pickable>(eligible: readonly R[]): R | undefined {
    if (eligible.length <= 1) return eligible[0];
    let total = 0;
    let best: R | undefined;
    let bestScore = -Infinity;
    for (const r of eligible) {
      const score = (this.scores.get(r.id) ?? 0) + r.weight;
      this.scores.set(r.id, score);
      total += r.weight;
      if (score > bestScore) {
        best = r;
        bestScore = score;
      }
    }
    this.scores.set((best as R).id, bestScore - total);
    return best;
  }
}
