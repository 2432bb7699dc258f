/**
 * The admin API: read-only views for operators and the CLI (`only1mcp list`).
 * Served to loopback peers only, and never to browsers (any Origin header is
 * refused), since it shows the whole catalog regardless of principal.
 */
import { Reply } from './http/reply.js';
import { KEY_FIELD, LIST_KINDS } from '../gateway/catalog.js';
import type { Upstreams } from '../gateway/upstreams.js';
import type { OriginGuard } from './http/origin-guard.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './http/uws.js';
import { readHead } from './http/request-head.js';
import { reject } from './http/transport-errors.js';
import type { Authenticator } from './http/authenticate.js';
import type { Access } from '../gateway/access.js';
import { GatewayError } from '../mcp/errors.js';

function fromLoopback(res: HttpResponse): boolean {
  const addr = Buffer.from(res.getRemoteAddressAsText()).toString();
  return addr === '127.0.0.1' || addr === '::1' || addr.endsWith(':127.0.0.1') || addr === '0000:0000:0000:0000:0000:0000:0000:0001';
}

/**
 * Admin requests: loopback peers, no browser Origin, an allowed Host; and,
 * whenever an authentication mode is configured, a caller with an admin role
 * (wherever the request comes from). Runs `serve` once admitted.
 */
export function admitted(
  res: HttpResponse,
  req: HttpRequest,
  guard: OriginGuard,
  authenticator: Authenticator,
  access: Access,
  what: string,
  serve: (reply: Reply) => void,
  // How a refusal is written: JSON-RPC's error shape here; /api/v1/admin/ writes its own (admin-api.ts).
  refuse: (reply: Reply, err: GatewayError) => void = (reply, err) => reject(reply, err),
): void {
  const reply = new Reply(res);
  const head = readHead(req);
  if (head.origin !== '' || !guard.check(head.origin, head.host).ok || !fromLoopback(res)) {
    refuse(reply, new GatewayError('GW_ERR_FORBIDDEN_ORIGIN', 'Forbidden: the admin API is served to local, non-browser clients only'));
    return;
  }
  void authenticator.authenticate(head, reply, what).then((caller) => {
    if (!caller) return;
    try {
      access.authorize(caller, 'admin', {});
    } catch (err) {
      access.record({ principal: caller.id, via: caller.via, method: what, outcome: 'denied', code: (err as GatewayError).errorName, reason: (err as GatewayError).message });
      refuse(reply, err as GatewayError);
      return;
    }
    serve(reply);
  });
}

export function mountAdmin(app: TemplatedApp, upstreams: Upstreams, guard: OriginGuard, authenticator: Authenticator, access: Access, tokens: () => Promise<unknown>): void {
  app.get('/admin/tokens', (res, req) => {
    admitted(res, req, guard, authenticator, access, 'GET /admin/tokens', (reply) => void tokens().then((report) => reply.json(200, JSON.stringify(report))));
  });
  app.get('/admin/catalog', (res, req) => {
    admitted(res, req, guard, authenticator, access, 'GET /admin/catalog', (reply) => catalogView(reply, upstreams));
  });
}

function catalogView(reply: Reply, upstreams: Upstreams): void {
    const servers = upstreams.all().map((b) => {
      const s = b.status();
      return {
        name: b.name,
        // A URL-only server reports the transport its probe found.
        type: s.transport ?? b.config.type,
        state: s.state,
        era: s.identity?.era,
        protocolVersion: s.identity?.protocolVersion,
        serverInfo: s.identity?.serverInfo,
        lastError: s.lastError,
        restarts: s.process?.restarts,
        stderr: s.stderrTail,
        // Several replicas: each one's state, health, circuit, ejection and list agreement, as this worker sees them.
        replicas: b.routing?.view(),
      };
    });
    const catalog: Record<string, unknown> = { servers };
    for (const kind of LIST_KINDS) {
      // Items are routed by their key: a tool's or prompt's name, a resource's URI, a template's URI template.
      const field = KEY_FIELD[kind];
      const view = upstreams.catalog.list(kind).map((item) => {
        const key = String(item[field]);
        const routed = upstreams.catalog.resolve(kind, key);
        const entry: Record<string, unknown> = { name: item.name ?? key, backend: routed?.backend, original: routed?.original, description: item.description };
        if (field !== 'name') entry[field] = key;
        return entry;
      });
      catalog[kind] = view;
    }
    reply.json(200, JSON.stringify(catalog));
}
