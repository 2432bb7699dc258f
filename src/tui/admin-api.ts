/**
 * What the TUI reads: the admin REST API under /api/v1/admin/ (docs/admin-api.md),
 * as typed views. The TUI depends on this interface only, so the polling
 * store can be tested with a fake; http-admin-api.ts is the real one.
 */

export interface ServerRequests {
  total: number;
  errors: number;
  inflight: number;
}

export interface ServerInfo {
  name: string;
  type: string;
  state: string;
  era: string;
  disabled: boolean;
  /** Who disabled it: 'admin' (at runtime) or 'config' (enabled: false); '' when enabled or not said. */
  disabledBy: string;
  tools: number;
  restarts: number;
  lastError: string;
  stderr: string[];
  /** A health word ('healthy', 'degraded', …) or '' when the gateway gives none. */
  health: string;
  replicas: number;
  requests: ServerRequests;
}

export interface SystemInfo {
  version: string;
  uptimeSeconds: number;
  /** Which node of a cluster answered. */
  node: string;
  workers: number;
  store: { kind: string; state: string };
  config: { path: string; generation: number };
}

export interface MetricsSummary {
  requests: { total: number; errors: number; perSecond: number; errorRate: number; p50Ms: number; p99Ms: number };
  sessions: { active: number };
  cache: { hits: number; misses: number; hitRate: number };
  servers: Record<string, ServerRequests>;
}

export interface RecentRequest {
  seq: number;
  time: string;
  method: string;
  target: string;
  latencyMs: number;
  outcome: string;
  code: string;
  principal: string;
  worker: number | string;
}

export interface LogLine {
  seq: number;
  time: string;
  level: string;
  msg: string;
  worker: number | string;
}

export type ServerAction = 'restart' | 'disable' | 'enable';

export interface AdminApi {
  /** Where it reads from, for the status line. */
  readonly base: string;
  servers(): Promise<ServerInfo[]>;
  system(): Promise<SystemInfo>;
  metrics(): Promise<MetricsSummary>;
  /** The session count. */
  sessions(): Promise<number>;
  recentRequests(after: number, limit: number): Promise<RecentRequest[]>;
  recentLogs(after: number, limit: number): Promise<LogLine[]>;
  /** Resolves with the HTTP status when the gateway accepted the action; rejects with why it did not. */
  act(server: string, action: ServerAction): Promise<number>;
}

/** A route answered, but not with success: the status and the gateway's own message. */
export class AdminHttpError extends Error {
  constructor(
    readonly status: number,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminHttpError';
  }
}
