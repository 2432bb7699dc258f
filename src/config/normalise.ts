/**
 * A validated config file → the GatewayConfig the rest of the gateway reads:
 * defaults filled in from defaults.ts, client aliases resolved, paths made
 * absolute, env files read. Problems only visible across servers or on disk
 * (a prefix used twice, an unreadable envFile) are reported here.
 */
import os from 'node:os';
import path from 'node:path';
import { declaredType, resolveCallTimeoutMs, resolveEnabled, resolveType, resolveUrl } from './client-keys.js';
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_NAME_SEPARATOR,
  DEFAULT_PORT,
  DEFAULT_ISOLATION,
  DEFAULT_MAX_PROCESSES,
  DEFAULT_UPSTREAM_IDLE_MS,
  MAX_JSON_DEPTH,
} from './defaults.js';
import { normaliseAuth } from './auth-normalise.js';
import { readEnvFile } from './env-file.js';
import { DEFAULT_WORKING_SET_BUDGET_TOKENS } from '../context/working-set.js';
import type { CommonServerConfig, GatewayConfig, HttpReplicaConfig, NamingPolicy, ServerConfig } from './model.js';
import { httpReplicas, normaliseRouting, normaliseShaping, resolveMaxCallMs, stdioReplicas } from './normalise-routing.js';
import type { ConfigFile } from './schema.js';
import type { ServerFileEntry } from './server-schema.js';
import type { PathIssue } from './zod-issues.js';

/** `workers: auto` in the model: one worker per CPU core. */
export const WORKERS_PER_CORE = 0;

/**
 * `file` is the config's path (relative paths in it resolve against its
 * directory), or undefined for the built-in default.
 */
export function normalise(c: ConfigFile, file: string | undefined, issues: PathIssue[]): GatewayConfig {
  const serversKey = c.mcpServers !== undefined ? 'mcpServers' : 'servers';
  const baseDir = file === undefined ? process.cwd() : path.dirname(path.resolve(file));
  const defaultNaming = c.naming?.default ?? 'prefix';
  const servers = Object.entries(c[serversKey] ?? {}).map(([name, s]) =>
    normaliseServer(name, s, { defaultNaming, baseDir, at: [serversKey, name], issues }),
  );
  checkPrefixes(servers, c[serversKey] ?? {}, serversKey, issues);
  return {
    source: file === undefined ? undefined : path.resolve(file),
    listen: {
      host: c.listen?.host ?? DEFAULT_HOST,
      port: c.listen?.port ?? DEFAULT_PORT,
      allowedOrigins: c.listen?.allowedOrigins ?? [],
      allowedHosts: c.listen?.allowedHosts ?? [],
      maxBodyBytes: c.listen?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      parseOffloadBytes: c.listen?.parseOffloadBytes,
    },
    limits: { maxJsonDepth: c.limits?.maxJsonDepth ?? MAX_JSON_DEPTH },
    workers: c.workers === undefined || c.workers === 'auto' ? WORKERS_PER_CORE : c.workers,
    redisUrl: c.redis,
    logLevel: c.logLevel ?? 'info',
    naming: { separator: c.naming?.separator ?? DEFAULT_NAME_SEPARATOR },
    context: {
      mode: c.context?.mode ?? 'full',
      budgetTokens: c.context?.budgetTokens ?? DEFAULT_WORKING_SET_BUDGET_TOKENS,
      overrides: (c.context?.overrides ?? []).map((o) => ({ client: o.client, principal: o.principal, mode: o.mode })),
    },
    auth: normaliseAuth(c.auth, { baseDir, servers, issues }),
    servers,
  };
}

interface ServerContext {
  readonly defaultNaming: NamingPolicy;
  readonly baseDir: string;
  readonly at: (string | number)[];
  readonly issues: PathIssue[];
}

function normaliseServer(name: string, s: ServerFileEntry, ctx: ServerContext): ServerConfig {
  const callTimeoutMs = resolveCallTimeoutMs(s) ?? DEFAULT_CALL_TIMEOUT_MS;
  const common: CommonServerConfig = {
    enabled: resolveEnabled(s),
    naming: s.naming ?? ctx.defaultNaming,
    prefix: s.prefix ?? name,
    protocol: s.protocol ?? 'auto',
    callTimeoutMs,
    maxCallMs: resolveMaxCallMs(s, callTimeoutMs),
    connectTimeoutMs: s.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    routing: normaliseRouting(s),
    shaping: normaliseShaping(s),
    isolation: s.isolation ?? DEFAULT_ISOLATION,
    maxProcesses: s.maxProcesses ?? DEFAULT_MAX_PROCESSES,
    idleTimeoutMs: s.idleTimeoutMs ?? DEFAULT_UPSTREAM_IDLE_MS,
  };
  const type = resolveType(s);
  if (type !== 'stdio') {
    const headers = { ...s.headers };
    const replicas = httpReplicas(s, resolveUrl(s), headers);
    // `url` is the first replica's, for code that names one endpoint (each replica's links use their own: gateway/replica-links.ts).
    const http = { name, type, url: (replicas[0] as HttpReplicaConfig).url, headers, replicas, common };
    return declaredType(s) === undefined ? { ...http, probeTransport: true } : http;
  }
  let env: Record<string, string> = { ...s.env };
  if (s.envFile !== undefined) {
    try {
      // The file's variables first: an explicit env entry overrides them.
      env = { ...readEnvFile(resolvePath(s.envFile, ctx.baseDir)), ...s.env };
    } catch (err) {
      ctx.issues.push({ path: [...ctx.at, 'envFile'], message: (err as Error).message });
    }
  }
  return {
    name,
    type,
    command: s.command as string,
    args: [...(s.args ?? [])],
    env,
    cwd: s.cwd === undefined ? undefined : resolvePath(s.cwd, ctx.baseDir),
    replicas: stdioReplicas(s),
    common,
  };
}

/** Paths the gateway itself opens: relative to the config file, `~/` as home. */
function resolvePath(p: string, baseDir: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return path.resolve(baseDir, p);
}

/** Two servers with one prefix would expose clashing names even under "prefix". */
function checkPrefixes(servers: readonly ServerConfig[], raw: Record<string, ServerFileEntry>, key: string, issues: PathIssue[]): void {
  const owner = new Map<string, string>();
  for (const s of servers) {
    if (s.common.naming === 'never') continue;
    const first = owner.get(s.common.prefix);
    if (first === undefined) {
      owner.set(s.common.prefix, s.name);
      continue;
    }
    const at = raw[s.name]?.prefix !== undefined ? [key, s.name, 'prefix'] : [key, s.name];
    issues.push({ path: at, message: `prefix "${s.common.prefix}" is already used by server "${first}"` });
  }
}
