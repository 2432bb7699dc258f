/**
 * The routing keys of a server entry: replicas, how calls are balanced over
 * them, how their health is checked, how failed calls are retried, and how
 * long a call that keeps reporting progress may run. Structure is in the
 * zod pieces (they feed the JSON Schema); rules between keys are in
 * checkRouting, which the server schema's refinement runs.
 *
 *   replicas: 3                                    stdio: the command runs 3 times
 *   replicas: [{ url, weight?, headers?, enabled? }]  HTTP: one entry per endpoint
 */
import * as z from 'zod';
import {
  MAX_HEALTH_THRESHOLD,
  MAX_HTTP_REPLICAS,
  MAX_REPLICA_WEIGHT,
  MAX_RETRY_ATTEMPTS,
  MAX_STDIO_REPLICAS,
  MAX_TIMEOUT_MS,
  MIN_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_HEALTHY_THRESHOLD,
  DEFAULT_UNHEALTHY_THRESHOLD,
  DEFAULT_MAX_CALL_MS,
  DEFAULT_RETRY_ATTEMPTS,
  DEFAULT_RETRY_BUDGET_PERCENT,
} from './defaults.js';
import { intInRange, urlString } from './schema-parts.js';
import type { HashKey } from './model.js';
import type { KeyPath } from './config-error.js';

export const BALANCE_ALGORITHMS = ['round-robin', 'least-connections', 'consistent-hash', 'random', 'weighted-random'] as const;
export const HEALTH_CHECK_TYPES = ['ping', 'http'] as const;

const WEIGHT_RULE = `must be a positive number up to ${MAX_REPLICA_WEIGHT} (the replica's share of calls relative to the other replicas)`;
/** An argument name as the hash key can name it: what a JSON Schema property of a tool is usually called. */
const ARGUMENT_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
export const HASH_KEY_RULE =
  'expected session, principal or argument:<name>, <name> being a tool argument: 1-64 letters, digits, "_" or "-", not starting with a digit ' +
  '(only its form is checked: the tools are unknown when the config loads)';

const weight = z
  .number({ error: (iss) => (iss.code === 'invalid_type' ? undefined : WEIGHT_RULE) })
  .positive({ error: WEIGHT_RULE })
  .max(MAX_REPLICA_WEIGHT, { error: WEIGHT_RULE });

const ReplicaObject = z.strictObject({
  url: urlString(['http:', 'https:'], 'expected an http:// or https:// URL').describe('The replica\'s endpoint.'),
  weight: weight.optional().describe('Share of calls relative to the other replicas (round-robin, least-connections, consistent-hash, weighted-random). Default 1.'),
  headers: z.record(z.string(), z.string()).optional().describe('Headers for this replica, on top of the server\'s headers.'),
  enabled: z.boolean().optional().describe('false keeps the entry but sends it nothing (to drain a replica). Default true.'),
});

export type ReplicaEntry = z.output<typeof ReplicaObject>;

const replicaCount = intInRange(1, MAX_STDIO_REPLICAS, 'copies of the command');

