/**
 * A validated `auth:` section → AuthConfig: defaults filled in, files read
 * (static public keys, secret files), and the rules that need the servers
 * checked (an upstream entry for an unknown server, headers for a stdio one).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_AUDIT_MAX_ARGUMENT_BYTES,
  DEFAULT_AUDIT_REDACT_KEYS,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_JWKS_COOLDOWN_MS,
  DEFAULT_JWKS_REFRESH_MS,
} from '../auth/defaults.js';
import { keyMismatch, parsePublicKey } from '../auth/jwt-keys.js';
import type { AuthConfig, JwtConfig, JwtKeySource, PrincipalCredentials, RateLimitConfig, RoleConfig, UpstreamConfig } from './auth-model.js';
import type { AuthFile, JwtFile, RateLimitFile, RoleFile, SecretValueFile, UpstreamFile } from './auth-schema.js';
import type { ServerConfig } from './model.js';
import type { PathIssue } from './zod-issues.js';

type KeyPath = (string | number)[];

/** What the gateway runs with when the file has no `auth:` section. */
export const AUTH_DISABLED: AuthConfig = {
  enabled: false,
  allowUnauthenticated: true,
  anonymousRoles: [],
  defaultRoles: [],
  apiKeys: [],
  jwt: undefined,
  oauth: undefined,
  roles: {},
  rateLimits: [],
  audit: undefined,
  upstream: {},
};

export interface AuthContext {
  readonly baseDir: string;
  readonly servers: readonly ServerConfig[];
  readonly issues: PathIssue[];
}

export function normaliseAuth(a: AuthFile | undefined, ctx: AuthContext): AuthConfig {
  if (a === undefined) return { ...AUTH_DISABLED };
  const readFile = fileReader(ctx);
  return {
    enabled: true,
    allowUnauthenticated: a.allowUnauthenticated ?? false,
    anonymousRoles: [...(a.anonymousRoles ?? [])],
    defaultRoles: [...(a.defaultRoles ?? [])],
    apiKeys: (a.apiKeys ?? []).map((k) => ({ principal: k.principal, hash: k.hash, roles: [...(k.roles ?? [])] })),
    jwt: a.jwt === undefined ? undefined : normaliseJwt(a.jwt, a, readFile, ctx.issues),
    oauth:
      a.oauth === undefined
        ? undefined
        : {
            resource: a.oauth.resource,
            authorizationServers: [...a.oauth.authorizationServers],
            scopesSupported: [...(a.oauth.scopesSupported ?? a.oauth.requiredScopes ?? [])],
            requiredScopes: [...(a.oauth.requiredScopes ?? [])],
            resourceDocumentation: a.oauth.resourceDocumentation,
          },
    roles: Object.fromEntries(Object.entries(a.roles ?? {}).map(([name, r]) => [name, normaliseRole(r)])),
    rateLimits: (a.rateLimits ?? []).map(normaliseRateLimit),
    audit:
      a.audit === undefined
        ? undefined
        : {
            destination: a.audit.file !== undefined ? { kind: 'file', path: path.resolve(ctx.baseDir, a.audit.file) } : { kind: 'stream', fd: a.audit.stream === 'stderr' ? 2 : 1 },
            arguments: a.audit.arguments ?? false,
            redactKeys: [...(a.audit.redact ?? DEFAULT_AUDIT_REDACT_KEYS)],
            maxArgumentBytes: a.audit.maxArgumentBytes ?? DEFAULT_AUDIT_MAX_ARGUMENT_BYTES,
          },
    upstream: Object.fromEntries(
      Object.entries(a.upstream ?? {}).map(([server, u]) => [server, normaliseUpstream(server, u, ctx, readFile)]),
    ),
  };
}

type FileReader = (file: string, at: KeyPath) => string;

