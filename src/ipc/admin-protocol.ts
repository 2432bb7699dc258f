/**
 * What a worker and its primary exchange for the admin API
 * (src/worker/admin-api.ts, src/primary/node-admin.ts): the operations, the
 * answer, and the shapes of the node-wide views that cross the boundary.
 */
import type { ServerCounts } from '../observe/activity.js';

/** What a worker asks its primary for: node-wide views it holds or gathers, and actions it carries out (and sends on to every node). */
export type AdminOp = 'system' | 'requests' | 'logs' | 'metrics' | 'sessions' | 'restart' | 'disable' | 'enable' | 'reload';

/** The primary's answer: an HTTP status and a JSON body for the admin API to send as is. */
export interface AdminAnswer {
  status: number;
  body: unknown;
}

/** One session as a worker reports it: the id already shortened, never the session id itself. */
export interface SessionView {
  id: string;
  principal: string;
  era: 'legacy';
  protocolVersion: string;
  transport: string;
  createdAt: number;
  lastSeenAt: number;
}

/** A worker's part of the sessions view: how many it holds, and the most recently seen of them (bounded). */
export interface SessionsPart {
  held: number;
  sessions: SessionView[];
}

/** GET /api/v1/admin/metrics. */
export interface MetricsSummary {
  requests: { total: number; errors: number; perSecond: number; errorRate: number; p50Ms: number; p99Ms: number; windowSeconds: number };
  sessions: { active: number };
  cache: { hits: number; misses: number; hitRate: number };
  servers: Record<string, ServerCounts>;
}
