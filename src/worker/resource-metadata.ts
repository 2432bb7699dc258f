/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), which the MCP
 * authorization spec has clients discover from the 401's WWW-Authenticate:
 * served at /.well-known/oauth-protected-resource and its path-suffixed form
 * (for a resource URL with a path, e.g. https://gw.example.com/mcp) when the
 * gateway is configured as an OAuth resource server. Public: no credential.
 * The DNS-rebinding check applies as on every route: an origin that may not
 * use /mcp has no use for its metadata either, and loopback origins (local
 * browser-based clients) pass.
 */
import { Reply } from './http/reply.js';
import { rejectWith } from './http/transport-errors.js';
import { WELL_KNOWN_PROTECTED_RESOURCE } from '../auth/oauth-metadata.js';
import type { Access } from '../gateway/access.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './http/uws.js';
import type { OriginGuard } from './http/origin-guard.js';
import { admitRequest } from './http/edge-guard.js';

export function mountResourceMetadata(app: TemplatedApp, access: Access, guard: OriginGuard): void {
  const serve = (url: string, reply: Reply) => {
    // Read per request: a reload may turn the resource server on, off, or move its URL.
    const metadata = access.current.gate.metadata;
    if (!metadata || !metadata.paths.includes(url)) {
      rejectWith(reply, 'GW_ERR_ROUTE_NOT_FOUND', `Not Found: ${url} (this gateway is not configured as an OAuth protected resource here)`);
      return;
    }
    reply.json(200, metadata.body, { ...metadata.headers });
  };
  const route = (res: HttpResponse, req: HttpRequest) => {
    const reply = new Reply(res);
    if (admitRequest(guard, req, reply)) serve(req.getUrl(), reply);
  };
  app.get(WELL_KNOWN_PROTECTED_RESOURCE, route);
  app.get(`${WELL_KNOWN_PROTECTED_RESOURCE}/*`, route);
}
