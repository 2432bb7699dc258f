/**
 * The normalised, frozen configuration every other part of the gateway reads.
 * Files on disk (YAML, TOML, JSON, or a client's `mcpServers` file) are
 * validated and turned into this shape once, in src/config/load.ts.
 */
import type { AuthConfig } from './auth-model.js';

export type NamingPolicy = 'prefix' | 'on-collision' | 'never';
export type BackendProtocol = 'auto' | 'legacy' | 'modern';
export type ContextMode = 'full' | 'compact' | 'search';
/**
 * Who shares one backend session of a 2025-era server: each client session
 * its own (`session`), each authenticated principal its own (`principal`;
 * unauthenticated clients fall back to `session`), or every client one
 * (`shared`: only right for servers that keep no per-connection state).
 * 2026-07-28 backends keep no sessions, so the policy changes nothing there.
 */
export type Isolation = 'session' | 'principal' | 'shared';

export interface StdioServerConfig {
  readonly name: string;
  readonly type: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  /** Variables set for the child on top of the allow-listed parent environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  /** Copies of the command to run (`replicas: N`); one when the entry names none. */
  readonly replicas: readonly StdioReplicaConfig[];
  readonly common: CommonServerConfig;
}

export interface HttpServerConfig {
  readonly name: string;
  /** 'streamable-http' (2025-03-26 onwards, both eras) or 'sse' (legacy HTTP+SSE, 2024-11-05). */
  readonly type: 'streamable-http' | 'sse';
  /** The first replica's URL (the only one, for an entry with `url`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Every enabled replica, in file order; one (the url) when the entry lists none. */
  readonly replicas: readonly HttpReplicaConfig[];
  /**
   * true when the file gave only a URL (no type): the worker probes which
   * transport it speaks, Streamable HTTP first, then legacy SSE, and `type`
   * is only the first guess.
   */
  readonly probeTransport?: boolean;
  readonly common: CommonServerConfig;
}

export interface StdioReplicaConfig {
  /** "1".."N": keys the replica's breaker and health state and labels its metrics. */
  readonly id: string;
  readonly weight: number;
}

export interface HttpReplicaConfig {
  /** The URL without credentials: keys the replica's breaker and health state and labels its metrics. */
  readonly id: string;
  readonly url: string;
  /** The server's headers with the replica's own on top. */
  readonly headers: Readonly<Record<string, string>>;
  readonly weight: number;
}

export type BalanceAlgorithm = 'round-robin' | 'least-connections' | 'consistent-hash' | 'random' | 'weighted-random';

/** What a consistent-hash balancer hashes: the client session, the principal, or one tool argument. */
export type HashKey = { readonly from: 'session' } | { readonly from: 'principal' } | { readonly from: 'argument'; readonly name: string };

