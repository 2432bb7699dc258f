/**
 * Circuit-breaker transitions, as one pure function so that the in-process
 * store and the Redis Lua script (src/state/redis/scripts.ts, which mirrors
 * these rules) cannot disagree.
 *
 *   closed ──threshold consecutive failures──► open
 *   open ──openMs elapsed, first probe──► half-open (only that caller probes)
 *   half-open ──success──► closed        half-open ──failure──► open again
 */
import type { BreakerPolicy, BreakerSnapshot } from './store.js';

export function nextBreakerState(current: BreakerSnapshot, event: 'failure' | 'success' | 'probe', policy: BreakerPolicy, now: number): BreakerSnapshot & { granted?: boolean } {
  switch (event) {
    case 'success':
      return { state: 'closed', until: 0, failures: 0 };
    case 'failure': {
      if (current.state === 'half-open' || current.state === 'open') return { state: 'open', until: now + policy.openMs, failures: current.failures + 1 };
      const failures = current.failures + 1;
      return failures >= policy.threshold ? { state: 'open', until: now + policy.openMs, failures } : { state: 'closed', until: 0, failures };
    }
    case 'probe':
      if (current.state === 'open' && now >= current.until) return { state: 'half-open', until: now + policy.openMs, failures: current.failures, granted: true };
      if (current.state === 'half-open' && now >= current.until) {
        // The last probe never reported back (its worker died): let another through.
        return { state: 'half-open', until: now + policy.openMs, failures: current.failures, granted: true };
      }
      return { ...current, granted: current.state === 'closed' };
  }
}
