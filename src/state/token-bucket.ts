/**
 * Token-bucket arithmetic, as one pure function so that the in-process
 * store, the rate limiter's local fallback and the Redis Lua script
 * (src/state/redis/scripts.ts TOKEN_BUCKET, which mirrors it) cannot
 * disagree.
 *
 * A bucket holds at most `capacity` tokens and refills continuously at
 * `refillPerMs`. A take asks for `want` tokens and accepts as few as `need`:
 * it gets min(want, whole tokens held) if that is at least `need`, else
 * nothing, with the time until `need` would be there. want = need = 1 is one
 * call; want > need leases a batch (src/auth/rate-limiter.ts). A negative
 * `want` gives tokens back.
 * A bucket nobody touched for `fullAfterMs(spec)` is full again, so its
 * state may expire then: an absent bucket and a full one are the same.
 */
import type { TokenBucketResult, TokenBucketSpec } from './store.js';

export interface BucketState {
  readonly tokens: number;
  /** When `tokens` was computed (ms since epoch). */
  readonly at: number;
}

export function takeFromBucket(state: BucketState | undefined, spec: TokenBucketSpec, want: number, need: number, now: number): { state: BucketState; result: TokenBucketResult } {
  let tokens = spec.capacity;
  if (state !== undefined) tokens = Math.min(spec.capacity, state.tokens + Math.max(0, now - state.at) * spec.refillPerMs);
  let taken = 0;
  let retryAfterMs = 0;
  if (want <= 0) tokens = Math.min(spec.capacity, tokens - want);
  else if (tokens >= need) {
    taken = Math.min(want, Math.floor(tokens));
    tokens -= taken;
  } else {
    retryAfterMs = Math.ceil((need - tokens) / spec.refillPerMs);
  }
  return { state: { tokens, at: now }, result: { allowed: want <= 0 || taken > 0, taken, remaining: Math.floor(tokens), retryAfterMs } };
}

/** How long an untouched bucket takes to be full again from empty: its state can expire then. */
export function fullAfterMs(spec: TokenBucketSpec): number {
  return Math.ceil(spec.capacity / spec.refillPerMs);
}
