/**
 * One entry under `servers:` (or a client's `mcpServers`), as written on
 * disk. Structure lives in the zod object (which also feeds the JSON Schema
 * for editors); rules that tie keys together live in checkServer, run by the
 * same parse so every problem in a file is reported in one go.
 */
import * as z from 'zod';
import {
  CLIENT_ONLY_SERVER_KEYS,
  SERVER_TYPE_ALIASES,
  TRANSPORT_TYPE_ALIASES,
  declaredType,
  resolveCallTimeoutMs,
  resolveType,
  resolveUrl,
  typeKey,
} from './client-keys.js';
import { DEFAULT_CALL_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_ISOLATION, DEFAULT_MAX_PROCESSES, DEFAULT_UPSTREAM_IDLE_MS, MAX_TIMEOUT_MS } from './defaults.js';

export { MAX_TIMEOUT_MS };
import { intInRange, NAMING_POLICIES, nonEmptyString, urlString } from './schema-parts.js';
import { checkRouting, routingKeys } from './routing-schema.js';
import { checkShaping, shapingKeys } from './shaping-schema.js';
import type { KeyPath } from './config-error.js';

/** Also the shape of a prefix: both end up inside tool names, which clients limit to these characters. */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SERVER_NAME_RULE = 'a server name is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"';
/** Search mode's meta-tools are named only1mcp__*: no server name or prefix may take it. */
export const RESERVED_NAME = 'only1mcp';
export const reservedNameRule = (what: string): string => `"${RESERVED_NAME}" is reserved for the gateway's own tools; pick another ${what}`;
/** More per-session children than this on one node is a typo for a smaller number. */
export const MAX_PROCESSES_LIMIT = 10_000;

const MAX_TIMEOUT_SECONDS = Math.floor(MAX_TIMEOUT_MS / 1000);
const TIMEOUT_SECONDS_RANGE = `must be from 1 to ${MAX_TIMEOUT_SECONDS} (seconds)`;
const httpUrl = urlString(['http:', 'https:'], 'expected an http:// or https:// URL');
const stringMap = z.record(z.string(), z.string());
const timeoutMs = intInRange(1, MAX_TIMEOUT_MS, 'milliseconds');
const ignored = (key: keyof typeof CLIENT_ONLY_SERVER_KEYS): string => `${CLIENT_ONLY_SERVER_KEYS[key]}. Accepted and ignored.`;

const ServerObject = z.strictObject({
  type: z
    .enum(Object.keys(SERVER_TYPE_ALIASES) as [keyof typeof SERVER_TYPE_ALIASES])
    .optional()
    .describe('Transport. Inferred when omitted: command → stdio; url alone → probed when the gateway starts: Streamable HTTP, else legacy HTTP+SSE. "http" and "streamableHttp" are aliases of "streamable-http"; "sse" is the legacy HTTP+SSE transport.'),
  command: nonEmptyString.optional().describe('stdio: the program to start (looked up on PATH).'),
  args: z.array(z.string()).optional().describe('stdio: arguments passed to command.'),
  env: stringMap.optional().describe('stdio: variables set for the child on top of the allow-listed gateway environment.'),
  envFile: nonEmptyString
    .optional()
    .describe('stdio: a KEY=VALUE file read into env when the config loads (env wins on conflict). Relative to the config file; "~/" is the home directory.'),
  cwd: nonEmptyString.optional().describe('stdio: working directory of the child. Relative to the config file; "~/" is the home directory.'),
  url: httpUrl.optional().describe('HTTP: the server endpoint.'),
  headers: stringMap.optional().describe('HTTP: headers sent with every request (e.g. Authorization).'),
  enabled: z.boolean().optional().describe('false keeps the entry but does not start or connect it. Default true.'),
  naming: z
    .enum(NAMING_POLICIES)
    .optional()
    .describe('How this server\'s tool and prompt names are exposed: prefix (always "<prefix><separator><name>"), on-collision (prefixed only when another server has the same name), never. Default: naming.default.'),
  prefix: z
    .string()
    .regex(SERVER_NAME_PATTERN, { error: 'a prefix is 1-64 characters of A-Z, a-z, 0-9, "_" and "-"' })
    .refine((p) => p !== RESERVED_NAME, { error: reservedNameRule('prefix') })
    .optional()
    .describe('The name-space prefix for this server\'s tools and prompts. Default: the server name.'),
  protocol: z
    .enum(['auto', 'legacy', 'modern'])
    .optional()
    .describe('Protocol era to speak: auto probes with server/discover and falls back to initialize; legacy always uses initialize; modern requires 2026-07-28. Default auto.'),
  timeoutMs: timeoutMs.optional().describe(`Call timeout in milliseconds; each progress notification from the backend restarts it, up to maxCallMs. Default ${DEFAULT_CALL_TIMEOUT_MS}.`),
  connectTimeoutMs: timeoutMs.optional().describe(`Start/connect and handshake timeout in milliseconds. Default ${DEFAULT_CONNECT_TIMEOUT_MS}.`),
  isolation: z
    .enum(['session', 'principal', 'shared'])
    .optional()
    .describe(`Who shares one backend session of a 2025-era server: session (each client session its own: a stdio child or an HTTP Mcp-Session-Id per client), principal (one per authenticated principal; unauthenticated clients as session), shared (one for all clients; only for servers that keep no per-client state). No effect on 2026-07-28 servers. Default ${DEFAULT_ISOLATION}.`),
  maxProcesses: intInRange(1, MAX_PROCESSES_LIMIT, 'processes')
    .optional()
    .describe(`stdio with isolation session or principal: most per-client child processes of this server on one node; a client past the cap gets an error naming it. Default ${DEFAULT_MAX_PROCESSES}.`),
  idleTimeoutMs: timeoutMs
    .optional()
    .describe(`A per-client backend session unused this long is closed (a stdio child is stopped); the next call opens a new one and tells the client its backend state was reset. Default ${DEFAULT_UPSTREAM_IDLE_MS}.`),

  // Replicas, balancing, health, retries, long calls (routing-schema.ts); filtering and shaping (shaping-schema.ts).
  ...routingKeys,
  ...shapingKeys,

  // Client keys that carry meaning (see client-keys.ts).
  disabled: z.boolean().optional().describe('Cline, Windsurf, Roo Code: true is enabled: false.'),
  timeout: z
    .number()
    .min(1, { error: TIMEOUT_SECONDS_RANGE })
    .max(MAX_TIMEOUT_SECONDS, { error: TIMEOUT_SECONDS_RANGE })
    .optional()
    .describe('Cline: call timeout in seconds (timeoutMs = timeout × 1000).'),
  transportType: z
    .enum(Object.keys(TRANSPORT_TYPE_ALIASES) as [keyof typeof TRANSPORT_TYPE_ALIASES])
    .optional()
    .describe('Cline (older files): the transport; "http" is streamable-http.'),
  serverUrl: httpUrl.optional().describe('Windsurf: same as url.'),
  disabledTools: z.array(nonEmptyString).optional().describe('Windsurf, Roo Code: tool names to hide; the same as tools.deny.'),

  // Client keys that only steer the client: accepted by name, ignored.
  autoApprove: z.array(z.string()).optional().describe(ignored('autoApprove')),
  alwaysAllow: z.array(z.string()).optional().describe(ignored('alwaysAllow')),
  dev: z.record(z.string(), z.unknown()).optional().describe(ignored('dev')),
  gallery: z.union([z.boolean(), z.string()]).optional().describe(ignored('gallery')),
  version: z.string().optional().describe(ignored('version')),
});

