/**
 * The admin API's views of what a worker holds: servers (as the configuration
 * names them, disabled ones included), tools, health and its sessions. Every
 * field comes from the same status objects the catalog and /health read;
 * node-wide request counts are merged in by admin-api.ts from the primary.
 */
import { createHash } from 'node:crypto';
import { replicaKey } from '../policy/replica-set.js';
import type { Upstreams } from '../gateway/upstreams.js';
import type { HealthView } from '../policy/health-view.js';
import type { Health } from './health.js';
import type { Sessions } from './session/sessions.js';
import type { StateStore } from '../state/store.js';
import type { ServerCounts } from '../observe/activity.js';
import type { BackendSample } from '../observe/metrics.js';
import type { SessionView, SessionsPart } from '../ipc/admin-protocol.js';
import type { ReplicaStatus } from '../backends/replica.js';
import type { ServerConfig } from '../config/model.js';
import { ADMIN_LIST_MAX_LIMIT } from '../observe/defaults.js';

export interface ToolView {
  name: string;
  backend: string;
  original: string;
  description: string | undefined;
}

export interface ServerView {
  name: string;
  type: string;
  state: string;
  era: string | undefined;
  protocolVersion: string | undefined;
  disabled: boolean;
  /** 'admin' (disabled at runtime) or 'config' (enabled: false in the file). */
  disabledBy?: 'admin' | 'config';
  tools: number;
  restarts: number;
  lastError: string | undefined;
  stderr: readonly string[];
  health: string;
  replicas: ReplicaStatus[];
  /** Calls to the server (every attempt) on every worker of the node. */
  requests: { total: number; errors: number; inflight: number };
}

/** Characters of the hash that stands for a session id in views: enough to tell sessions apart, nothing to present as one. */
export const SESSION_VIEW_ID_CHARS = 12;

export class AdminViews {
  constructor(
    private readonly upstreams: Upstreams,
    private readonly health: HealthView,
    private readonly readiness: Health,
    private readonly sessions: Sessions,
    private readonly store: StateStore,
  ) {}

  tools(): ToolView[] {
    const catalog = this.upstreams.catalog;
    return catalog.list('tools').map((item) => {
      const name = String(item.name);
      const routed = catalog.resolve('tools', name);
      return { name, backend: routed?.backend ?? '', original: routed?.original ?? name, description: typeof item.description === 'string' ? item.description : undefined };
    });
  }

  /** Every configured server; `counts`: node-wide request counts by server (this worker's when the primary did not answer). */
  servers(counts: Record<string, ServerCounts>, tools = this.tools()): ServerView[] {
    const perServer = new Map<string, number>();
    for (const t of tools) perServer.set(t.backend, (perServer.get(t.backend) ?? 0) + 1);
    return this.upstreams.configured.servers.map((config) => this.server(config, perServer.get(config.name) ?? 0, counts[config.name]));
  }

  serverConfig(name: string): ServerConfig | undefined {
    return this.upstreams.configured.servers.find((s) => s.name === name);
  }

  private server(config: ServerConfig, tools: number, counts: ServerCounts | undefined): ServerView {
    const backend = this.upstreams.get(config.name);
    const adminDisabled = this.upstreams.disabled.has(config.name);
    const disabled = adminDisabled || !config.common.enabled;
    const status = backend?.status();
    const replicas = backend?.routing?.view() ?? (backend ? backend.replicas.map((r) => this.replica(config.name, r.id, r.link.status().state)) : []);
    const view: ServerView = {
      name: config.name,
      type: status?.transport ?? config.type,
      state: disabled ? 'disabled' : (status?.state ?? 'stopped'),
      era: status?.identity?.era,
      protocolVersion: status?.identity?.protocolVersion,
      disabled,
      tools,
      restarts: status?.process?.restarts ?? 0,
      lastError: status?.lastError,
      stderr: status?.stderrTail ?? [],
      health: overallHealth(replicas),
      replicas,
      requests: { total: counts?.requests ?? 0, errors: counts?.errors ?? 0, inflight: counts?.inflight ?? 0 },
    };
    if (disabled) view.disabledBy = adminDisabled ? 'admin' : 'config';
    return view;
  }

  private replica(server: string, id: string, state: string): ReplicaStatus {
    return { id, state, health: this.health.snapshot(replicaKey(server, id)).state, circuit: 'closed', inflight: 0, weight: 1 };
  }

  /** What the anonymous /health no longer needs to show: each server's state, health, last error and process. */
  healthReport(): { status: string; checks: Record<string, unknown>; servers: unknown[] } {
    const report = this.readiness.report().body;
    const degraded = (report.degraded ?? {}) as Record<string, string>;
    const servers = this.servers({}).map((s) => ({
      name: s.name,
      state: s.state,
      health: s.health,
      lastError: s.lastError,
      pid: this.upstreams.get(s.name)?.status().process?.pid,
    }));
    return {
      status: String(report.status),
      checks: {
        store: { kind: this.store.kind, state: this.store.healthy ? 'up' : 'down', ...(degraded.redis ? { reason: degraded.redis } : {}) },
        servers: { ready: servers.filter((s) => s.state === 'ready').length, total: servers.length },
        worker: { pid: process.pid, draining: this.readiness.isDraining },
      },
      servers,
    };
  }

  /** This worker's sessions for the primary's node-wide view, most recently seen first (bounded). */
  sessionsPart(): SessionsPart {
    const all = [...this.sessions.all()];
    all.sort((a, b) => b.lastSeen - a.lastSeen);
    const sessions: SessionView[] = all.slice(0, ADMIN_LIST_MAX_LIMIT).map((s) => ({
      id: shortId(s.id),
      principal: s.record.principal,
      era: 'legacy',
      protocolVersion: s.record.protocolVersion,
      transport: s.record.transport,
      createdAt: s.record.createdAt,
      lastSeenAt: s.lastSeen,
    }));
    return { held: all.length, sessions };
  }

  /** Rows for the per-backend gauges (src/observe/metrics.ts). */
  backendSamples(inflight: (server: string) => number): BackendSample[] {
    return this.servers({}).map((s) => {
      const backend = this.upstreams.get(s.name);
      return {
        server: s.name,
        up: s.state === 'ready',
        disabled: s.disabled,
        restarts: s.restarts,
        inflight: inflight(s.name),
        replicas: s.replicas.map((r) => ({ id: r.id, up: r.state === 'ready', health: r.health, inflight: r.inflight, restarts: backend?.replica(r.id)?.link.status().process?.restarts ?? 0 })),
      };
    });
  }
}

/**
 * A session as views name it: a hash of its id, never the id (which
 * anyone who holds it may present) nor any part of it.
 */
export function shortId(sessionId: string): string {
  return createHash('sha256').update(sessionId).digest('hex').slice(0, SESSION_VIEW_ID_CHARS);
}

/** healthy when any replica is; unhealthy when every judged one is; unknown before any judgement. */
function overallHealth(replicas: readonly ReplicaStatus[]): string {
  if (replicas.some((r) => r.health === 'healthy')) return 'healthy';
  if (replicas.length > 0 && replicas.every((r) => r.health === 'unhealthy')) return 'unhealthy';
  return replicas.some((r) => r.health === 'unhealthy') ? 'degraded' : 'unknown';
}
