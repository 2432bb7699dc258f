/**
 * The `auth:` section as written on disk: who may call (API keys, JWT, OAuth
 * resource server), what each role may use, how much, where the audit goes,
 * and which credentials each backend receives per caller.
 *
 * Structure lives in the zod objects (which feed the editor JSON Schema);
 * rules that tie keys of this section together live in checkAuth, run by the
 * same parse so a file's problems are reported in one go. Rules that need
 * the servers or the disk (an upstream entry naming an unknown server, a key
 * file that cannot be read) are checked in auth-normalise.ts.
 */
import * as z from 'zod';
import {
  DEFAULT_AUDIT_MAX_ARGUMENT_BYTES,
  DEFAULT_AUDIT_REDACT_KEYS,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_REFRESH_MS,
  MAX_API_KEYS,
  MAX_CLOCK_SKEW_SECONDS,
  MAX_PRINCIPAL_CHARS,
  MAX_RATE_WINDOW_SECONDS,
  MIN_HMAC_SECRET_BYTES,
} from '../auth/defaults.js';
import { intInRange, nonEmptyString, urlString } from './schema-parts.js';

export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export const isHmacAlgorithm = (alg: string): boolean => alg.startsWith('HS');

/** Methods a rate limit can count. */
export const RATE_LIMITED_METHODS = ['tools/call', 'resources/read', 'prompts/get'] as const;
/** What one bucket of a rate limit belongs to. */
export const RATE_LIMIT_DIMENSIONS = ['principal', 'role', 'tool'] as const;

export const ROLE_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const ROLE_NAME_RULE = 'a role name is 1-64 characters of A-Z, a-z, 0-9, "_", "-", "." and ":"';
export const API_KEY_HASH_PATTERN = /^sha256:[A-Za-z0-9_-]{43}$/;
const API_KEY_HASH_RULE = 'expected "sha256:" and 43 base64url characters, as printed by `only1mcp auth hash-key`';

const httpUrl = urlString(['http:', 'https:'], 'expected an http:// or https:// URL');
const roleName = z.string().regex(ROLE_NAME_PATTERN, { error: ROLE_NAME_RULE });
const roleList = z.array(roleName);
const globList = z.array(nonEmptyString);
const oneOrMany = (what: string) =>
  z.union([nonEmptyString, z.array(nonEmptyString).min(1, { error: 'must not be empty' })], { error: `expected ${what} or a list of them` });

const ApiKeySchema = z.strictObject({
  principal: nonEmptyString.max(MAX_PRINCIPAL_CHARS, { error: `must be at most ${MAX_PRINCIPAL_CHARS} characters` }).describe('The principal a request with this key acts as (audit lines and session ownership name it).'),
  hash: z.string().regex(API_KEY_HASH_PATTERN, { error: API_KEY_HASH_RULE }).describe('SHA-256 of the key, as printed by `only1mcp auth hash-key`; the key itself is never written in config.'),
  roles: roleList.optional().describe('Roles of this key (names under auth.roles).'),
});

const JwtObject = z
  .strictObject({
    jwksUrl: httpUrl.optional().describe('Where the signing keys are published (JWKS). Fetched at start, refreshed in the background, refetched on an unknown kid (rate-limited).'),
    publicKey: nonEmptyString.optional().describe('A static public key: PEM (SPKI) or one JWK as JSON. Needs algorithms.'),
    publicKeyFile: nonEmptyString.optional().describe('Same as publicKey, read from this file when the config loads (relative to the config file).'),
    secret: nonEmptyString
      .optional()
      .describe(`A shared secret for HS256/HS384/HS512, at least ${MIN_HMAC_SECRET_BYTES} bytes; write it as \${VAR}, never in the file.`),
    algorithms: z
      .array(z.enum(JWT_ALGORITHMS))
      .min(1, { error: 'must not be empty' })
      .optional()
      .describe('Accepted signing algorithms; anything else (and "none") is refused. Default: RS256, ES256, EdDSA with jwksUrl; HS256 with secret.'),
    issuer: oneOrMany('an issuer').optional().describe('Accepted iss values. Required, unless oauth.authorizationServers names them.'),
    audience: oneOrMany('an audience').optional().describe('Accepted aud values. Required, unless oauth.resource sets it (then it must include that URL).'),
    clockSkewSeconds: intInRange(0, MAX_CLOCK_SKEW_SECONDS, 'seconds')
      .optional()
      .describe(`Tolerance for exp and nbf. Default ${DEFAULT_CLOCK_SKEW_SECONDS}.`),
    principalClaim: nonEmptyString.optional().describe('Claim holding the principal id; dots walk into objects. Default "sub".'),
    rolesClaim: nonEmptyString
      .optional()
      .describe('Claim holding the roles: a list of strings or one space-separated string (e.g. "scope"); dots walk into objects ("realm_access.roles"). Default "roles".'),
    jwksRefreshSeconds: intInRange(60, 86_400, 'seconds')
      .optional()
      .describe(`How long a fetched key set is used before a background refresh. Default ${DEFAULT_JWKS_REFRESH_MS / 1000}.`),
    jwksCooldownSeconds: intInRange(1, 3_600, 'seconds')
      .optional()
      .describe(`Least time between two fetches caused by unknown kids. Default ${DEFAULT_JWKS_COOLDOWN_MS / 1000}.`),
  });
