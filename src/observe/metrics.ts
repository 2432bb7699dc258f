/**
 * Prometheus metrics (prom-client). Each worker records into its own
 * registry; GET /metrics on any worker asks the primary, which merges every
 * worker's registry (prom-client's cluster aggregation), so one scrape sees
 * the whole node whichever worker answers it.
 */
import cluster from 'node:cluster';
import client from 'prom-client';

export const registry = client.register;

export const requests = new client.Counter({
  name: 'only1mcp_requests_total',
  help: 'JSON-RPC requests handled, by method and protocol era.',
  labelNames: ['method', 'era'] as const,
});

export const requestErrors = new client.Counter({
  name: 'only1mcp_request_errors_total',
  help: 'JSON-RPC error responses, by code.',
  labelNames: ['code'] as const,
});

export const backendCalls = new client.Histogram({
  name: 'only1mcp_backend_call_seconds',
  help: 'Duration of calls to backends, by backend and outcome (ok, error, fault).',
  labelNames: ['backend', 'outcome'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
});

/**
 * Counting a request and timing a backend call happen on every tools/call.
 * Through a labelled child, prom-client skips validating the label object
 * and looking the child up; it still hashes the labels on each inc or
 * observe (about 0.5 µs: server-metrics.ts counts principals in a plain map
 * for that reason). Children are cached per label values, which come from
 * bounded sets (known methods, configured backends, three outcomes).
 */
const requestChildren = new Map<string, client.Counter.Internal>();
const callChildren = new Map<string, client.Histogram.Internal<'backend' | 'outcome'>>();

export function countRequest(method: string, era: 'legacy' | 'modern'): void {
  const key = `${method}\0${era}`;
  let child = requestChildren.get(key);
  if (!child) {
    child = requests.labels(method, era);
    requestChildren.set(key, child);
  }
  child.inc();
}

export type CallOutcome = 'ok' | 'error' | 'fault';

export function observeBackendCall(backend: string, outcome: CallOutcome, seconds: number): void {
  const key = `${backend}\0${outcome}`;
  let child = callChildren.get(key);
  if (!child) {
    child = backendCalls.labels(backend, outcome);
    callChildren.set(key, child);
  }
  child.observe(seconds);
}

export const unattributedMessages = new client.Counter({
  name: 'only1mcp_unattributed_messages_total',
  help: 'Messages a shared backend session sent outside any call that belong to no one client: requests refused, notifications dropped (by backend, kind).',
  labelNames: ['backend', 'kind'] as const,
});

export const droppedNotifications = new client.Counter({
  name: 'only1mcp_dropped_notifications_total',
  help: 'Notifications dropped because the client stream they were for was full (docs/security.md, Buffers and back-pressure), by backend ((unscoped) on a session\'s own stream) and reason.',
  labelNames: ['backend', 'reason'] as const,
});

/** The backend label of a drop on a session's own stream, whose notification may come from any backend. */
export const UNSCOPED_BACKEND = '(unscoped)';

/** A notification a full client stream could not take; `method` says which kind. */
export function countDroppedNotification(backend: string, method: string): void {
  const reason = method === 'notifications/progress' ? 'progress-stream-full' : method === 'notifications/message' ? 'log-stream-full' : 'stream-full';
  droppedNotifications.labels(backend, reason).inc();
}

export const offloadedTasks = new client.Counter({ name: 'only1mcp_offloaded_tasks_total', help: 'JSON parse/hash tasks run in the piscina pool (bodies above the offload threshold).' });

/** Read at scrape time rather than set on every change, so no path that changes them can forget to. */
const sources = { sessions: () => 0, degraded: () => false, inflight: () => 0 };

export function observeSessions(count: () => number): void {
  sources.sessions = count;
}

/** Requests being served: read at scrape rather than set twice per request on the hot path. */
export function observeInflight(count: () => number): void {
  sources.inflight = count;
}

export function observeDegraded(isDegraded: () => boolean): void {
  sources.degraded = isDegraded;
}

export const sessionsGauge = new client.Gauge({
  name: 'only1mcp_sessions',
  help: '2025-era sessions held by the workers (a session served by two workers counts on both).',
  collect() {
    this.set(sources.sessions());
  },
});
export const inflightGauge = new client.Gauge({
  name: 'only1mcp_inflight_requests',
  help: 'Requests being served.',
  collect() {
    this.set(sources.inflight());
  },
});
// The primary merges its workers' registries; a node-level 0/1 must not become a count of workers.
export const storeUp = new client.Gauge({ name: 'only1mcp_state_store_up', help: '1 when every worker reaches its state store (Redis, or in-process), 0 when any serves from local state.', aggregator: 'min' });
export const degraded = new client.Gauge({
  name: 'only1mcp_degraded',
  help: '1 while any worker is degraded (a backend down or the state store unreachable).',
  aggregator: 'max',
  collect() {
    this.set(sources.degraded() ? 1 : 0);
  },
});

/** Routing, recorded by the workers (each judges the calls it makes). */
export const retries = new client.Counter({
  name: 'only1mcp_retries_total',
  help: 'Attempts retried on another replica, by server.',
  labelNames: ['server'] as const,
});
export const replicaEjections = new client.Counter({
  name: 'only1mcp_replica_ejections_total',
  help: 'Replicas taken out of rotation by outlier detection (consecutive backend faults), by server and replica.',
  labelNames: ['server', 'replica'] as const,
});

// A node-level 0/1 per replica and list: any worker that saw a difference says so.
export const replicaListMismatch = new client.Gauge({
  name: 'only1mcp_replica_list_mismatch',
  help: '1 while a replica lists something other than what the server\'s other replicas agree on (docs/routing.md), by server, replica and list.',
  labelNames: ['server', 'replica', 'kind'] as const,
  aggregator: 'max',
});

export function countRetry(server: string): void {
  retries.labels(server).inc();
}

export function countEjection(server: string, replica: string): void {
  replicaEjections.labels(server, replica).inc();
}

// Per-server and per-replica gauges, and requests by principal (read at scrape time).
export * from './server-metrics.js';

/**
 * Metrics the primary records itself: health probes run there, once per
 * node. A registry of their own, served after the workers' merged ones, so
 * the primary's process metrics never mix with the workers'.
 */
export const primaryRegistry = new client.Registry();

export const replicaUp = new client.Gauge({
  name: 'only1mcp_replica_up',
  help: 'Active health checks: 1 while the replica is healthy, 0 while unhealthy (absent until first judged), by server and replica.',
  labelNames: ['server', 'replica'] as const,
  registers: [primaryRegistry],
});
export const replicaHealthTransitions = new client.Counter({
  name: 'only1mcp_replica_health_transitions_total',
  help: 'Changes of a replica\'s health seen by this node\'s prober, by server, replica and new state.',
  labelNames: ['server', 'replica', 'to'] as const,
  registers: [primaryRegistry],
});
export const healthProbeSeconds = new client.Histogram({
  name: 'only1mcp_health_probe_seconds',
  help: 'Duration of active health probes, by server, replica and outcome (pass, fail).',
  labelNames: ['server', 'replica', 'outcome'] as const,
  buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [primaryRegistry],
});

/**
 * Registrations of requests in flight, by table: each must be released on
 * every path (answer, error, timeout, cancel, refusal), so each returns to 0
 * when the node is idle. A table that only grows is a leak; the hardening
 * tests read these after hostile traffic (docs/security.md).
 */
const pendingSources = new Map<string, () => number>();
const primaryPendingSources = new Map<string, () => number>();

export function observePending(table: string, count: () => number): void {
  (cluster.isPrimary ? primaryPendingSources : pendingSources).set(table, count);
}

export const pendingRegistrations = new client.Gauge({
  name: 'only1mcp_pending_registrations',
  help: 'Requests registered as in flight in a worker, by table (returns to 0 when idle; growth is a leak).',
  labelNames: ['table'] as const,
  collect() {
    for (const [table, count] of pendingSources) this.set({ table }, count());
  },
});
export const primaryPendingRegistrations = new client.Gauge({
  name: 'only1mcp_primary_pending_registrations',
  help: 'Requests registered as in flight in the primary, by table (returns to 0 when idle; growth is a leak).',
  labelNames: ['table'] as const,
  registers: [primaryRegistry],
  collect() {
    for (const [table, count] of primaryPendingSources) this.set({ table }, count());
  },
});

/** The node's metrics: every worker's, merged, then the primary's own. */
export async function nodeMetrics(workers: client.AggregatorRegistry<client.PrometheusContentType>): Promise<string> {
  const [merged, own] = await Promise.all([workers.clusterMetrics(), primaryRegistry.metrics()]);
  return own.length > 0 ? `${merged.trimEnd()}\n${own}` : merged;
}

client.collectDefaultMetrics({ prefix: 'only1mcp_' });

// In a worker, constructing an aggregator registers the answer to the primary's "send me your metrics".
if (cluster.isWorker) new client.AggregatorRegistry();

/** In the primary: merged metrics of every worker. */
export function aggregator(): client.AggregatorRegistry<client.PrometheusContentType> {
  return new client.AggregatorRegistry();
}
