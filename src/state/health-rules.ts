/**
 * Health transitions of a replica from its probe results, as one pure
 * function so that the in-process store and the Redis Lua script
 * (src/state/redis/scripts.ts HEALTH, which mirrors these rules) agree.
 *
 *   unknown ──pass──► healthy            (a replica that answers serves at once)
 *   unknown ──unhealthyThreshold fails in a row──► unhealthy
 *   healthy ──unhealthyThreshold fails in a row──► unhealthy
 *   unhealthy ──healthyThreshold passes in a row──► healthy
 */
import type { HealthPolicy, HealthSnapshot } from './store.js';

export const UNKNOWN_HEALTH: HealthSnapshot = Object.freeze({ state: 'unknown', passes: 0, failures: 0, since: 0 });

export function nextHealthState(current: HealthSnapshot, ok: boolean, policy: Pick<HealthPolicy, 'healthyThreshold' | 'unhealthyThreshold'>, now: number): HealthSnapshot {
  const passes = ok ? current.passes + 1 : 0;
  const failures = ok ? 0 : current.failures + 1;
  let state = current.state;
  if (ok && state === 'unknown') state = 'healthy';
  else if (ok && state === 'unhealthy' && passes >= policy.healthyThreshold) state = 'healthy';
  else if (!ok && state !== 'unhealthy' && failures >= policy.unhealthyThreshold) state = 'unhealthy';
  return { state, passes, failures, since: state === current.state ? current.since : now };
}
