/**
 * A retry budget: retries may add at most a set share of extra attempts
 * (default 20%) over a sliding window, so that when a backend is failing,
 * retries cannot multiply the load on what is left of it (a retry storm).
 * A small floor of retries per window is allowed whatever the traffic (unless
 * the share is 0), so a quiet server still fails over; that floor is what a
 * few calls a minute can cost.
 *
 * The window is a ring of buckets (RETRY_BUDGET_BUCKETS of them), so the
 * count slides in steps of window/buckets and costs O(1) per call. State is
 * per worker and per server, never in the shared store (that would put a
 * round trip on every call): each worker holds its own retries to the share,
 * so the node and the cluster do too.
 */
import { DEFAULT_RETRY_BUDGET_PERCENT } from '../config/defaults.js';

export const RETRY_BUDGET_WINDOW_MS = 10_000;
export const RETRY_BUDGET_BUCKETS = 10;
/** Retries allowed per window whatever the traffic. */
export const RETRY_BUDGET_MIN_RETRIES = 3;

export class RetryBudget {
  private readonly calls = new Uint32Array(RETRY_BUDGET_BUCKETS);
  private readonly retries = new Uint32Array(RETRY_BUDGET_BUCKETS);
  private readonly bucketMs = RETRY_BUDGET_WINDOW_MS / RETRY_BUDGET_BUCKETS;
  /** Index of the bucket `now` falls in, counted from the epoch (not modulo). */
  private current = 0;

  constructor(
    private readonly percent = DEFAULT_RETRY_BUDGET_PERCENT,
    private readonly minRetries = RETRY_BUDGET_MIN_RETRIES,
  ) {}

  /** A call (its first attempt) was made. */
  recordCall(now = Date.now()): void {
    this.calls[this.advance(now)]!++;
  }

  /** True, and the retry counted, when one more retry stays within the budget. */
  tryRetry(now = Date.now()): boolean {
    const slot = this.advance(now);
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < RETRY_BUDGET_BUCKETS; i++) {
      calls += this.calls[i]!;
      retries += this.retries[i]!;
    }
    // 0% means no retries at all, floor included.
    const allowed = this.percent === 0 ? 0 : Math.max(this.minRetries, Math.floor((calls * this.percent) / 100));
    if (retries + 1 > allowed) return false;
    this.retries[slot]!++;
    return true;
  }

  /** Moves the window to `now`, emptying the buckets it passed; returns now's bucket. */
  private advance(now: number): number {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket > this.current) {
      const passed = Math.min(bucket - this.current, RETRY_BUDGET_BUCKETS);
      for (let i = 1; i <= passed; i++) {
        const slot = (this.current + i) % RETRY_BUDGET_BUCKETS;
        this.calls[slot] = 0;
        this.retries[slot] = 0;
      }
      this.current = bucket;
    }
    // A clock that stepped back counts into the current bucket.
    return this.current % RETRY_BUDGET_BUCKETS;
  }
}