const JwtSchema = JwtObject.superRefine(checkJwt).describe('Bearer JWTs, verified with the jose library.');

const OAuthSchema = z
  .strictObject({
    resource: httpUrl.describe('This gateway\'s MCP endpoint as clients reach it (e.g. https://mcp.example.com/mcp): the RFC 9728 resource and the audience tokens must carry (RFC 8707).'),
    authorizationServers: z.array(httpUrl).min(1, { error: 'must not be empty' }).describe('Issuer URLs of the authorization servers clients get tokens from; also the accepted iss values unless jwt.issuer is set.'),
    scopesSupported: z.array(nonEmptyString).optional().describe('Scopes listed in the protected-resource metadata.'),
    requiredScopes: z.array(nonEmptyString).optional().describe('Scopes every token must carry (scope or scp claim); others get 403 insufficient_scope naming them.'),
    resourceDocumentation: httpUrl.optional().describe('A page for people about this gateway, listed in the metadata.'),
  })
  .describe('OAuth 2.1 resource server (MCP authorization): 401 with WWW-Authenticate resource_metadata, RFC 9728 metadata at /.well-known/oauth-protected-resource. Tokens are JWTs checked as auth.jwt says.');

const RoleSchema = z
  .strictObject({
    servers: globList.optional().describe('Globs on server names: every tool, resource and prompt of these servers.'),
    tools: globList.optional().describe('Globs on tool names as clients see them ("ev__echo", "github__list_*").'),
    originalTools: z.record(nonEmptyString, globList).optional().describe('Server-name glob → globs on the tool names that server itself uses.'),
    resources: globList.optional().describe('Globs on resource URIs ("*" stops at "/", "**" does not).'),
    prompts: globList.optional().describe('Globs on prompt names as clients see them.'),
    admin: z.boolean().optional().describe('The admin API and operator views. Default false.'),
  })
  .describe('What holders of this role may list and use; grants of several roles add up.');

const perDimension = z.enum(RATE_LIMIT_DIMENSIONS);
const RateLimitSchema = z
  .strictObject({
    name: z.string().regex(ROLE_NAME_PATTERN, { error: 'a rate limit name is 1-64 characters of A-Z, a-z, 0-9, "_", "-", "." and ":"' }).describe('Named in refusals and audit lines.'),
    roles: roleList.optional().describe('Applies to principals holding any of these roles. Default: everyone.'),
    principals: z.array(nonEmptyString).optional().describe('Applies to these principals (besides roles, if given).'),
    methods: z.array(z.enum(RATE_LIMITED_METHODS)).min(1, { error: 'must not be empty' }).optional().describe('What counts. Default ["tools/call"].'),
    tools: globList.optional().describe('Only calls of these tools (names as clients see them) count. Default: every tool.'),
    per: z
      .union([perDimension, z.array(perDimension)], { error: 'expected "principal", "role", "tool" or a list of them' })
      .optional()
      .describe('Whose bucket a call takes from: principal (each caller its own), role (each matching role one, shared), tool (each tool its own); a list combines them, [] is one bucket for all. Default principal.'),
    limit: intInRange(1, 1_000_000, 'calls').describe('Calls per window, held across every worker and node through the shared store.'),
    windowSeconds: intInRange(1, MAX_RATE_WINDOW_SECONDS, 'seconds').describe('The window limit refills over (a token bucket: limit/windowSeconds per second).'),
    burst: intInRange(1, 1_000_000, 'calls').optional().describe('Most calls taken at once from a full bucket. Default limit.'),
  })
  .superRefine((r, ctx) => {
    if (r.tools !== undefined && r.methods !== undefined && !r.methods.includes('tools/call')) {
      ctx.addIssue({ code: 'custom', path: ['tools'], message: 'tools filters tools/call, which methods does not include' });
    }
  })
  .describe('A token bucket.');

