/**
 * The primary's half of the admin API: it answers what a worker asks on an
 * operator's behalf (src/worker/admin-api.ts) with node-wide views — the
 * recent-request and log rings, the metrics summary, the sessions every
 * worker holds, the node's facts — and carries out actions (admin-actions.ts).
 */
import type { AdminAnswer, AdminOp, SessionView, SessionsPart } from '../ipc/admin-protocol.js';
import type { NodeActivity } from './node-activity.js';
import type { PoolAdmin } from './worker-pool.js';
import type { WorkerGather } from './worker-gather.js';
import type { AdminActions, ServerAction } from './admin-actions.js';
import type { StateStore } from '../state/store.js';
import { ADMIN_GATHER_TIMEOUT_MS, ADMIN_LIST_DEFAULT_LIMIT, ADMIN_LIST_MAX_LIMIT } from '../observe/defaults.js';
import { GATEWAY_VERSION } from '../mcp/identity.js';


export interface NodeFacts {
  nodeId: string;
  storeKind: 'memory' | 'redis' | 'embedded-redis';
  store: StateStore | undefined;
  configPath(): string | undefined;
  generation(): number;
  workers(): Array<{ index: number; pid: number }>;
  /** Asks every live worker for its part of a view; resolves with the parts that came in time. */
  gather(what: 'sessions', timeoutMs: number): Promise<unknown[]>;
}

const startedAt = Date.now();

export class NodeAdmin {
  constructor(private readonly activity: NodeActivity, private readonly actions: AdminActions, private readonly facts: NodeFacts) {}

  async answer(op: AdminOp, args: Record<string, string>): Promise<AdminAnswer> {
    switch (op) {
      case 'system':
        return ok(this.system());
      case 'requests':
      case 'logs': {
        const page = pageArgs(args);
        if ('error' in page) return page.error;
        const ring = op === 'requests' ? this.activity.requests : this.activity.logs;
        return ok({ [op === 'requests' ? 'requests' : 'lines']: ring.after(page.after, page.limit), lastSeq: ring.lastSeq });
      }
      case 'metrics': {
        const { dropped: _d, ...summary } = this.activity.summary();
        return ok(summary);
      }
      case 'sessions': {
        const page = pageArgs(args);
        if ('error' in page) return page.error;
        return ok(await this.sessions(page.limit));
      }
      case 'restart':
      case 'disable':
      case 'enable':
        return this.actions.server(op as ServerAction, args.server ?? '');
      case 'reload':
        return this.actions.reload();
    }
  }

  private system(): Record<string, unknown> {
    const store = this.facts.store;
    return {
      version: GATEWAY_VERSION,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      node: { id: this.facts.nodeId, pid: process.pid },
      workers: this.facts.workers(),
      store: { kind: this.facts.storeKind, state: store === undefined || store.healthy ? 'up' : 'down' },
      config: { path: this.facts.configPath() ?? null, generation: this.facts.generation() },
      disabled: [...this.actions.disabled],
    };
  }

  /** Every worker's sessions, once each (a session served by two workers is held by both), most recently seen first. */
  private async sessions(limit: number): Promise<Record<string, unknown>> {
    const parts = (await this.facts.gather('sessions', ADMIN_GATHER_TIMEOUT_MS)) as SessionsPart[];
    const byId = new Map<string, SessionView>();
    let capped = false;
    for (const part of parts) {
      if (part.held > part.sessions.length) capped = true;
      for (const s of part.sessions) {
        const known = byId.get(s.id);
        if (!known || known.lastSeenAt < s.lastSeenAt) byId.set(s.id, s);
      }
    }
    const all = [...byId.values()].sort((a, b) => b.lastSeenAt - a.lastSeenAt);
    const byEra: Record<string, number> = { legacy: 0, modern: 0 };
    const byProtocolVersion: Record<string, number> = {};
    for (const s of all) {
      byEra[s.era] = (byEra[s.era] ?? 0) + 1;
      byProtocolVersion[s.protocolVersion] = (byProtocolVersion[s.protocolVersion] ?? 0) + 1;
    }
    // Past a worker's cap the exact count across workers is unknown: each worker's own count is summed instead.
    const total = capped ? parts.reduce((n, p) => n + p.held, 0) : all.length;
    return { total, byEra, byProtocolVersion, workersAnswered: parts.length, sessions: all.slice(0, limit) };
  }
}

/** What the worker pool hands over: feeds to the node's activity, parts of gathered views, requests to answer. */
export function poolAdmin(admin: NodeAdmin, activity: NodeActivity, gather: WorkerGather): PoolAdmin {
  return {
    message(index, message, reply) {
      if (message.t === 'feed') activity.feed(index, message.batch);
      else if (message.t === 'admin-part') gather.part(message.id, message.body);
      else if (message.t === 'admin-req') {
        void admin.answer(message.op, message.args).then(
          (answer) => reply({ t: 'admin-res', id: message.id, answer }),
          (err: unknown) => reply({ t: 'admin-res', id: message.id, answer: { status: 500, body: { error: { code: 'internal', message: String(err) } } } }),
        );
      }
    },
    exited: (index) => activity.workerGone(index),
  };
}

function ok(body: unknown): AdminAnswer {
  return { status: 200, body };
}

export function badRequest(message: string): AdminAnswer {
  return { status: 400, body: { error: { code: 'bad_request', message } } };
}

/** `?after=` and `?limit=`: whole numbers; limit from 1 to ADMIN_LIST_MAX_LIMIT. */
function pageArgs(args: Record<string, string>): { after: number; limit: number } | { error: AdminAnswer } {
  const after = args.after === undefined ? 0 : Number(args.after);
  const limit = args.limit === undefined ? ADMIN_LIST_DEFAULT_LIMIT : Number(args.limit);
  if (!Number.isSafeInteger(after) || after < 0) return { error: badRequest(`after must be a whole number of 0 or more, got "${args.after}"`) };
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > ADMIN_LIST_MAX_LIMIT) return { error: badRequest(`limit must be a whole number from 1 to ${ADMIN_LIST_MAX_LIMIT}, got "${args.limit}"`) };
  return { after, limit };
}
