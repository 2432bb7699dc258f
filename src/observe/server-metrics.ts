/**
 * Metrics about each configured server and replica as a worker sees them
 * (up, disabled, restarts, health state, calls in flight) and requests by
 * principal, all read or moved into prom-client at scrape time so the
 * request path pays a map update at most. Registered in the default
 * registry with the rest (metrics.ts re-exports this file).
 */
import client from 'prom-client';
import { MAX_PRINCIPAL_LABELS } from './defaults.js';

/*
 * Backends as the workers see them, read at scrape time from the worker's
 * upstreams (observeBackends). Merged across the node's workers: up is the
 * minimum (up only where every worker reaches it), in-flight calls the sum,
 * restarts and states the maximum (the primary's children: all agree).
 */
export interface BackendSample {
  server: string;
  up: boolean;
  disabled: boolean;
  restarts: number;
  inflight: number;
  replicas: ReadonlyArray<{ id: string; up: boolean; health: string; inflight: number; restarts: number }>;
}

let backendSource: () => BackendSample[] = () => [];

export function observeBackends(source: () => BackendSample[]): void {
  backendSource = source;
}

/** Backends are a handful; one read serves every backend gauge of a scrape (they are collected one after another). */
const BACKEND_SAMPLE_REUSE_MS = 100;
let lastSample: { at: number; rows: BackendSample[] } = { at: -1, rows: [] };
function backendRows(): BackendSample[] {
  const now = Date.now();
  if (now - lastSample.at > BACKEND_SAMPLE_REUSE_MS) lastSample = { at: now, rows: backendSource() };
  return lastSample.rows;
}

export const HEALTH_STATES = ['healthy', 'unhealthy', 'unknown'] as const;

type Aggregator = 'min' | 'max' | 'sum';
type ReplicaSample = BackendSample['replicas'][number];

/** A gauge with one series per server, read from the backend sample at scrape time. */
function serverGauge(name: string, help: string, aggregator: Aggregator, value: (b: BackendSample) => number): client.Gauge<'server'> {
  return new client.Gauge({
    name,
    help,
    labelNames: ['server'] as const,
    aggregator,
    collect() {
      this.reset();
      for (const b of backendRows()) this.labels(b.server).set(value(b));
    },
  });
}

/** A gauge with one series per replica of each server, read the same way. */
function replicaGauge(name: string, help: string, aggregator: Aggregator, value: (r: ReplicaSample) => number): client.Gauge<'server' | 'replica'> {
  return new client.Gauge({
    name,
    help,
    labelNames: ['server', 'replica'] as const,
    aggregator,
    collect() {
      this.reset();
      for (const b of backendRows()) for (const r of b.replicas) this.labels(b.server, r.id).set(value(r));
    },
  });
}

export const backendUp = serverGauge('only1mcp_backend_up', '1 while a server is ready (any replica) on every worker of the node, else 0 (disabled, starting, failed), by server.', 'min', (b) => (b.up ? 1 : 0));
export const backendDisabled = serverGauge('only1mcp_backend_disabled', '1 while an operator has the server disabled (admin API), by server.', 'max', (b) => (b.disabled ? 1 : 0));
export const backendRestarts = serverGauge('only1mcp_backend_restarts', 'Restarts of a stdio server\'s shared child on this node since the node started (crashes and operator restarts), by server.', 'max', (b) => b.restarts);
export const backendInflight = serverGauge('only1mcp_backend_inflight_calls', 'Calls in flight to a server (every attempt), by server.', 'sum', (b) => b.inflight);
export const replicaLinkUp = replicaGauge('only1mcp_replica_link_up', '1 while a replica\'s connection (or child) is ready on every worker, by server and replica.', 'min', (r) => (r.up ? 1 : 0));
export const replicaRestarts = replicaGauge('only1mcp_replica_restarts', 'Restarts of a stdio replica\'s shared child on this node since the node started, by server and replica.', 'max', (r) => r.restarts);
export const replicaInflight = replicaGauge('only1mcp_replica_inflight_calls', 'Calls in flight to a replica of a replicated server, by server and replica.', 'sum', (r) => r.inflight);
export const replicaHealthState = new client.Gauge({
  name: 'only1mcp_replica_health_state',
  help: 'A replica\'s health as the probes judge it: 1 on the current state (healthy, unhealthy, unknown), 0 on the others, by server, replica and state.',
  labelNames: ['server', 'replica', 'state'] as const,
  aggregator: 'max',
  collect() {
    this.reset();
    for (const b of backendRows()) for (const r of b.replicas) for (const state of HEALTH_STATES) this.labels(b.server, r.id, state).set(r.health === state ? 1 : 0);
  },
});

/**
 * Requests per principal. A worker names at most MAX_PRINCIPAL_LABELS
 * principals; later ones are counted as "other", so a flood of identities
 * cannot grow the metrics without bound. Counted in a plain map on the
 * request path and moved into the counter at scrape time: prom-client hashes
 * the labels on every inc, even through a labelled child (~0.5 µs a call).
 */
const principalCounts = new Map<string, number>();
export const OTHER_PRINCIPALS = 'other';
export const principalRequests = new client.Counter({
  name: 'only1mcp_principal_requests_total',
  help: `JSON-RPC requests by principal (the first ${MAX_PRINCIPAL_LABELS} distinct principals a worker sees by name, the rest as "other").`,
  labelNames: ['principal'] as const,
  collect() {
    for (const [principal, n] of principalCounts) {
      if (n > 0) this.inc({ principal }, n);
      principalCounts.set(principal, 0);
    }
  },
});

export function countPrincipal(principal: string): void {
  const n = principalCounts.get(principal);
  if (n !== undefined) principalCounts.set(principal, n + 1);
  else if (principalCounts.size < MAX_PRINCIPAL_LABELS) principalCounts.set(principal, 1);
  else principalCounts.set(OTHER_PRINCIPALS, (principalCounts.get(OTHER_PRINCIPALS) ?? 0) + 1);
}