const AuditSchema = z
  .strictObject({
    stream: z.enum(['stdout', 'stderr']).optional().describe('Write audit lines to this stream (logs go to stderr). Default stdout unless file is set.'),
    file: nonEmptyString.optional().describe('Append audit lines to this file (relative to the config file).'),
    arguments: z.boolean().optional().describe('Include call arguments (redacted). Default false.'),
    redact: globList.optional().describe(`Argument keys (globs, any depth, case-insensitive) whose values are replaced by "[redacted]". Default ${DEFAULT_AUDIT_REDACT_KEYS.join(', ')}.`),
    maxArgumentBytes: intInRange(16, 1024 * 1024, 'bytes').optional().describe(`Audited arguments are cut past this size. Default ${DEFAULT_AUDIT_MAX_ARGUMENT_BYTES}.`),
  })
  .refine((a) => a.stream === undefined || a.file === undefined, { error: 'stream and file are two destinations; keep one', path: ['file'] })
  .describe('One JSON line per call, read and refusal: who, what, which backend, outcome, duration.');

const SecretValueSchema = z.union(
  [
    z.string(),
    z.strictObject({
      file: nonEmptyString.describe('Read the value from this file when the config loads (trailing newline removed; relative to the config file).'),
      prefix: z.string().optional().describe('Put before the file\'s content (e.g. "Bearer ").'),
    }),
  ],
  { error: 'expected a string or { file, prefix }' },
);

const PrincipalCredentialsSchema = z.strictObject({
  headers: z.record(z.string(), SecretValueSchema).optional().describe('HTTP servers: headers sent for this principal (over the server\'s own).'),
  env: z.record(z.string(), SecretValueSchema).optional().describe('stdio servers: environment for this principal\'s child (needs per-principal isolation).'),
});

const TokenExchangeSchema = z
  .strictObject({
    tokenEndpoint: httpUrl.describe('The authorization server\'s token endpoint (RFC 8693 token exchange).'),
    clientId: nonEmptyString.describe('The gateway\'s client id at that server.'),
    clientSecret: nonEmptyString.optional().describe('The gateway\'s client secret (HTTP Basic); write it as ${VAR}.'),
    audience: nonEmptyString.optional().describe('The audience asked for: the backend.'),
    resource: httpUrl.optional().describe('The resource asked for: the backend\'s URL (RFC 8707).'),
    scope: nonEmptyString.optional().describe('Scopes asked for, space-separated.'),
    header: nonEmptyString.optional().describe('HTTP servers: the header carrying the exchanged token as "Bearer <token>". Default Authorization.'),
    envVar: nonEmptyString.optional().describe('stdio servers: the variable carrying the exchanged token (set when the principal\'s child starts).'),
  })
  .refine((t) => t.audience !== undefined || t.resource !== undefined, { error: 'needs audience or resource: which backend the exchanged token is for' })
  .describe('Give the backend a token minted for the caller (RFC 8693), never the caller\'s own. Only callers authenticated by JWT have a token to exchange.');

const UpstreamSchema = z
  .strictObject({
    principals: z.record(nonEmptyString, PrincipalCredentialsSchema).optional().describe('Static credentials per principal.'),
    tokenExchange: TokenExchangeSchema.optional(),
    unlisted: z
      .enum(['deny', 'server-credentials'])
      .optional()
      .describe('Callers with neither a principals entry nor a token to exchange: deny (refused with a permission error) or server-credentials (the server\'s own headers/env). Default deny.'),
  })
  .describe('Credentials this server receives per caller.');

const AuthObject = z
  .strictObject({
    allowUnauthenticated: z
      .boolean()
      .optional()
      .describe('Requests without credentials pass as principal "anonymous" (with anonymousRoles). Also allows listening beyond loopback without any authentication mode. Default false.'),
    anonymousRoles: roleList.optional().describe('Roles of the "anonymous" principal (needs allowUnauthenticated).'),
    defaultRoles: roleList.optional().describe('Roles every authenticated principal has besides its own.'),
    apiKeys: z.array(ApiKeySchema).max(MAX_API_KEYS, { error: `at most ${MAX_API_KEYS} keys` }).optional().describe('API keys (Authorization: Bearer <key> or X-API-Key: <key>), stored as hashes.'),
    jwt: JwtSchema.optional(),
    oauth: OAuthSchema.optional(),
    roles: z.record(z.string().regex(ROLE_NAME_PATTERN, { error: ROLE_NAME_RULE }), RoleSchema).optional().describe('Roles by name. Without roles every authenticated principal may use everything (but the admin API needs a role with admin: true).'),
    rateLimits: z.array(RateLimitSchema).optional().describe('Token buckets in the shared store, checked before a call is forwarded.'),
    audit: AuditSchema.optional(),
    upstream: z.record(nonEmptyString, UpstreamSchema).optional().describe('Per server name: the credentials it receives for each caller. Backends never see the caller\'s token.'),
  });
export const AuthSchema = AuthObject.superRefine(checkAuth).describe('Who may call, what each role may use, how much, and a record of it. Without this section every request is the principal "anonymous" and may use everything.');