export type ServerFileEntry = z.output<typeof ServerObject>;

// The id puts the server schema once under $defs in the JSON Schema (servers and mcpServers share it).
export const ServerSchema = ServerObject.superRefine(checkServer).meta({
  id: 'server',
  description: 'One MCP server behind the gateway: either command (stdio) or url (HTTP).',
});

const STDIO_ONLY_KEYS = ['args', 'env', 'envFile', 'cwd'] as const;

function checkServer(s: ServerFileEntry, ctx: z.RefinementCtx): void {
  const failAt = (path: KeyPath, message: string): void => {
    ctx.addIssue({ code: 'custom', path: [...path], message });
  };
  const fail = (key: string | undefined, message: string): void => failAt(key === undefined ? [] : [key], message);
  const url = resolveUrl(s);
  const urlKey = s.url !== undefined ? 'url' : 'serverUrl';
  const replicaList = Array.isArray(s.replicas);
  if (s.url !== undefined && s.serverUrl !== undefined) fail('serverUrl', 'url and serverUrl are the same setting; keep one');
  if (s.command === undefined && url === undefined && !replicaList) fail(undefined, 'needs either command (a stdio server) or url (an HTTP server)');
  if (s.command !== undefined && url !== undefined) fail(urlKey, 'a server has either command (stdio) or url (HTTP), not both');

  if (s.type !== undefined && s.transportType !== undefined && SERVER_TYPE_ALIASES[s.type] !== TRANSPORT_TYPE_ALIASES[s.transportType]) {
    fail('transportType', `transportType "${s.transportType}" contradicts type "${s.type}"`);
  }
  const stated = declaredType(s);
  const key = typeKey(s);
  const named = key === undefined ? '' : String(s[key]);
  if (stated === 'stdio' && s.command === undefined && url !== undefined) fail(key, `${key} "${named}" needs command, not url`);
  if (stated !== undefined && stated !== 'stdio' && s.command !== undefined && url === undefined) fail(key, `${key} "${named}" needs url, not command`);

  // With neither command, url nor type there is no telling which keys are out of place.
  const type = s.command === undefined && url === undefined && !replicaList && stated === undefined ? undefined : resolveType(s);
  if (type === 'stdio') {
    if (s.headers !== undefined && Object.keys(s.headers).length > 0) fail('headers', 'headers applies only to HTTP servers (url)');
  } else if (type !== undefined) {
    for (const k of STDIO_ONLY_KEYS) if (isSet(s[k])) fail(k, `${k} applies only to stdio servers (command)`);
  }
  if (s.enabled !== undefined && s.disabled !== undefined) fail('disabled', 'enabled and disabled are the same setting; keep one');
  if (s.timeoutMs !== undefined && s.timeout !== undefined) fail('timeout', 'timeout (seconds) and timeoutMs are the same setting; keep one');
  if (s.protocol === 'modern' && type === 'sse') fail('protocol', 'protocol "modern" cannot run over the legacy HTTP+SSE transport (type "sse")');
  if (s.maxProcesses !== undefined && type !== undefined && type !== 'stdio') fail('maxProcesses', 'maxProcesses applies only to stdio servers (command)');
  if (s.maxProcesses !== undefined && s.isolation === 'shared') fail('maxProcesses', 'maxProcesses limits per-client processes, which isolation "shared" never starts; remove one of them');
  checkRouting(s, urlKey, type, resolveCallTimeoutMs(s) ?? DEFAULT_CALL_TIMEOUT_MS, failAt);
  checkShaping(s, failAt);
}

/** Empty lists and maps count as absent: clients write `"env": {}` into HTTP entries. */
function isSet(v: unknown): boolean {
  if (v === undefined) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && v !== null) return Object.keys(v).length > 0;
  return true;
}
