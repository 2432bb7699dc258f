/**
 * The admin API: read-only views for operators and the CLI (`only1mcp list`).
 * Served to loopback peers only, and never to browsers (any Origin header is
 * refused), since it shows the whole catalog regardless of principal.
 */
import { Reply } from './http/reply.js';
import { rejectWith } from './http/transport-errors.js';
import { KEY_FIELD, LIST_KINDS } from '../gateway/catalog.js';
import type { Upstreams } from '../gateway/upstreams.js';
import type { OriginGuard } from './http/origin-guard.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './http/uws.js';

function fromLoopback(res: HttpResponse): boolean {
  const addr = Buffer.from(res.getRemoteAddressAsText()).toString();
  return addr === '127.0.0.1' || addr === '::1' || addr.endsWith(':127.0.0.1') || addr === '0000:0000:0000:0000:0000:0000:0000:0001';
}

/** Admin requests: loopback peers, no browser Origin, an allowed Host. */
function admitted(res: HttpResponse, req: HttpRequest, guard: OriginGuard, reply: Reply): boolean {
  const origin = req.getHeader('origin');
  if (origin === '' && guard.check(origin, req.getHeader('host')).ok && fromLoopback(res)) return true;
  rejectWith(reply, 'GW_ERR_FORBIDDEN_ORIGIN', 'Forbidden: the admin API is served to local, non-browser clients only');
  return false;
}

export function mountAdmin(app: TemplatedApp, upstreams: Upstreams, guard: OriginGuard, tokens: () => Promise<unknown>): void {
  app.get('/admin/tokens', (res, req) => {
    const reply = new Reply(res);
    if (!admitted(res, req, guard, reply)) return;
    void tokens().then((report) => reply.json(200, JSON.stringify(report)));
  });
  app.get('/admin/catalog', (res, req) => {
    const reply = new Reply(res);
    if (!admitted(res, req, guard, reply)) return;
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
  });
}