export type AuthFile = z.output<typeof AuthObject>;
export type JwtFile = z.output<typeof JwtObject>;
export type RoleFile = z.output<typeof RoleSchema>;
export type RateLimitFile = z.output<typeof RateLimitSchema>;
export type AuditFile = z.output<typeof AuditSchema>;
export type UpstreamFile = z.output<typeof UpstreamSchema>;
export type SecretValueFile = z.output<typeof SecretValueSchema>;

const KEY_SOURCES = ['jwksUrl', 'publicKey', 'publicKeyFile', 'secret'] as const;

function checkJwt(j: JwtFile, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  const sources = KEY_SOURCES.filter((k) => j[k] !== undefined);
  if (sources.length === 0) fail([], 'needs one key source: jwksUrl, publicKey, publicKeyFile or secret');
  for (const extra of sources.slice(1)) fail([extra], `${sources[0]} and ${extra} are two key sources; keep one`);
  const source = sources[0];
  if (source === 'secret') {
    if (Buffer.byteLength(j.secret as string) < MIN_HMAC_SECRET_BYTES) fail(['secret'], `must be at least ${MIN_HMAC_SECRET_BYTES} bytes (RFC 7518 §3.2)`);
    j.algorithms?.forEach((alg, i) => {
      if (!isHmacAlgorithm(alg)) fail(['algorithms', i], `${alg} needs a public key, not a shared secret`);
    });
  } else if (source !== undefined) {
    // A key source is asymmetric or symmetric, never both: this is what refuses HS/RS confusion.
    j.algorithms?.forEach((alg, i) => {
      if (isHmacAlgorithm(alg)) fail(['algorithms', i], `${alg} needs a shared secret; with ${source} only public-key algorithms are accepted`);
    });
    if (source !== 'jwksUrl' && j.algorithms === undefined) fail(['algorithms'], `is required with ${source} (the key's algorithm, e.g. [RS256])`);
  }
}

function checkAuth(a: AuthFile, ctx: z.RefinementCtx): void {
  const fail = (path: (string | number)[], message: string): void => ctx.addIssue({ code: 'custom', path, message });
  const modes = (a.apiKeys?.length ?? 0) > 0 || a.jwt !== undefined;
  if (!modes && a.allowUnauthenticated !== true) {
    fail([], 'configures no way to authenticate: add apiKeys or jwt, or set allowUnauthenticated: true to serve everyone as "anonymous"');
  }
  if (a.anonymousRoles !== undefined && a.allowUnauthenticated !== true) fail(['anonymousRoles'], 'needs allowUnauthenticated: true (without it nobody is anonymous)');

  const defined = new Set(Object.keys(a.roles ?? {}));
  const checkRoles = (list: readonly string[] | undefined, at: (string | number)[]): void =>
    list?.forEach((r, i) => {
      // A malformed name already has its own message.
      if (!defined.has(r) && ROLE_NAME_PATTERN.test(r)) fail([...at, i], `role "${r}" is not defined under auth.roles`);
    });
  checkRoles(a.anonymousRoles, ['anonymousRoles']);
  checkRoles(a.defaultRoles, ['defaultRoles']);
  a.apiKeys?.forEach((k, i) => checkRoles(k.roles, ['apiKeys', i, 'roles']));
  a.rateLimits?.forEach((r, i) => checkRoles(r.roles, ['rateLimits', i, 'roles']));

  const hashes = new Map<string, number>();
  a.apiKeys?.forEach((k, i) => {
    const first = hashes.get(k.hash);
    if (first !== undefined) fail(['apiKeys', i, 'hash'], `the same key as apiKeys[${first}]`);
    else hashes.set(k.hash, i);
  });
  const names = new Map<string, number>();
  a.rateLimits?.forEach((r, i) => {
    const first = names.get(r.name);
    if (first !== undefined) fail(['rateLimits', i, 'name'], `"${r.name}" is already the name of rateLimits[${first}]`);
    else names.set(r.name, i);
  });

  if (a.oauth !== undefined && a.jwt === undefined) fail(['oauth'], 'needs jwt: access tokens are verified as JWTs with the authorization server\'s keys (jwt.jwksUrl)');
  if (a.jwt !== undefined) {
    if (a.jwt.issuer === undefined && a.oauth === undefined) fail(['jwt'], 'needs issuer (or oauth.authorizationServers): tokens of any issuer the keys sign for would pass');
    if (a.jwt.audience === undefined && a.oauth === undefined) fail(['jwt'], 'needs audience (or oauth.resource): tokens minted for other services would pass');
    const aud = a.jwt.audience === undefined ? undefined : [a.jwt.audience].flat();
    if (a.oauth !== undefined && aud !== undefined && !aud.includes(a.oauth.resource)) {
      fail(['jwt', 'audience'], `must include oauth.resource ("${a.oauth.resource}"): tokens are bound to this gateway (RFC 8707)`);
    }
  }
}
