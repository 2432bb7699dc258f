/**
 * The gateway as an OAuth 2.1 resource server, as the MCP authorization
 * specification asks:
 *
 * - Protected Resource Metadata (RFC 9728): a JSON document served at
 *   `/.well-known/oauth-protected-resource` followed by the resource's path
 *   (`https://gw.example/mcp` → `/.well-known/oauth-protected-resource/mcp`),
 *   and at the bare well-known path for clients that try that first;
 * - a 401 carries `WWW-Authenticate: Bearer resource_metadata="<that URL>"`
 *   (and `scope` when scopes are required), so a client's OAuth provider can
 *   discover the authorization server from the gateway alone;
 * - tokens must name the resource URL as audience (RFC 8707), which
 *   auth-normalise.ts makes jwt.audience's default.
 */
import type { OAuthConfig } from '../config/auth-model.js';

export const WELL_KNOWN_PROTECTED_RESOURCE = '/.well-known/oauth-protected-resource';

export interface ProtectedResourceMetadata {
  /** The resource_metadata URL named in WWW-Authenticate. */
  readonly url: string;
  /** Request paths that serve the document (path-suffixed form first). */
  readonly paths: readonly string[];
  /** The JSON text to answer with. */
  readonly body: string;
  /** Response headers: JSON, cacheable, readable by browser-based clients of any origin (it is public). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Browsers and SDK clients may cache the document this long. */
export const METADATA_MAX_AGE_SECONDS = 3_600;

export function protectedResourceMetadata(oauth: OAuthConfig): ProtectedResourceMetadata {
  const resource = new URL(oauth.resource);
  const suffix = resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '');
  const document: Record<string, unknown> = {
    resource: oauth.resource,
    authorization_servers: oauth.authorizationServers,
    bearer_methods_supported: ['header'],
  };
  if (oauth.scopesSupported.length > 0) document.scopes_supported = oauth.scopesSupported;
  if (oauth.resourceDocumentation !== undefined) document.resource_documentation = oauth.resourceDocumentation;
  const paths = suffix === '' ? [WELL_KNOWN_PROTECTED_RESOURCE] : [WELL_KNOWN_PROTECTED_RESOURCE + suffix, WELL_KNOWN_PROTECTED_RESOURCE];
  return Object.freeze({
    url: `${resource.origin}${paths[0]}`,
    paths: Object.freeze(paths),
    body: JSON.stringify(document),
    headers: Object.freeze({
      'content-type': 'application/json',
      'cache-control': `public, max-age=${METADATA_MAX_AGE_SECONDS}`,
      'access-control-allow-origin': '*',
    }),
  });
}

export interface ChallengeParams {
  readonly realm?: string | undefined;
  readonly resourceMetadata?: string | undefined;
  readonly scope?: string | undefined;
  /** RFC 6750 §3.1: invalid_request, invalid_token, insufficient_scope; omitted when no credentials were sent. */
  readonly error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope' | undefined;
  readonly errorDescription?: string | undefined;
}

/** A `WWW-Authenticate: Bearer ...` value (RFC 6750 §3). */
export function bearerChallenge(p: ChallengeParams): string {
  const params: string[] = [];
  if (p.realm !== undefined) params.push(`realm="${quotable(p.realm)}"`);
  if (p.resourceMetadata !== undefined) params.push(`resource_metadata="${quotable(p.resourceMetadata)}"`);
  if (p.scope !== undefined && p.scope !== '') params.push(`scope="${quotable(p.scope)}"`);
  if (p.error !== undefined) params.push(`error="${p.error}"`);
  if (p.errorDescription !== undefined) params.push(`error_description="${quotable(p.errorDescription)}"`);
  return params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`;
}

/** RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E in these values: no quote, no backslash, no control characters. */
function quotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
