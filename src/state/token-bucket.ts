/**
 * Token-bucket arithmetic, as one pure function so that the in-process
 * store, the rate limiter's local fallback and the Redis Lua script
 * (src/state/redis/scripts.ts TOKEN_BUCKET, which mirrors it) cannot
 * disagree.
 *
 * A bucket holds at most `capacity` tokens and refills continuously at
 * `refillPerMs`; a call takes `cost` tokens if the bucket has them, else it
 * is refused with the time until it would have them. A negative cost gives
 * tokens back (a call admitted by one bucket but refused by another).
 * A bucket nobody touched for `fullAfterMs(spec)` is full again, so its
 * state may expire then: an absent bucket and a full one are the same.
 */
import type { TokenBucketResult, TokenBucketSpec } from './store.js';

export interface BucketState {
  readonly tokens: number;
  /** When `tokens` was computed (ms since epoch). */
  readonly at: number;
}

export function takeFromBucket(state: BucketState | undefined, spec: TokenBucketSpec, cost: number, now: number): { state: BucketState; result: TokenBucketResult } {
  let tokens = spec.capacity;
  if (state !== undefined) tokens = Math.min(spec.capacity, state.tokens + Math.max(0, now - state.at) * spec.refillPerMs);
  let allowed = true;
  let retryAfterMs = 0;
  if (cost <= 0) tokens = Math.min(spec.capacity, tokens - cost);
  else if (tokens >= cost) tokens -= cost;
  else {
    allowed = false;
    retryAfterMs = Math.ceil((cost - tokens) / spec.refillPerMs);
  }
  return { state: { tokens, at: now }, result: { allowed, remaining: Math.floor(tokens), retryAfterMs } };
}

/** How long an untouched bucket takes to be full again from empty: its state can expire then. */
export function fullAfterMs(spec: TokenBucketSpec): number {
  return Math.ceil(spec.capacity / spec.refillPerMs);
}