export interface HealthCheckConfig {
  /** ping: an MCP ping; http: GET `path` on the replica's origin, 2xx is healthy. */
  readonly type: 'ping' | 'http';
  readonly path: string | undefined;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface RetryConfig {
  /** Attempts per call, the first included, each on another replica. */
  readonly attempts: number;
  /** Extra attempts allowed, as a percentage of calls over the budget's window. */
  readonly budgetPercent: number;
  /** tools/call of tools annotated readOnlyHint or idempotentHint may be retried. */
  readonly idempotentTools: boolean;
}

export interface RoutingConfig {
  readonly balance: BalanceAlgorithm;
  /** Only read by consistent-hash. */
  readonly hashKey: HashKey;
  /** undefined: no active checks (calls alone judge the replicas). */
  readonly health: HealthCheckConfig | undefined;
  readonly retry: RetryConfig;
}

/** Globs on backend names (tools, prompts) or URIs and URI templates (resources). */
export interface ItemFilter {
  /** undefined: everything not denied. */
  readonly allow: readonly string[] | undefined;
  readonly deny: readonly string[];
}

export interface ToolShaping extends ItemFilter {
  /** Backend name → the name clients see before the naming policy applies. */
  readonly rename: Readonly<Record<string, string>>;
  /** Backend name → the description clients see. */
  readonly descriptions: Readonly<Record<string, string>>;
}

export interface ShapingConfig {
  readonly tools: ToolShaping;
  readonly prompts: ItemFilter;
  readonly resources: ItemFilter;
}

export interface CommonServerConfig {
  readonly enabled: boolean;
  readonly naming: NamingPolicy;
  /** The name-space prefix for this server's tools/prompts (defaults to the server name). */
  readonly prefix: string;
  /** Which protocol era to speak to this backend; 'auto' probes with server/discover. */
  readonly protocol: BackendProtocol;
  /** Idle bound of a call: each progress notification from the backend restarts it. */
  readonly callTimeoutMs: number;
  /** Total bound of a call, however much progress it reports (at least callTimeoutMs). */
  readonly maxCallMs: number;
  readonly connectTimeoutMs: number;
  readonly routing: RoutingConfig;
  readonly shaping: ShapingConfig;
  /** Who shares a backend session (see Isolation). */
  readonly isolation: Isolation;
  /** stdio: most child processes per node for per-session/per-principal backend sessions (the shared one not counted). */
  readonly maxProcesses: number;
  /** A per-session/per-principal backend session unused this long is closed (stdio: its child stopped). */
  readonly idleTimeoutMs: number;
}

export type ServerConfig = StdioServerConfig | HttpServerConfig;

export interface ListenConfig {
  readonly host: string;
  readonly port: number;
  /** Extra Origin values allowed besides loopback origins. '*' disables the check (not recommended). */
  readonly allowedOrigins: readonly string[];
  /** Extra Host header values allowed besides loopback names. */
  readonly allowedHosts: readonly string[];
  readonly maxBodyBytes: number;
  /** Where the client address comes from: false the peer; true the right-most X-Forwarded-For entry; a list: the trusted proxies' addresses and blocks. */
  readonly trustProxy: boolean | readonly string[];
  /** Bodies at least this large are parsed in the piscina pool; undefined: never. */
  readonly parseOffloadBytes?: number | undefined;
}

/** `limits:` (limits-schema.ts, docs/security.md). */
export interface LimitsConfig {
  // Connections, sessions and rates.
  readonly sessionsPerAddress: number;
  readonly sessionsTotal: number;
  readonly sessionCreatesPerSecond: number;
  readonly sessionCreateBurst: number;
  readonly concurrentRequestsPerAddress: number;
  // Input.
  /** Deepest nesting accepted in JSON from clients and backends (MAX_JSON_DEPTH). */
  readonly maxJsonDepth: number;
}

export interface ContextOverride {
  /** Glob on the client's clientInfo.name (`*` matches any run of characters), or undefined. */
  readonly client: string | undefined;
  /** The authenticated principal, exactly, or undefined. */
  readonly principal: string | undefined;
  readonly mode: ContextMode;
}

export interface ContextConfig {
  /** The mode for clients no override names. */
  readonly mode: ContextMode;
  /** Token budget of a search-mode working set. */
  readonly budgetTokens: number;
  /** First match wins; a session may still pick its own mode (URL ?context=, or header Only1MCP-Context-Mode). */
  readonly overrides: readonly ContextOverride[];
}

export interface GatewayConfig {
  /** The file this was loaded from, or undefined for the built-in default. */
  readonly source: string | undefined;
  readonly listen: ListenConfig;
  readonly limits: LimitsConfig;
  /** Number of uWebSockets.js worker processes; 0 means one per CPU core. */
  readonly workers: number;
  readonly redisUrl: string | undefined;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** The primary's heartbeat to each worker, and how long a silent worker lives before it is replaced. */
  readonly watchdog: { readonly heartbeatMs: number; readonly stallTimeoutMs: number };
  readonly naming: { readonly separator: string };
  readonly context: ContextConfig;
  /** Identity: authentication, roles, rate limits, audit, upstream credentials (auth-model.ts). */
  readonly auth: AuthConfig;
  readonly servers: readonly ServerConfig[];
}
