/**
 * The versioned admin API, /api/v1/admin/ (docs/admin-api.md, and the
 * OpenAPI file beside it). JSON in and out, guarded as /admin/* is
 * (admin.ts `admitted`: loopback peer, no browser Origin, an allowed Host,
 * and an admin role whenever authentication is configured).
 *
 * What a worker holds (servers, tools, health) it answers itself; what
 * belongs to the node (recent requests and logs, metrics, sessions of every
 * worker, system facts) and every action go to its primary, which sends
 * actions on to the other nodes through the store.
 */
import { admitted } from './admin.js';
import type { Reply } from './http/reply.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './http/uws.js';
import type { OriginGuard } from './http/origin-guard.js';
import type { Authenticator } from './http/authenticate.js';
import type { Access } from '../gateway/access.js';
import type { GatewayError } from '../mcp/errors.js';
import type { AdminAnswer, AdminOp, MetricsSummary } from '../ipc/admin-protocol.js';
import type { AdminViews } from './admin-views.js';

export const ADMIN_API_PREFIX = '/api/v1/admin/';

export interface AdminApiDeps {
  views: AdminViews;
  /** Waits until the tool lists of ready servers are in the catalog. */
  ensureTools(): Promise<void>;
  askPrimary(op: AdminOp, args: Record<string, string>): Promise<AdminAnswer>;
  guard: OriginGuard;
  authenticator: Authenticator;
  access: Access;
}

type Method = 'GET' | 'POST';

interface Route {
  method: Method;
  /** The path below the prefix; `{name}` is one segment. */
  path: string;
  serve(deps: AdminApiDeps, params: { name?: string; action?: string }, query: Record<string, string>): Promise<AdminAnswer>;
}

/** Every route the API serves; the OpenAPI test checks this list against docs/admin-api.openapi.json. */
export const ADMIN_ROUTES: readonly Route[] = [
  { method: 'GET', path: 'servers', serve: async (d) => ok({ servers: await servers(d) }) },
  {
    method: 'GET',
    path: 'servers/{name}',
    serve: async (d, p) => {
      const found = (await servers(d)).find((s) => s.name === p.name);
      if (!found) return unknownServer(p.name!);
      return ok({ ...found, tools: d.views.tools().filter((t) => t.backend === found.name).map(({ name, original, description }) => ({ name, original, description })) });
    },
  },
  { method: 'POST', path: 'servers/{name}/restart', serve: (d, p) => serverAction(d, 'restart', p.name!) },
  { method: 'POST', path: 'servers/{name}/disable', serve: (d, p) => serverAction(d, 'disable', p.name!) },
  { method: 'POST', path: 'servers/{name}/enable', serve: (d, p) => serverAction(d, 'enable', p.name!) },
  {
    method: 'GET',
    path: 'tools',
    serve: async (d) => {
      await d.ensureTools();
      return ok({ tools: d.views.tools() });
    },
  },
  { method: 'GET', path: 'sessions', serve: (d, _p, q) => d.askPrimary('sessions', pick(q, 'limit')) },
  { method: 'GET', path: 'health', serve: async (d) => ok(d.views.healthReport()) },
  { method: 'GET', path: 'system', serve: (d) => d.askPrimary('system', {}) },
  { method: 'GET', path: 'requests/recent', serve: (d, _p, q) => d.askPrimary('requests', pick(q, 'after', 'limit')) },
  { method: 'GET', path: 'logs/recent', serve: (d, _p, q) => d.askPrimary('logs', pick(q, 'after', 'limit')) },
  { method: 'GET', path: 'metrics', serve: (d) => d.askPrimary('metrics', {}) },
  { method: 'POST', path: 'config/reload', serve: (d) => d.askPrimary('reload', {}) },
];

export function mountAdminApi(app: TemplatedApp, deps: AdminApiDeps): void {
  app.any(`${ADMIN_API_PREFIX}*`, (res: HttpResponse, req: HttpRequest) => {
    // uWS's request is only valid now: copy what is needed before anything waits.
    const method = req.getCaseSensitiveMethod().toUpperCase();
    const path = req.getUrl().slice(ADMIN_API_PREFIX.length).replace(/\/+$/, '');
    const query = parseQuery(req.getQuery() ?? '');
    admitted(res, req, deps.guard, deps.authenticator, deps.access, `${method} ${ADMIN_API_PREFIX}${path}`, (reply) => void dispatch(deps, reply, method, path, query), refuse);
  });
}

async function dispatch(deps: AdminApiDeps, reply: Reply, method: string, path: string, query: Record<string, string>): Promise<void> {
  const matched = ADMIN_ROUTES.map((route) => ({ route, params: match(route.path, path) })).filter((m) => m.params !== undefined);
  if (matched.length === 0) {
    send(reply, { status: 404, body: apiError('not_found', `nothing is served at ${ADMIN_API_PREFIX}${path}; docs/admin-api.md lists the routes`) });
    return;
  }
  const route = matched.find((m) => m.route.method === method);
  if (!route) {
    const allow = matched.map((m) => m.route.method).join(', ');
    send(reply, { status: 405, body: apiError('method_not_allowed', `${method} is not served on ${ADMIN_API_PREFIX}${path}; use ${allow}`) }, { allow });
    return;
  }
  try {
    send(reply, await route.route.serve(deps, route.params!, query));
  } catch (err) {
    send(reply, { status: 500, body: apiError('internal', err instanceof Error ? err.message : String(err)) });
  }
}

function send(reply: Reply, answer: AdminAnswer, headers?: Record<string, string>): void {
  if (reply.done) return;
  reply.json(answer.status, JSON.stringify(answer.body), { 'cache-control': 'no-store', ...headers });
}

/** A guard's refusal in the API's error shape: the registry name without its prefix, lower-cased (forbidden_origin, forbidden). */
function refuse(reply: Reply, err: GatewayError): void {
  send(reply, { status: err.spec.http, body: apiError(err.errorName.replace(/^GW_ERR_/, '').toLowerCase(), err.message) });
}

export function apiError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

function ok(body: unknown): AdminAnswer {
  return { status: 200, body };
}

function unknownServer(name: string): AdminAnswer {
  return { status: 404, body: apiError('unknown_server', `no server named "${name}" in the configuration`) };
}

/** Servers with the node's request counts (this worker's own if the primary does not answer). */
async function servers(deps: AdminApiDeps) {
  await deps.ensureTools();
  const metrics = await deps.askPrimary('metrics', {});
  const counts = metrics.status === 200 ? (metrics.body as MetricsSummary).servers : {};
  return deps.views.servers(counts);
}

async function serverAction(deps: AdminApiDeps, action: 'restart' | 'disable' | 'enable', name: string): Promise<AdminAnswer> {
  if (!deps.views.serverConfig(name)) return unknownServer(name);
  return deps.askPrimary(action, { server: name });
}

/** Path parameters of a route pattern, or undefined when the path is not this route's. */
function match(pattern: string, path: string): { name?: string } | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: { name?: string } = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '{name}') {
      let value: string;
      try {
        value = decodeURIComponent(got[i]!);
      } catch {
        return undefined;
      }
      if (value === '') return undefined;
      params.name = value;
    } else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}

function pick(query: Record<string, string>, ...keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (query[k] !== undefined) out[k] = query[k]!;
  return out;
}
