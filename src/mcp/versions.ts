/**
 * Protocol revisions the gateway speaks, to clients and to backends.
 *
 * Two eras share one endpoint: "legacy" revisions open a session with
 * `initialize`; the "modern" revision (2026-07-28) is stateless and carries
 * version, capabilities and client identity in every request's `_meta`.
 */

export const MODERN_VERSION = '2026-07-28';
export const LATEST_LEGACY_VERSION = '2025-11-25';

/** Newest first: the first entry is what a legacy `initialize` is offered when it asks for something unknown. */
export const LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;
export const MODERN_VERSIONS = [MODERN_VERSION] as const;
export const SUPPORTED_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

/**
 * A legacy client that sends no `MCP-Protocol-Version` header predates
 * 2025-06-18; the 2025-06-18 transport text says to assume 2025-03-26.
 */
export const VERSION_WITHOUT_HEADER = '2025-03-26';

export type Era = 'legacy' | 'modern';

export function eraOf(version: string): Era {
  return (MODERN_VERSIONS as readonly string[]).includes(version) ? 'modern' : 'legacy';
}

export function isSupportedVersion(version: string): boolean {
  return SUPPORTED_VERSIONS.includes(version);
}

export function isLegacyVersion(version: string): boolean {
  return (LEGACY_VERSIONS as readonly string[]).includes(version);
}

/** The version a legacy `initialize` settles on: the client's if we speak it, else our newest legacy one. */
export function negotiateLegacy(requested: unknown): string {
  return typeof requested === 'string' && isLegacyVersion(requested) ? requested : LATEST_LEGACY_VERSION;
}

/** Revisions before 2025-06-18 allow JSON-RPC batches on the wire. */
export function allowsBatches(version: string): boolean {
  return version === '2025-03-26' || version === '2024-11-05';
}

/** `resources/read` on an unknown URI: -32002 through 2025-11-25, -32602 from 2026-07-28. */
export function resourceNotFoundCode(version: string): number {
  return eraOf(version) === 'modern' ? -32602 : -32002;
}

/** Reserved `_meta` keys of the modern revision. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** Logging levels, least to most severe (RFC 5424 order as MCP uses it). */
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** True when a message at `level` passes a session that asked for `threshold`. */
export function logPasses(level: unknown, threshold: LogLevel): boolean {
  if (!isLogLevel(level)) return true;
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}
