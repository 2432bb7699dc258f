/**
 * The routing policies of one server, composed around a call's `send`:
 *
 *   retry (idempotent only, within the budget, never the same replica twice)
 *     └─ pick: gates (ready, breaker │ health, outlier) → balancer (by hash key, pinned replica first)
 *          └─ per attempt: in-flight count → timing → breaker → outlier detection → send(replica)
 *
 * ServerRouting holds the state that outlives calls (the replica set with
 * its in-flight counts and balancer, outlier detection, the retry budget);
 * build one per server per worker, and a new one when the server's config
 * changes. The shared state (breakers, health) is passed in: one
 * CircuitBreakers and one HealthView serve every server of a worker.
 */
import { createBalancer } from './balancer/create-balancer.js';
import type { RandomSource } from './balancer/balancer.js';
import { balanceKey, type KeySource } from './hash-key.js';
import { isIdempotent } from './idempotency.js';
import { OutlierDetector, withOutlierDetection } from './outlier-detector.js';
import { ReplicaSet, replicaKey, type ReplicaGate, type ReplicaState } from './replica-set.js';
import { RetryBudget } from './retry-budget.js';
import { withRetry } from './retry-policy.js';
import { withBreaker, type Send } from './breaker-policy.js';
import { withTiming } from './timing-policy.js';
import { countEjection, countRetry } from '../observe/metrics.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import type { HealthView } from './health-view.js';
import type { ServerConfig } from '../config/model.js';

export interface RoutingDeps {
  readonly breakers: CircuitBreakers;
  readonly health: HealthView;
  /** Whether the replica's link is connected and ready (a replica id of this server). */
  readonly ready: (replicaId: string) => boolean;
  readonly random?: RandomSource;
}

export class ServerRouting {
  readonly set: ReplicaSet;
  readonly outliers: OutlierDetector;
  readonly budget: RetryBudget;

  constructor(readonly server: ServerConfig, private readonly deps: RoutingDeps) {
    const { routing } = server.common;
    const replicas = server.replicas.map((r) => ({ id: r.id, weight: r.weight, inflight: 0 }));
    this.outliers = new OutlierDetector(replicas.length);
    this.budget = new RetryBudget(routing.retry.budgetPercent);
    const idOf = new Map(server.replicas.map((r) => [replicaKey(server.name, r.id), r.id]));
    const required: ReplicaGate[] = [(key) => deps.ready(idOf.get(key) as string), (key, now) => deps.breakers.admits(key, now)];
    const preferred: ReplicaGate[] = [(key) => deps.health.admits(key), (key, now) => this.outliers.admits(key, now)];
    this.set = new ReplicaSet(server.name, replicas, createBalancer(routing.balance, replicas, deps.random), { required, preferred });
  }

  /** Every replica key, for HealthView.load() when the routing is built. */
  get keys(): string[] {
    return this.set.replicas.map((r) => r.key);
  }

  /**
   * A call through the replicas. `send` makes one attempt on the replica it
   * is given (its Backend's call); `tool` is the tool definition for
   * tools/call (its annotations decide retries); `pinned` is the replica a
   * 2025 backend session lives on.
   */
  call<T>(method: string, send: (replica: ReplicaState) => Promise<T>, options: { tool?: unknown; key?: KeySource; pinned?: string } = {}): Send<T> {
    const { routing } = this.server.common;
    const name = this.server.name;
    const key = routing.balance === 'consistent-hash' ? balanceKey(routing.hashKey, options.key ?? {}) : undefined;
    return withRetry<ReplicaState, T>({
      server: name,
      pick: (tried) => this.set.pick(key, { exclude: tried, prefer: options.pinned }),
      attempt: (replica) =>
        this.set.run(
          replica,
          withTiming(
            name,
            withBreaker(
              this.deps.breakers,
              replica.key,
              withOutlierDetection(this.outliers, replica.key, () => send(replica), () => countEjection(name, replica.id)),
            ),
          ),
        ),
      idempotent: isIdempotent(method, options.tool, routing.retry.idempotentTools),
      attempts: routing.retry.attempts,
      budget: this.budget,
      onRetry: () => countRetry(name),
    });
  }
}
