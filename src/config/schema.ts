/**
 * The on-disk config format (YAML, TOML and JSON all read into this one
 * object). Strict throughout: an unknown key is an error with its path.
 * The JSON Schema for editors (json-schema.ts) is generated from this, so a
 * key documented there is a key accepted here, and the other way round.
 *
 * Defaults are not applied here but in normalise.ts, so that the schema
 * describes what a user may write and the model what the gateway runs with.
 */
import * as z from 'zod';
import { DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_NAME_SEPARATOR, DEFAULT_PORT, MAX_WORKER_STALL_TIMEOUT_MS, MIN_WORKER_HEARTBEAT_MS, WORKER_HEARTBEAT_MS, WORKER_STALL_TIMEOUT_MS } from './defaults.js';
import { CONTEXT_MODES, LOG_LEVELS, NAMING_POLICIES, intInRange, nonEmptyString, urlString } from './schema-parts.js';
import { storeSettingProblem } from '../state/store-setting.js';
import { AuthSchema } from './auth-schema.js';
import { LimitsSchema, TrustProxySchema } from './limits-schema.js';
import { RESERVED_NAME, SERVER_NAME_PATTERN, SERVER_NAME_RULE, ServerSchema, reservedNameRule } from './server-schema.js';

/** A body larger than this is a mistake, not a limit. */
export const MAX_BODY_BYTES_LIMIT = 1024 * 1024 * 1024;
/** More workers than this is a typo for a much smaller number. */
export const MAX_WORKERS = 1024;

const WORKERS_RULE = `expected "auto" or an integer from 1 to ${MAX_WORKERS}`;

const ListenSchema = z
  .strictObject({
    host: nonEmptyString.optional().describe(`Address to bind. Default ${DEFAULT_HOST} (loopback only); 0.0.0.0 or :: listens on every interface.`),
    port: intInRange(0, 65535, 'a TCP port').optional().describe(`TCP port. Default ${DEFAULT_PORT}; 0 lets the system pick a free one.`),
    allowedOrigins: z
      .array(nonEmptyString)
      .optional()
      .describe('Origin header values allowed besides loopback origins (DNS-rebinding protection). "*" disables the check (not recommended).'),
    allowedHosts: z.array(nonEmptyString).optional().describe('Host header values allowed besides loopback names.'),
    maxBodyBytes: intInRange(1, MAX_BODY_BYTES_LIMIT, 'bytes')
      .optional()
      .describe(`Largest request body accepted, in bytes. Default ${DEFAULT_MAX_BODY_BYTES}.`),
    trustProxy: TrustProxySchema.optional(),
    parseOffloadBytes: intInRange(1, MAX_BODY_BYTES_LIMIT, 'bytes')
      .optional()
      .describe('Bodies at least this large are parsed on a worker thread (piscina) instead of the event loop. Default: never, because the benchmark found no size up to 4 MB where that costs the event loop less (docs/performance.md).'),
  })
  .describe('Where the gateway listens and which browsers and hosts may reach it.');

const ServersSchema = z.record(
  z
    .string()
    .regex(SERVER_NAME_PATTERN, { error: SERVER_NAME_RULE })
    .refine((name) => name !== RESERVED_NAME, { error: reservedNameRule('server name') }),
  ServerSchema,
);

