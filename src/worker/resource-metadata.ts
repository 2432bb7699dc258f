/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), which the MCP
 * authorization spec has clients discover from the 401's WWW-Authenticate:
 * served at /.well-known/oauth-protected-resource and its path-suffixed form
 * (for a resource URL with a path, e.g. https://gw.example.com/mcp) when the
 * gateway is configured as an OAuth resource server. Public: no credential,
 * no Origin check (browser-based clients read it cross-origin).
 */
import { Reply } from './http/reply.js';
import { rejectWith } from './http/transport-errors.js';
import { WELL_KNOWN_PROTECTED_RESOURCE } from '../auth/oauth-metadata.js';
import type { Access } from '../gateway/access.js';
import type { TemplatedApp } from './http/uws.js';

export function mountResourceMetadata(app: TemplatedApp, access: Access): void {
  const serve = (url: string, reply: Reply) => {
    // Read per request: a reload may turn the resource server on, off, or move its URL.
    const metadata = access.current.gate.metadata;
    if (!metadata || !metadata.paths.includes(url)) {
      rejectWith(reply, 'GW_ERR_ROUTE_NOT_FOUND', `Not Found: ${url} (this gateway is not configured as an OAuth protected resource here)`);
      return;
    }
    reply.json(200, metadata.body, { ...metadata.headers });
  };
  app.get(WELL_KNOWN_PROTECTED_RESOURCE, (res, req) => serve(req.getUrl(), new Reply(res)));
  app.get(`${WELL_KNOWN_PROTECTED_RESOURCE}/*`, (res, req) => serve(req.getUrl(), new Reply(res)));
}