export const routingKeys = {
  replicas: z
    .union([replicaCount, z.array(ReplicaObject).max(MAX_HTTP_REPLICAS, { error: `at most ${MAX_HTTP_REPLICAS} replicas` })], {
      error: 'expected a number of copies (a stdio server) or a list of { url } entries (an HTTP server)',
    })
    .optional()
    .describe('Several instances seen by clients as one server: a number of copies of the command (stdio), or a list of endpoints (HTTP, instead of url).'),
  balance: z
    .enum(BALANCE_ALGORITHMS)
    .optional()
    .describe('How a call picks a replica: round-robin, least-connections (the less busy of two picked at random), consistent-hash (by hashKey), random, weighted-random. Default round-robin.'),
  hashKey: z
    .string()
    .refine((k) => parseHashKey(k) !== undefined, { error: HASH_KEY_RULE })
    .optional()
    .describe('balance consistent-hash: what keeps calls on one replica: session, principal, or argument:<name> (a tool argument). Default session.'),
  health: z
    .strictObject({
      type: z.enum(HEALTH_CHECK_TYPES).optional().describe('ping (an MCP ping; server/discover for 2026-07-28 servers, which have no ping) or http (GET path, 2xx is healthy). Default ping.'),
      path: z.string().regex(/^\//, { error: 'expected a path starting with "/"' }).optional().describe('type http: the path to GET on the replica\'s origin, e.g. /healthz.'),
      intervalMs: intInRange(MIN_HEALTH_INTERVAL_MS, MAX_TIMEOUT_MS, 'milliseconds').optional().describe(`Time between probes of one replica. Default ${DEFAULT_HEALTH_INTERVAL_MS}.`),
      timeoutMs: intInRange(1, MAX_TIMEOUT_MS, 'milliseconds').optional().describe(`A probe slower than this fails. Default ${DEFAULT_HEALTH_TIMEOUT_MS} (at most intervalMs).`),
      healthyThreshold: intInRange(1, MAX_HEALTH_THRESHOLD, 'consecutive probes').optional().describe(`Passing probes in a row that bring an unhealthy replica back. Default ${DEFAULT_HEALTHY_THRESHOLD}.`),
      unhealthyThreshold: intInRange(1, MAX_HEALTH_THRESHOLD, 'consecutive probes').optional().describe(`Failing probes in a row that take a replica out of rotation. Default ${DEFAULT_UNHEALTHY_THRESHOLD}.`),
    })
    .optional()
    .describe('Active health checks, once per node, shared through the store. Without this key replicas are judged by their calls only (outlier detection, breaker).'),
  retry: z
    .strictObject({
      attempts: intInRange(1, MAX_RETRY_ATTEMPTS, 'attempts per call').optional().describe(`Attempts per call, the first included, each on another replica; 1 turns retries off. Default ${DEFAULT_RETRY_ATTEMPTS}.`),
      budgetPercent: intInRange(0, 100, 'percent').optional().describe(`Retries may add at most this share of extra attempts (over a sliding window). Default ${DEFAULT_RETRY_BUDGET_PERCENT}.`),
      idempotentTools: z.boolean().optional().describe('true retries tools/call of tools whose annotations say readOnlyHint or idempotentHint. Default false: a tool call is never sent twice.'),
    })
    .optional()
    .describe('Retries of failed attempts (connect error, 5xx, timeout) on another replica, for idempotent requests only.'),
  maxCallMs: intInRange(1, MAX_TIMEOUT_MS, 'milliseconds')
    .optional()
    .describe(`Each progress notification from the backend restarts a call's timeout (timeoutMs), up to this total. Default ${DEFAULT_MAX_CALL_MS} (or timeoutMs, if larger).`),
};

export function parseHashKey(text: string): HashKey | undefined {
  if (text === 'session' || text === 'principal') return { from: text };
  const m = /^argument:(.*)$/s.exec(text);
  return m && ARGUMENT_NAME.test(m[1] as string) ? { from: 'argument', name: m[1] as string } : undefined;
}

/** The routing keys of an entry, as the server schema hands them over. */
export interface RoutingEntry {
  readonly command?: string | undefined;
  readonly url?: string | undefined;
  readonly replicas?: number | readonly ReplicaEntry[] | undefined;
  readonly balance?: (typeof BALANCE_ALGORITHMS)[number] | undefined;
  readonly hashKey?: string | undefined;
  readonly health?: { type?: 'ping' | 'http' | undefined; path?: string | undefined; intervalMs?: number | undefined; timeoutMs?: number | undefined } | undefined;
  readonly maxCallMs?: number | undefined;
}

export type Fail = (path: KeyPath, message: string) => void;

/**
 * Rules between routing keys. `urlKey` is the key that holds the server's
 * URL (url or serverUrl), `type` the resolved transport (undefined when it
 * cannot be told), `callTimeoutMs` the resolved call timeout.
 */
export function checkRouting(s: RoutingEntry, urlKey: string, type: string | undefined, callTimeoutMs: number | undefined, fail: Fail): void {
  const list = Array.isArray(s.replicas) ? (s.replicas as readonly ReplicaEntry[]) : undefined;
  if (list) checkReplicaList(s, list, urlKey, type, fail);
  else if (typeof s.replicas === 'number' && type !== undefined && type !== 'stdio') {
    fail(['replicas'], 'replicas: <count> runs a stdio command several times; an HTTP server lists its replicas as [{ url }, ...]');
  }
  if (s.hashKey !== undefined && s.balance !== 'consistent-hash') fail(['hashKey'], 'hashKey applies only to balance: consistent-hash');
  const health = s.health;
  if (health) {
    if (health.type === 'http' && health.path === undefined) fail(['health'], 'health type "http" needs path (the path to GET, e.g. /healthz)');
    if (health.type !== 'http' && health.path !== undefined) fail(['health', 'path'], 'path applies only to health type "http"');
    if (health.type === 'http' && type === 'stdio') fail(['health', 'type'], 'health type "http" needs an HTTP server; a stdio server is checked with ping');
    if (health.type !== 'http' && type === 'sse') fail(['health'], 'a legacy HTTP+SSE server (type "sse") is checked with type "http" and a path, not ping');
    const interval = health.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    if (health.timeoutMs !== undefined && health.timeoutMs > interval) {
      fail(['health', 'timeoutMs'], `must not exceed intervalMs (${interval}): a probe would still be running when the next one is due`);
    }
  }
  if (s.maxCallMs !== undefined && callTimeoutMs !== undefined && s.maxCallMs < callTimeoutMs) {
    fail(['maxCallMs'], `must be at least the call timeout (${callTimeoutMs} ms): progress extends a call's timeout, it never shortens it`);
  }
}

function checkReplicaList(s: RoutingEntry, list: readonly ReplicaEntry[], urlKey: string, type: string | undefined, fail: Fail): void {
  if (s.command !== undefined || type === 'stdio') {
    fail(['replicas'], 'a list of replicas is for HTTP servers; a stdio server takes replicas: <count>');
    return;
  }
  if (s.url !== undefined) fail([urlKey], `${urlKey} and replicas both name the server's endpoint; list every URL under replicas`);
  if (list.length === 0) {
    fail(['replicas'], 'lists no replica; add at least one { url }');
    return;
  }
  if (list.every((r) => r.enabled === false)) fail(['replicas'], 'every replica has enabled: false, so none is usable; enable one, or disable the server');
  const seen = new Map<string, number>();
  list.forEach((r, i) => {
    const id = replicaId(r.url);
    const first = seen.get(id);
    if (first !== undefined) fail(['replicas', i, 'url'], `the same endpoint as replicas[${first}]`);
    else seen.set(id, i);
    if (r.weight !== undefined && s.balance === 'random') fail(['replicas', i, 'weight'], 'balance "random" ignores weights; use weighted-random');
  });
}

/** A replica's identity: its URL without credentials (it keys breaker and health state and labels metrics). */
export function replicaId(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}
