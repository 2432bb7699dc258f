/**
 * Admin API answers turned into the TUI's views. The body is untrusted (with
 * --url it may come from anything): a missing or mistyped field becomes an
 * empty value rather than a crash, strings and lists are cut to the limits in
 * defaults.ts, and nothing here interprets escape sequences (text.ts strips
 * them before anything reaches the terminal).
 */
import type { LogLine, MetricsSummary, RecentRequest, ServerInfo, ServerRequests, SystemInfo } from './admin-api.js';
import { TUI_MAX_FIELD_CHARS, TUI_MAX_SERVERS, TUI_MAX_STDERR_LINES, TUI_PAGE_LIMIT } from './defaults.js';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown, max: number): unknown[] => (Array.isArray(v) ? v.slice(0, max) : []);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v.slice(0, TUI_MAX_FIELD_CHARS) : typeof v === 'number' ? String(v) : '');
const flag = (v: unknown): boolean => v === true;
/** ISO text or epoch ms, as ISO text. */
const time = (v: unknown): string => (typeof v === 'number' && Number.isFinite(v) ? new Date(v).toISOString() : str(v));
/** A log line's plain fields as `key=value` after its message, as the pretty log prints them. */
const fields = (v: unknown): string =>
  Object.entries(obj(v))
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .map(([key, value]) => ` ${key}=${String(value)}`)
    .join('')
    .slice(0, TUI_MAX_FIELD_CHARS);
const workerId = (v: unknown): number | string => (typeof v === 'number' && Number.isFinite(v) ? v : str(v));

function requests(v: unknown): ServerRequests {
  const r = obj(v);
  return { total: num(r.total ?? r.requests), errors: num(r.errors), inflight: num(r.inflight) };
}

/** `health` may be a word or an object with a state/status; replicas a count or a list. */
function healthWord(v: unknown): string {
  if (typeof v === 'string') return str(v);
  const h = obj(v);
  return str(h.state ?? h.status);
}

export function decodeServer(v: unknown): ServerInfo | undefined {
  const s = obj(v);
  const name = str(s.name);
  if (name === '') return undefined;
  return {
    name,
    type: str(s.type),
    state: str(s.state),
    era: str(s.era),
    disabled: flag(s.disabled),
    disabledBy: str(s.disabledBy),
    tools: Array.isArray(s.tools) ? s.tools.length : num(s.tools),
    restarts: num(s.restarts),
    lastError: str(s.lastError),
    stderr: list(s.stderr, TUI_MAX_STDERR_LINES).map(str),
    health: healthWord(s.health),
    replicas: Array.isArray(s.replicas) ? s.replicas.length : num(s.replicas),
    requests: requests(s.requests),
  };
}

export function decodeServers(body: unknown): ServerInfo[] {
  return list(obj(body).servers, TUI_MAX_SERVERS).flatMap((s) => decodeServer(s) ?? []);
}

export function decodeSystem(body: unknown): SystemInfo {
  const b = obj(body);
  const store = obj(b.store);
  const config = obj(b.config);
  return {
    version: str(b.version),
    uptimeSeconds: num(b.uptimeSeconds),
    // The node this gateway process is (its id in a cluster); a plain string when a gateway gives one.
    node: typeof b.node === 'string' ? str(b.node) : str(obj(b.node).id),
    workers: Array.isArray(b.workers) ? b.workers.length : num(b.workers),
    store: { kind: str(store.kind), state: str(store.state) },
    config: { path: str(config.path), generation: num(config.generation) },
  };
}

export function decodeMetrics(body: unknown): MetricsSummary {
  const b = obj(body);
  const r = obj(b.requests);
  const cache = obj(b.cache);
  const servers: Record<string, ServerRequests> = {};
  for (const [name, v] of Object.entries(obj(b.servers)).slice(0, TUI_MAX_SERVERS)) servers[name.slice(0, TUI_MAX_FIELD_CHARS)] = requests(v);
  return {
    requests: { total: num(r.total), errors: num(r.errors), perSecond: num(r.perSecond), errorRate: num(r.errorRate), p50Ms: num(r.p50Ms), p99Ms: num(r.p99Ms) },
    sessions: { active: num(obj(b.sessions).active) },
    cache: { hits: num(cache.hits), misses: num(cache.misses), hitRate: num(cache.hitRate) },
    servers,
  };
}

export function decodeSessions(body: unknown): number {
  return num(obj(body).total);
}

export function decodeRequests(body: unknown): RecentRequest[] {
  return list(obj(body).requests, TUI_PAGE_LIMIT).map((v) => {
    const r = obj(v);
    return {
      seq: num(r.seq),
      time: time(r.time),
      method: str(r.method),
      target: str(r.target),
      latencyMs: num(r.latencyMs),
      outcome: str(r.outcome),
      code: str(r.code),
      principal: str(r.principal),
      worker: workerId(r.worker),
    };
  });
}

export function decodeLogs(body: unknown): LogLine[] {
  return list(obj(body).lines, TUI_PAGE_LIMIT).map((v) => {
    const l = obj(v);
    return { seq: num(l.seq), time: time(l.time), level: str(l.level), msg: str(l.msg) + fields(l.fields), worker: workerId(l.worker) };
  });
}

/** The gateway's own words from an error body: a JSON-RPC error, {error: "..."} or {message}; else the text. */
export function errorMessage(text: string): string {
  try {
    const b = obj(JSON.parse(text));
    const e = b.error;
    const message = typeof e === 'string' ? e : str(obj(e).message) || str(b.message);
    if (message !== '') return message.slice(0, TUI_MAX_FIELD_CHARS);
  } catch {
    // not JSON: the text itself
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}
