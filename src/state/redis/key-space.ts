/**
 * Every Redis key and channel name of the gateway, in one place.
 *
 *   key:     <prefix>{<scope>}:<part>
 *   channel: <prefix>{<scope>}
 *
 * The braces make <scope> the Redis Cluster hash tag: the keys and the
 * channel of one scope hash to one slot, so one Lua script or MULTI may
 * touch them together and publish on the scope's channel (a script's
 * SPUBLISH must stay in the script's slot). On one endpoint or Sentinel the
 * braces are just characters. Scopes in use:
 *
 *   s:<sessionId>  a session: `rec` (record hash), `log` (event stream), its channel
 *   w:<workerId>   a worker's channel (held-call relays)
 *   br             every circuit breaker, `<backend>` or a replica key (`br:<backend>`
 *                  would split the hash from the one breaker channel its script
 *                  publishes on; breaker writes happen on faults only, so one slot
 *                  carries them easily), and the breaker channel
 *   hc             every replica's health record, `<replica>`, and the health
 *                  channel (same reason; written by probes, a few per second)
 *   rl:<key>       a rate-limit token bucket: `bucket`
 *   list           the list-cache channel
 *   adm            the operators' actions channel (restart, disable, enable, reload)
 *   c:<key>        a caller-named value: `val` (cached), `lock`, `once` (claim)
 *   g              singletons of the whole gateway: `statekey`
 *
 * A new store method picks the scope of what it groups (as the token
 * bucket does: scope `rl:<key>`, part `bucket`), and keys that one script
 * touches together, or a script and the channel it publishes on, must share
 * a scope.
 */

import { ADMIN_CHANNEL, BREAKER_CHANNEL, HEALTH_CHANNEL, LIST_CHANNEL, sessionChannel, workerChannel } from '../store.js';

/** Scopes; those with a channel are the store's logical channel names, so both always agree. */
export const SCOPE = {
  session: sessionChannel,
  worker: workerChannel,
  breakers: BREAKER_CHANNEL,
  health: HEALTH_CHANNEL,
  lists: LIST_CHANNEL,
  admin: ADMIN_CHANNEL,
  rateLimit: (key: string) => `rl:${key}`,
  caller: (key: string) => `c:${key}`,
  gateway: 'g',
} as const;

export class KeySpace {
  constructor(readonly prefix: string) {
    // A brace in the prefix would move the hash tag, and keys of one scope could land in different slots.
    if (/[{}]/.test(prefix)) throw new Error(`a Redis key prefix may not contain "{" or "}", got "${prefix}"`);
  }

  key(scope: string, part: string): string {
    return `${this.prefix}{${scope}}:${part}`;
  }

  /** A bus channel; `scope` is the logical name callers use (sessionChannel(), BREAKER_CHANNEL... in store.ts). */
  channel(scope: string): string {
    return `${this.prefix}{${scope}}`;
  }
}
