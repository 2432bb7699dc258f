/**
 * The per-server keys MCP clients write into their own config files, and how
 * each maps onto ours. A Claude Desktop, Cursor, VS Code, Windsurf or Cline
 * file loads as is; the import command uses the same table to translate one.
 *
 *   type "http" (VS Code, Claude Code), "streamableHttp" (Cline)  → streamable-http
 *   transportType (Cline, older files): stdio | sse | http        → type
 *   serverUrl (Windsurf)                                          → url
 *   disabled (Cline, Windsurf, Roo Code)                          → enabled = !disabled
 *   timeout, seconds (Cline)                                      → timeoutMs = timeout × 1000
 *   envFile (VS Code, Cursor)                                     → read into env at load
 *   disabledTools (Windsurf, Roo Code)                            → tools.deny (hidden from every client)
 *
 * Keys that only steer the client's own UI are accepted and ignored by name
 * (CLIENT_ONLY_SERVER_KEYS); anything else unknown is still an error.
 */
import type { HttpServerConfig, StdioServerConfig } from './model.js';

export type ServerType = StdioServerConfig['type'] | HttpServerConfig['type'];

/** Every `type` a file may name, and what it means. */
export const SERVER_TYPE_ALIASES = Object.freeze({
  stdio: 'stdio',
  'streamable-http': 'streamable-http',
  http: 'streamable-http',
  streamableHttp: 'streamable-http',
  sse: 'sse',
} as const satisfies Record<string, ServerType>);

/** Cline's older `transportType` field. */
export const TRANSPORT_TYPE_ALIASES = Object.freeze({
  stdio: 'stdio',
  sse: 'sse',
  http: 'streamable-http',
} as const satisfies Record<string, ServerType>);

/** Accepted and ignored: they only change what the client asks its user. */
export const CLIENT_ONLY_SERVER_KEYS = Object.freeze({
  autoApprove: 'Cline: tools run without asking the user',
  alwaysAllow: 'Cline, Roo Code: tools run without asking the user',
  dev: 'VS Code: restart-on-change and debugging for server development',
  gallery: 'VS Code: where the server was installed from',
  version: 'VS Code: the installed gallery version',
} as const);

export type ClientOnlyServerKey = keyof typeof CLIENT_ONLY_SERVER_KEYS;

/** The subset of a server entry these rules read. */
export interface ClientServerKeys {
  readonly type?: keyof typeof SERVER_TYPE_ALIASES | undefined;
  readonly transportType?: keyof typeof TRANSPORT_TYPE_ALIASES | undefined;
  readonly command?: string | undefined;
  readonly url?: string | undefined;
  readonly serverUrl?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly disabled?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
  readonly timeout?: number | undefined;
}

export const MS_PER_SECOND = 1000;

/** The key that states the type, if any: `type` first, then Cline's `transportType`. */
export function typeKey(s: ClientServerKeys): 'type' | 'transportType' | undefined {
  if (s.type !== undefined) return 'type';
  if (s.transportType !== undefined) return 'transportType';
  return undefined;
}

export function declaredType(s: ClientServerKeys): ServerType | undefined {
  if (s.type !== undefined) return SERVER_TYPE_ALIASES[s.type];
  if (s.transportType !== undefined) return TRANSPORT_TYPE_ALIASES[s.transportType];
  return undefined;
}

export function resolveUrl(s: ClientServerKeys): string | undefined {
  return s.url ?? s.serverUrl;
}

/**
 * The stated type, else inferred: a command is stdio, a URL is streamable
 * HTTP at first (the worker then probes a URL-only server and falls back to
 * legacy SSE when that is what answers: see backends/http/transport-probe.ts).
 */
export function resolveType(s: ClientServerKeys): ServerType {
  return declaredType(s) ?? (s.command !== undefined ? 'stdio' : 'streamable-http');
}

export function resolveEnabled(s: ClientServerKeys): boolean {
  return s.enabled ?? (s.disabled === undefined ? true : !s.disabled);
}

export function resolveCallTimeoutMs(s: ClientServerKeys): number | undefined {
  return s.timeoutMs ?? (s.timeout === undefined ? undefined : Math.round(s.timeout * MS_PER_SECOND));
}
