/**
 * The links of one configured server, one set per replica: the gateway's
 * own (shared) backend session with each replica and, where the server's
 * isolation gives clients sessions of their own, a per-client link factory
 * per replica.
 *
 *   stdio             the primary runs each replica as a host of its own
 *                     (and a pool of per-client children); links name it by
 *                     its replica key on the channel
 *   Streamable HTTP   one pool and session per replica URL (its headers on
 *                     top of the server's)
 *   legacy SSE        one stream per replica URL
 *   URL only          each replica's transport probed on its own
 */
import { StreamableHttpLink } from '../backends/http/streamable-http-link.js';
import { LegacySseLink } from '../backends/http/legacy-sse-link.js';
import { ScopedSseLink } from '../backends/http/scoped-sse-link.js';
import { ProbedHttpLink } from '../backends/http/probed-http-link.js';
import { ScopedLinks } from '../backends/scoped-links.js';
import { Replica } from '../backends/replica.js';
import { stdioWireName } from '../ipc/stdio-protocol.js';
import type { PrimaryChannel } from '../backends/stdio-link.js';
import type { BackendLink, LinkEvents, ReplicaTag, ScopeServices, ScopedLink } from '../backends/link.js';
import type { UpstreamScope } from './upstream-scope.js';
import type { HttpServerConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';

export interface ReplicaLinkDeps {
  readonly primary: PrimaryChannel | undefined;
  /** What per-client links need from the worker; without it every server is served shared. */
  readonly scopes: ScopeServices | undefined;
  readonly logger: Logger;
  /** The events of one replica's shared link. */
  events(replicaId: string): LinkEvents;
}

/** Every replica of `server`, links made but not started. */
export function replicaLinks(server: ServerConfig, deps: ReplicaLinkDeps): Replica[] {
  const ids = server.replicas.length > 0 ? server.replicas.map((r) => r.id) : ['1'];
  return ids.map((id, i) => {
    const tag: ReplicaTag = { id, first: i === 0, siblings: ids.length > 1 };
    const events = deps.events(id);
    let link: BackendLink;
    if (server.type === 'stdio') {
      if (!deps.primary) throw new Error(`stdio backend ${server.name} needs the primary process`);
      link = deps.primary.link(stdioWireName(server.name, id), events);
    } else if (server.probeTransport) {
      link = new ProbedHttpLink(replicaConfig(server, i), events, deps.logger);
    } else if (server.type === 'sse') {
      link = new LegacySseLink(replicaConfig(server, i), events, deps.logger);
    } else {
      link = new StreamableHttpLink(replicaConfig(server, i), events, deps.logger);
    }
    return new Replica(id, link, scopedLinks(server, i, tag, link, deps));
  });
}

/** An HTTP server's config as one replica's links see it: that replica's URL and headers. */
function replicaConfig(server: HttpServerConfig, index: number): HttpServerConfig {
  const replica = server.replicas[index];
  if (!replica || (replica.url === server.url && replica.headers === server.headers)) return server;
  return { ...server, url: replica.url, headers: replica.headers };
}

/** Per-client links of one replica of a server whose isolation is not `shared` (used while it speaks a 2025 revision). */
function scopedLinks(server: ServerConfig, index: number, tag: ReplicaTag, link: BackendLink, deps: ReplicaLinkDeps): ScopedLinks | undefined {
  const services = deps.scopes;
  if (!services || server.common.isolation === 'shared') return undefined;
  let create: ((scope: UpstreamScope) => ScopedLink) | undefined;
  if (server.type === 'stdio') create = (scope) => deps.primary!.scopedLink(server.name, tag, scope, services);
  else if (link instanceof StreamableHttpLink || link instanceof ProbedHttpLink) create = (scope) => link.scoped(scope, services, tag);
  else if (server.type === 'sse') {
    const config = replicaConfig(server, index);
    create = (scope) => new ScopedSseLink(config, tag, scope, services.home(scope), services, deps.logger, () => link.status());
  }
  return create ? new ScopedLinks(create, server.common.idleTimeoutMs) : undefined;
}
