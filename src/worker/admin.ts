/**
 * The admin API: read-only views for operators and the CLI (`only1mcp list`).
 * Served to loopback peers only, and never to browsers (any Origin header is
 * refused), since it shows the whole catalog regardless of principal.
 */
import { Reply } from './http/reply.js';
import { rejectWith } from './http/transport-errors.js';
import { LIST_KINDS } from '../gateway/catalog.js';
import type { Upstreams } from '../gateway/upstreams.js';
import type { OriginGuard } from './http/origin-guard.js';
import type { HttpResponse, TemplatedApp } from './http/uws.js';

function fromLoopback(res: HttpResponse): boolean {
  const addr = Buffer.from(res.getRemoteAddressAsText()).toString();
  return addr === '127.0.0.1' || addr === '::1' || addr.endsWith(':127.0.0.1') || addr === '0000:0000:0000:0000:0000:0000:0000:0001';
}

export function mountAdmin(app: TemplatedApp, upstreams: Upstreams, guard: OriginGuard): void {
  app.get('/admin/catalog', (res, req) => {
    const origin = req.getHeader('origin');
    const host = req.getHeader('host');
    const reply = new Reply(res);
    if (origin !== '' || !guard.check(origin, host).ok || !fromLoopback(res)) {
      rejectWith(reply, 'GW_ERR_FORBIDDEN_ORIGIN', 'Forbidden: the admin API is served to local, non-browser clients only');
      return;
    }
    const servers = upstreams.all().map((b) => {
      const s = b.status();
      return {
        name: b.name,
        type: b.config.type,
        state: s.state,
        era: s.identity?.era,
        protocolVersion: s.identity?.protocolVersion,
        serverInfo: s.identity?.serverInfo,
        lastError: s.lastError,
      };
    });
    const catalog: Record<string, unknown> = { servers };
    for (const kind of LIST_KINDS) {
      const view = upstreams.catalog.list(kind).map((item) => {
        const key = String(item.name ?? item.uri ?? item.uriTemplate);
        const routed = upstreams.catalog.resolve(kind, key);
        return { name: key, backend: routed?.backend, original: routed?.original, description: item.description };
      });
      catalog[kind] = view;
    }
    reply.json(200, JSON.stringify(catalog));
  });
}