function fileReader(ctx: AuthContext): FileReader {
  return (file, at) => {
    try {
      return readFileSync(path.resolve(ctx.baseDir, file), 'utf8');
    } catch (err) {
      ctx.issues.push({ path: ['auth', ...at], message: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      return '';
    }
  };
}

function normaliseJwt(j: JwtFile, a: AuthFile, readFile: FileReader, issues: PathIssue[]): JwtConfig {
  let keys: JwtKeySource;
  if (j.jwksUrl !== undefined) {
    keys = {
      kind: 'jwks',
      url: j.jwksUrl,
      refreshMs: j.jwksRefreshSeconds === undefined ? DEFAULT_JWKS_REFRESH_MS : j.jwksRefreshSeconds * 1000,
      cooldownMs: j.jwksCooldownSeconds === undefined ? DEFAULT_JWKS_COOLDOWN_MS : j.jwksCooldownSeconds * 1000,
    };
  } else if (j.secret !== undefined) {
    keys = { kind: 'secret', secret: j.secret };
  } else {
    const keyAt = ['auth', 'jwt', j.publicKey !== undefined ? 'publicKey' : 'publicKeyFile'];
    const text = j.publicKey ?? readFile(j.publicKeyFile as string, ['jwt', 'publicKeyFile']);
    keys = { kind: 'public-key', key: text };
    if (text !== '') checkPublicKey(text, j.algorithms ?? [], keyAt, issues);
  }
  const oauth = a.oauth;
  return {
    keys,
    algorithms: [...(j.algorithms ?? (keys.kind === 'secret' ? ['HS256'] : ['RS256', 'ES256', 'EdDSA']))],
    issuers: j.issuer !== undefined ? [j.issuer].flat() : [...(oauth?.authorizationServers ?? [])],
    audiences: j.audience !== undefined ? [j.audience].flat() : oauth !== undefined ? [oauth.resource] : [],
    clockSkewSeconds: j.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    principalClaim: (j.principalClaim ?? 'sub').split('.'),
    rolesClaim: (j.rolesClaim ?? 'roles').split('.'),
  };
}

/** A static key that cannot verify the configured algorithms is a config error, not a 401 for every caller. */
function checkPublicKey(text: string, algorithms: readonly string[], at: KeyPath, issues: PathIssue[]): void {
  try {
    const key = parsePublicKey(text);
    algorithms.forEach((alg, i) => {
      const why = keyMismatch(key, alg);
      if (why !== undefined) issues.push({ path: ['auth', 'jwt', 'algorithms', i], message: why });
    });
  } catch (err) {
    issues.push({ path: at, message: (err as Error).message });
  }
}

function normaliseRole(r: RoleFile): RoleConfig {
  return {
    servers: [...(r.servers ?? [])],
    tools: [...(r.tools ?? [])],
    originalTools: Object.fromEntries(Object.entries(r.originalTools ?? {}).map(([s, g]) => [s, [...g]])),
    resources: [...(r.resources ?? [])],
    prompts: [...(r.prompts ?? [])],
    admin: r.admin ?? false,
  };
}

function normaliseRateLimit(r: RateLimitFile): RateLimitConfig {
  const per = r.per === undefined ? ['principal' as const] : [r.per].flat();
  return {
    name: r.name,
    roles: r.roles === undefined ? undefined : [...r.roles],
    principals: r.principals === undefined ? undefined : [...r.principals],
    methods: [...(r.methods ?? ['tools/call'])],
    tools: r.tools === undefined ? undefined : [...r.tools],
    // Sorted and unique: the bucket key must not depend on how the list was written.
    per: [...new Set(per)].sort(),
    limit: r.limit,
    windowMs: r.windowSeconds * 1000,
    burst: r.burst ?? r.limit,
  };
}

function normaliseUpstream(server: string, u: UpstreamFile, ctx: AuthContext, readFile: FileReader): UpstreamConfig {
  const at: KeyPath = ['upstream', server];
  const s = ctx.servers.find((c) => c.name === server);
  const fail = (sub: KeyPath, message: string): void => {
    ctx.issues.push({ path: ['auth', ...at, ...sub], message });
  };
  if (s === undefined) fail([], `no server is named "${server}"`);
  const stdio = s?.type === 'stdio';
  const secret = (v: SecretValueFile, where: KeyPath): string => {
    if (typeof v === 'string') return v;
    return (v.prefix ?? '') + readFile(v.file, [...at, ...where, 'file']).replace(/\r?\n$/, '');
  };
  const principals: Record<string, PrincipalCredentials> = {};
  for (const [id, p] of Object.entries(u.principals ?? {})) {
    if (s !== undefined && stdio && p.headers !== undefined) fail(['principals', id, 'headers'], 'headers applies only to HTTP servers; a stdio server gets env');
    if (s !== undefined && !stdio && p.env !== undefined) fail(['principals', id, 'env'], 'env applies only to stdio servers; an HTTP server gets headers');
    principals[id] = {
      headers: Object.fromEntries(Object.entries(p.headers ?? {}).map(([k, v]) => [k, secret(v, ['principals', id, 'headers', k])])),
      env: Object.fromEntries(Object.entries(p.env ?? {}).map(([k, v]) => [k, secret(v, ['principals', id, 'env', k])])),
    };
  }
  const t = u.tokenExchange;
  let tokenExchange: UpstreamConfig['tokenExchange'];
  if (t !== undefined) {
    if (s !== undefined && stdio && t.header !== undefined) fail(['tokenExchange', 'header'], 'header applies only to HTTP servers; a stdio server gets envVar');
    if (s !== undefined && !stdio && t.envVar !== undefined) fail(['tokenExchange', 'envVar'], 'envVar applies only to stdio servers; an HTTP server gets header');
    if (stdio && t.envVar === undefined) fail(['tokenExchange'], 'needs envVar: the variable that carries the token to the stdio server');
    tokenExchange = {
      tokenEndpoint: t.tokenEndpoint,
      clientId: t.clientId,
      clientSecret: t.clientSecret,
      audience: t.audience,
      resource: t.resource,
      scope: t.scope,
      target: stdio ? { kind: 'env', name: t.envVar ?? '' } : { kind: 'header', name: t.header ?? 'Authorization' },
    };
  }
  return { server, principals, tokenExchange, unlisted: u.unlisted ?? 'deny' };
}
