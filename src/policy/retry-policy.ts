/**
 * The retry policy as a function around the attempts of one call: each
 * attempt goes to a replica the call has not tried yet.
 *
 * - An attempt refused before anything reached the backend (the replica is
 *   not ready, its circuit is open) moves on to another replica, whatever
 *   the request: nothing was sent, so nothing can happen twice.
 * - An attempt that failed with a connect error, a 5xx, a timeout or a
 *   dropped connection is retried on another replica only when the request
 *   is idempotent (idempotency.ts), attempts remain, and the retry budget
 *   allows one more. A non-idempotent request that reached a backend is
 *   never sent again, whatever happened to it.
 * - Anything else (the backend's own JSON-RPC error, a protocol violation,
 *   the client cancelling) is the answer, returned at once.
 */
import { GatewayError, NOT_READY, type ErrorName } from '../mcp/errors.js';
import type { RetryBudget } from './retry-budget.js';
import type { Send } from './breaker-policy.js';

/** Backend faults worth another replica: the call may have failed for reasons local to the replica. */
const RETRYABLE: ReadonlySet<ErrorName> = new Set(['GW_ERR_BACKEND_UNAVAILABLE', 'GW_ERR_BACKEND_TIMEOUT', 'GW_ERR_BACKEND_CRASHED']);

export interface RetryOptions<R extends { readonly id: string }, T> {
  /** The server, for messages. */
  readonly server: string;
  /** A replica the call has not tried (the balancer's choice among the eligible ones), or undefined when none is left. */
  pick(tried: ReadonlySet<string>): R | undefined;
  /** One attempt on one replica: the per-replica policies (breaker, outlier detection, timing) around the backend call. */
  attempt(replica: R): Promise<T>;
  readonly idempotent: boolean;
  /** Attempts that may reach a backend, the first included. */
  readonly attempts: number;
  readonly budget: RetryBudget;
  /** Told before each retry (logs, metrics). */
  onRetry?(replica: R, err: unknown): void;
}

export function withRetry<R extends { readonly id: string }, T>(o: RetryOptions<R, T>): Send<T> {
  return async () => {
    o.budget.recordCall();
    const tried = new Set<string>();
    const refusals: string[] = [];
    let sent = 0;
    let failure: unknown;
    for (;;) {
      const replica = o.pick(tried);
      // No replica left: the last real failure is the answer, else why none could be tried.
      if (!replica) throw sent > 0 ? failure : noReplica(o.server, refusals);
      tried.add(replica.id);
      try {
        return await o.attempt(replica);
      } catch (err) {
        if (!reachedBackend(err)) {
          refusals.push(`${replica.id}: ${(err as Error).message}`);
          continue;
        }
        sent++;
        failure = err;
        if (!o.idempotent || !isRetryable(err) || sent >= o.attempts || !o.budget.tryRetry()) throw err;
        o.onRetry?.(replica, err);
      }
    }
  };
}

/** False for refusals made before any byte went to the backend (not ready, circuit open). */
export function reachedBackend(err: unknown): boolean {
  if (!(err instanceof GatewayError)) return true;
  return err.data?.notReady !== true && err.data?.retryAfterMs === undefined;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof GatewayError && RETRYABLE.has(err.errorName) && err.data?.cancelled !== true;
}

function noReplica(server: string, refusals: readonly string[]): GatewayError {
  const why = refusals.length > 0 ? `: ${refusals.join('; ')}` : ' (every replica is unhealthy, ejected or its circuit is open)';
  return new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', `No replica of ${server} can take the call${why}`, NOT_READY);
}
