/**
 * Upstream scopes: who shares one backend session of a 2025-era server.
 *
 * The server's `isolation` and the client behind a request decide it:
 *   session    `s:<session id>`   each client session its own backend session
 *   principal  `p:<principal>`    one per authenticated principal
 *   shared     (no scope)         the gateway's one session, for every client
 * A stateless 2026-07-28 client has no session to scope by. Its requests are
 * tied to each other only by what the backend keeps (a task it started, say),
 * so they must share one backend session: its principal's (`p:<principal>`)
 * when it authenticated, else the gateway's shared one. Unauthenticated
 * clients have no principal worth sharing by, so `principal` falls back to
 * the session.
 *
 * A backend session opened for a scope declares the client's own
 * capabilities (limited to what the gateway forwards), because 2025 servers
 * decide what they offer by them. Lists of sessions opened with equal
 * capabilities are equal, so list caches key on `signature`.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import type { Isolation } from '../config/model.js';

/** The principal of requests nobody authenticated. */
export const ANONYMOUS_PRINCIPAL = 'anonymous';

/** What scoping reads of the client behind a request (RequestContext has all three). */
export interface ScopeClient {
  readonly sessionId: string | undefined;
  readonly principal: string;
  readonly clientCapabilities: JsonObject;
}

export interface UpstreamScope {
  /** Names the backend session: `s:…` or `p:…`. */
  readonly key: string;
  /** Declared to the backend in initialize. */
  readonly capabilities: JsonObject;
  /** The capabilities as stable text: backend sessions with equal signatures list alike. */
  readonly signature: string;
  /** The client session to deliver out-of-call messages to, when the scope is one. */
  readonly sessionId: string | undefined;
}

/** Client capabilities a backend may use through the gateway (it forwards exactly these). */
const FORWARDED = ['elicitation', 'roots', 'sampling'] as const;

/** Signatures per capabilities object: a session's record keeps one object, so this is computed once per session. */
const signatures = new WeakMap<JsonObject, { capabilities: JsonObject; signature: string }>();

export function forwardedCapabilities(client: JsonObject): { capabilities: JsonObject; signature: string } {
  let known = signatures.get(client);
  if (!known) {
    const capabilities: JsonObject = {};
    for (const key of FORWARDED) if (isObject(client[key])) capabilities[key] = client[key];
    known = { capabilities, signature: stableJson(capabilities) };
    signatures.set(client, known);
  }
  return known;
}

/** The scope of a client's backend session for a server with this isolation; undefined for `shared`. */
export function scopeFor(isolation: Isolation, client: ScopeClient): UpstreamScope | undefined {
  if (isolation === 'shared') return undefined;
  const { capabilities, signature } = forwardedCapabilities(client.clientCapabilities);
  const authenticated = client.principal !== ANONYMOUS_PRINCIPAL;
  if (isolation === 'principal' && authenticated) return { key: `p:${client.principal}`, capabilities, signature, sessionId: undefined };
  if (client.sessionId !== undefined) return { key: `s:${client.sessionId}`, capabilities, signature, sessionId: client.sessionId };
  return authenticated ? { key: `p:${client.principal}`, capabilities, signature, sessionId: undefined } : undefined;
}

/** The client session a scope key names, if it names one. */
export function sessionOfScope(key: string): string | undefined {
  return key.startsWith('s:') ? key.slice(2) : undefined;
}

/** JSON with object keys sorted, so equal values give equal text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Scopes name client sessions and principals; logs show a prefix only (a session id is a bearer secret). */
export function redactScope(scope: string): string {
  return scope.length > 10 ? `${scope.slice(0, 8)}…` : scope;
}
