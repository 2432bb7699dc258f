/**
 * The `limits:` section: how deep JSON from clients and backends may nest,
 * and caps on what clients may hold and how fast they may ask, each with its
 * named default (defaults.ts) and a row in docs/security.md. Keys are grouped by area; each group's defaults are
 * filled in by normaliseLimits.
 */
import * as z from 'zod';
import { isIP } from 'node:net';
import {
  DEFAULT_MAX_CONCURRENT_REQUESTS_PER_ADDRESS,
  DEFAULT_MAX_SESSIONS_PER_ADDRESS,
  DEFAULT_MAX_SESSIONS_TOTAL,
  DEFAULT_SESSION_CREATE_BURST,
  DEFAULT_SESSION_CREATES_PER_SECOND,
  MAX_JSON_DEPTH,
  MAX_JSON_DEPTH_LIMIT,
} from './defaults.js';
import { intInRange } from './schema-parts.js';
import type { LimitsConfig } from './model.js';

/** Larger than any one node can hold: a typo, not a limit. */
const MAX_COUNT = 100_000_000;

export const LimitsSchema = z
  .strictObject({
    // Input (src/mcp/json-limits.ts).
    maxJsonDepth: intInRange(8, MAX_JSON_DEPTH_LIMIT, 'levels of nesting')
      .optional()
      .describe(`Deepest nesting of objects and arrays accepted in JSON from clients and backends. Default ${MAX_JSON_DEPTH}.`),
    // Connections, sessions and rates (src/worker/limits/).
    sessionsPerAddress: intInRange(1, MAX_COUNT, 'sessions')
      .optional()
      .describe(`2025-era sessions one client address may hold on one node; more get 429. Default ${DEFAULT_MAX_SESSIONS_PER_ADDRESS}.`),
    sessionsTotal: intInRange(1, MAX_COUNT, 'sessions')
      .optional()
      .describe(`2025-era sessions one node holds in all; more get 503. Default ${DEFAULT_MAX_SESSIONS_TOTAL}.`),
    sessionCreatesPerSecond: intInRange(1, MAX_COUNT, 'sessions per second')
      .optional()
      .describe(`Sessions one client address may open per second across the cluster; faster gets 429. Default ${DEFAULT_SESSION_CREATES_PER_SECOND}.`),
    sessionCreateBurst: intInRange(1, MAX_COUNT, 'sessions')
      .optional()
      .describe(`Sessions one client address may open at once after a quiet spell. Default ${DEFAULT_SESSION_CREATE_BURST}.`),
    concurrentRequestsPerAddress: intInRange(1, MAX_COUNT, 'requests')
      .optional()
      .describe(`Requests and streams one client address may have open at once on one node; more get 429. Default ${DEFAULT_MAX_CONCURRENT_REQUESTS_PER_ADDRESS}.`),
  })
  .describe('Limits on what clients and backends send, and caps on what one client address, and all clients together, may hold and how fast they may ask (docs/security.md).');

export type LimitsFile = z.output<typeof LimitsSchema>;

export function normaliseLimits(l: LimitsFile | undefined): LimitsConfig {
  return {
    maxJsonDepth: l?.maxJsonDepth ?? MAX_JSON_DEPTH,
    sessionsPerAddress: l?.sessionsPerAddress ?? DEFAULT_MAX_SESSIONS_PER_ADDRESS,
    sessionsTotal: l?.sessionsTotal ?? DEFAULT_MAX_SESSIONS_TOTAL,
    sessionCreatesPerSecond: l?.sessionCreatesPerSecond ?? DEFAULT_SESSION_CREATES_PER_SECOND,
    sessionCreateBurst: l?.sessionCreateBurst ?? DEFAULT_SESSION_CREATE_BURST,
    concurrentRequestsPerAddress: l?.concurrentRequestsPerAddress ?? DEFAULT_MAX_CONCURRENT_REQUESTS_PER_ADDRESS,
  };
}

/** An IP address, or a CIDR block of them (`10.0.0.0/8`, `fd00::/8`). */
function isAddressOrBlock(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash === -1) return isIP(value) !== 0;
  const family = isIP(value.slice(0, slash));
  const bits = value.slice(slash + 1);
  return family !== 0 && /^[0-9]{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export const TrustProxySchema = z
  .union([z.boolean(), z.array(z.string().refine(isAddressOrBlock, { error: 'expected an IP address or a CIDR block such as 10.0.0.0/8' }))])
  .describe(
    'Behind a load balancer the peer is the balancer: take the client address (for limits:) from X-Forwarded-For instead. true trusts the peer and takes the right-most X-Forwarded-For entry; a list of addresses and CIDR blocks names the trusted proxies, and the client is the right-most entry not among them (a peer not in the list is the client itself). Default false: the peer is the client.',
  );