export const ConfigFileSchema = z
  .strictObject({
    $schema: z.string().optional().describe('The JSON Schema this file follows (for editors); ignored by the gateway.'),
    listen: ListenSchema.optional(),
    limits: LimitsSchema.optional(),
    workers: z
      .union([z.literal('auto'), z.int().min(1, { error: WORKERS_RULE }).max(MAX_WORKERS, { error: WORKERS_RULE })], { error: WORKERS_RULE })
      .optional()
      .describe('Worker processes serving HTTP: "auto" (one per CPU core) or a number. Default auto.'),
    redis: z
      .string()
      .superRefine((value, ctx) => {
        const problem = storeSettingProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe(
        'Redis shared by the workers and by other gateway instances (sessions, caches, breakers): redis://[user:password@]host:port[/db], rediss:// (TLS; ?ca=, &cert= and &key= name PEM files, &servername= the certificate name), redis+sentinel://host:port[,host:port]/master (&sentinelUser=, &sentinelPassword=), redis+cluster://host:port[,host:port], rediss+sentinel://, rediss+cluster://, or unix:///path. Without it the gateway starts a private redis-server when one is on PATH, else keeps state in one worker; "memory" asks for the latter.',
      ),
    logLevel: z.enum(LOG_LEVELS).optional().describe('Log level. Default info.'),
    watchdog: z
      .strictObject({
        heartbeatMs: intInRange(MIN_WORKER_HEARTBEAT_MS, MAX_WORKER_STALL_TIMEOUT_MS, 'milliseconds')
          .optional()
          .describe(`How often the primary asks each worker whether its event loop runs. Default ${WORKER_HEARTBEAT_MS}.`),
        stallTimeoutMs: intInRange(MIN_WORKER_HEARTBEAT_MS, MAX_WORKER_STALL_TIMEOUT_MS, 'milliseconds')
          .optional()
          .describe(`A worker that has not answered for this long is killed and replaced; its sessions carry on at the other workers. Default ${WORKER_STALL_TIMEOUT_MS}.`),
      })
      .refine((w) => (w.stallTimeoutMs ?? WORKER_STALL_TIMEOUT_MS) >= 2 * (w.heartbeatMs ?? WORKER_HEARTBEAT_MS), {
        error: 'stallTimeoutMs must be at least twice heartbeatMs (one late heartbeat is not a stall)',
      })
      .optional()
      .describe('The primary\'s watchdog over its workers (docs/security.md, Supervision).'),
    naming: z
      .strictObject({
        default: z.enum(NAMING_POLICIES).optional().describe('Naming policy for servers that set none. Default prefix.'),
        separator: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,8}$/, { error: 'a separator is 1-8 characters of A-Z, a-z, 0-9, "_" and "-"' })
          .optional()
          .describe(`Between prefix and name in exposed tool names. Default "${DEFAULT_NAME_SEPARATOR}".`),
      })
      .optional()
      .describe('How tools and prompts of several servers share one name space.'),
    context: z
      .strictObject({
        mode: z
          .enum(CONTEXT_MODES)
          .optional()
          .describe('full lists every tool; compact shortens schemas and descriptions; search exposes a search tool instead of the full list. Default full.'),
        budgetTokens: intInRange(100, 1_000_000, 'tokens')
          .optional()
          .describe('Token budget of the tools a search-mode session loads into its list; least recently used ones are unloaded past it. Default 4000.'),
        overrides: z
          .array(
            z
              .strictObject({
                client: nonEmptyString.optional().describe('Glob on the client name (clientInfo.name), e.g. "Claude*".'),
                principal: nonEmptyString.optional().describe('An authenticated principal, exactly.'),
                mode: z.enum(CONTEXT_MODES).describe('The mode for matching clients.'),
              })
              .refine((o) => o.client !== undefined || o.principal !== undefined, { error: 'an override needs client or principal (or both)' }),
          )
          .optional()
          .describe('Modes for particular clients or principals; the first match wins.'),
      })
      .optional()
      .describe('How much of the tool catalogue reaches the model.'),
    auth: AuthSchema.optional(),
    servers: ServersSchema.optional().describe(`The MCP servers behind the gateway, by name (${SERVER_NAME_RULE}).`),
    mcpServers: ServersSchema.optional().describe('Same as servers: the key Claude Desktop, Cursor, Windsurf and Cline files use.'),
    inputs: z
      .array(z.looseObject({ id: z.string() }))
      .optional()
      .describe('VS Code prompts. Ignored: the gateway cannot prompt, so ${input:ID} is read from the variable ONLY1MCP_INPUT_<ID>.'),
  })
  .superRefine((c, ctx) => {
    if (c.servers !== undefined && c.mcpServers !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['mcpServers'], message: 'servers and mcpServers are the same setting; keep one' });
    }
  })
  .describe('only1mcp gateway configuration.');

export type ConfigFile = z.output<typeof ConfigFileSchema>;
