/**
 * The normalised `auth:` section: what src/auth/ builds its gate, authorizer,
 * limiter, audit log and credential resolver from. Plain data (frozen with
 * the rest of the config); keys and secrets stay text here and are decoded
 * by src/auth/ when it builds its objects.
 */

export type JwtKeySource =
  | { readonly kind: 'jwks'; readonly url: string; readonly refreshMs: number; readonly cooldownMs: number }
  /** PEM (SPKI) or one JWK as JSON text. */
  | { readonly kind: 'public-key'; readonly key: string }
  | { readonly kind: 'secret'; readonly secret: string };

export interface JwtConfig {
  readonly keys: JwtKeySource;
  readonly algorithms: readonly string[];
  readonly issuers: readonly string[];
  readonly audiences: readonly string[];
  readonly clockSkewSeconds: number;
  /** Claim path, split at dots. */
  readonly principalClaim: readonly string[];
  readonly rolesClaim: readonly string[];
}

export interface OAuthConfig {
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[];
  readonly requiredScopes: readonly string[];
  readonly resourceDocumentation: string | undefined;
}

export interface ApiKeyConfig {
  readonly principal: string;
  /** "sha256:<base64url>". */
  readonly hash: string;
  readonly roles: readonly string[];
}

export interface RoleConfig {
  readonly servers: readonly string[];
  readonly tools: readonly string[];
  /** Server-name glob → globs on that server's own tool names. */
  readonly originalTools: Readonly<Record<string, readonly string[]>>;
  readonly resources: readonly string[];
  readonly prompts: readonly string[];
  readonly admin: boolean;
}

export type RateLimitDimension = 'principal' | 'role' | 'tool';
export type RateLimitedMethod = 'tools/call' | 'resources/read' | 'prompts/get';

export interface RateLimitConfig {
  readonly name: string;
  /** undefined: everyone (unless principals narrows it). */
  readonly roles: readonly string[] | undefined;
  readonly principals: readonly string[] | undefined;
  readonly methods: readonly RateLimitedMethod[];
  /** Globs on exposed tool names; undefined: every tool. */
  readonly tools: readonly string[] | undefined;
  readonly per: readonly RateLimitDimension[];
  readonly limit: number;
  readonly windowMs: number;
  readonly burst: number;
}

export interface AuditConfig {
  readonly destination: { readonly kind: 'stream'; readonly fd: 1 | 2 } | { readonly kind: 'file'; readonly path: string };
  readonly arguments: boolean;
  readonly redactKeys: readonly string[];
  readonly maxArgumentBytes: number;
}

export interface PrincipalCredentials {
  readonly headers: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
}

export interface TokenExchangeConfig {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly audience: string | undefined;
  readonly resource: string | undefined;
  readonly scope: string | undefined;
  /** Where the token goes: a header (HTTP servers, value "Bearer <token>") or a variable (stdio). */
  readonly target: { readonly kind: 'header'; readonly name: string } | { readonly kind: 'env'; readonly name: string };
}

export interface UpstreamConfig {
  readonly server: string;
  readonly principals: Readonly<Record<string, PrincipalCredentials>>;
  readonly tokenExchange: TokenExchangeConfig | undefined;
  readonly unlisted: 'deny' | 'server-credentials';
}

export interface AuthConfig {
  /**
   * False without an `auth:` section: no authentication, no authorization,
   * every request is "anonymous" and may use everything (the gateway then
   * refuses to listen beyond loopback unless told to).
   */
  readonly enabled: boolean;
  readonly allowUnauthenticated: boolean;
  readonly anonymousRoles: readonly string[];
  readonly defaultRoles: readonly string[];
  readonly apiKeys: readonly ApiKeyConfig[];
  readonly jwt: JwtConfig | undefined;
  readonly oauth: OAuthConfig | undefined;
  /** Empty: no RBAC (every authenticated principal may use every tool, resource and prompt). */
  readonly roles: Readonly<Record<string, RoleConfig>>;
  readonly rateLimits: readonly RateLimitConfig[];
  readonly audit: AuditConfig | undefined;
  /** By server name. */
  readonly upstream: Readonly<Record<string, UpstreamConfig>>;
}
