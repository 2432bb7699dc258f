/**
 * The normalised, frozen configuration every other part of the gateway reads.
 * Files on disk (YAML, TOML, JSON, or a client's `mcpServers` file) are
 * validated and turned into this shape once, in src/config/load.ts.
 */
import type { AuthConfig } from './auth-model.js';

export type NamingPolicy = 'prefix' | 'on-collision' | 'never';
export type BackendProtocol = 'auto' | 'legacy' | 'modern';
export type ContextMode = 'full' | 'compact' | 'search';

export interface StdioServerConfig {
  readonly name: string;
  readonly type: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  /** Variables set for the child on top of the allow-listed parent environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly common: CommonServerConfig;
}

export interface HttpServerConfig {
  readonly name: string;
  /** 'streamable-http' (2025-03-26 onwards, both eras) or 'sse' (legacy HTTP+SSE, 2024-11-05). */
  readonly type: 'streamable-http' | 'sse';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly common: CommonServerConfig;
}

export interface CommonServerConfig {
  readonly enabled: boolean;
  readonly naming: NamingPolicy;
  /** The name-space prefix for this server's tools/prompts (defaults to the server name). */
  readonly prefix: string;
  /** Which protocol era to speak to this backend; 'auto' probes with server/discover. */
  readonly protocol: BackendProtocol;
  readonly callTimeoutMs: number;
  readonly connectTimeoutMs: number;
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
  /** Bodies at least this large are parsed in the piscina pool; undefined: never. */
  readonly parseOffloadBytes?: number | undefined;
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
  /** Number of uWebSockets.js worker processes; 0 means one per CPU core. */
  readonly workers: number;
  readonly redisUrl: string | undefined;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly naming: { readonly separator: string };
  readonly context: ContextConfig;
  /** Identity: authentication, roles, rate limits, audit, upstream credentials (auth-model.ts). */
  readonly auth: AuthConfig;
  readonly servers: readonly ServerConfig[];
}
