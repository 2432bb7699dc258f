/**
 * Opening a backend: decide its era and learn its capabilities.
 *
 * With protocol 'auto' the gateway probes with `server/discover` first (the
 * probe the 2026-07-28 versioning text recommends on stdio): a modern answer
 * keeps the backend stateless, which is what lets one child serve every
 * session with exact attribution of sampling/elicitation to the caller.
 * Anything that is not a recognised modern answer means a legacy server,
 * which gets `initialize` + `notifications/initialized`.
 */
import { GatewayError } from '../mcp/errors.js';
import { isFailure, isObject, type JsonObject, type JsonRpcResponse } from '../mcp/jsonrpc.js';
import { LATEST_LEGACY_VERSION, META, MODERN_VERSION, isLegacyVersion, type Era } from '../mcp/versions.js';
import type { BackendProtocol } from '../config/model.js';
import { GATEWAY_INFO } from '../mcp/identity.js';

/** How long a `server/discover` probe may take before the backend is taken for a legacy one. */
export const DISCOVER_PROBE_TIMEOUT_MS = 3_000;

/**
 * What the gateway declares to backends. It can deliver all of these because
 * it forwards them to whichever client made the call; a client that lacks one
 * gets the backend's request refused on its behalf.
 */
export const GATEWAY_CLIENT_CAPABILITIES: JsonObject = Object.freeze({
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
});

export interface BackendIdentity {
  era: Era;
  protocolVersion: string;
  capabilities: JsonObject;
  serverInfo: JsonObject;
  instructions: string | undefined;
}

export type RequestFn = (method: string, params: JsonObject | undefined, timeoutMs: number) => Promise<JsonRpcResponse>;
/** Sends a notification; a returned promise settles once the backend has taken it (initialize waits for that). */
export type NotifyFn = (method: string, params?: JsonObject) => void | Promise<void>;

/** Request `_meta` for a modern backend: the caller's capabilities, or the gateway's own. */
export function modernMeta(capabilities: JsonObject = GATEWAY_CLIENT_CAPABILITIES, extra?: JsonObject): JsonObject {
  return {
    [META.protocolVersion]: MODERN_VERSION,
    [META.clientCapabilities]: capabilities,
    [META.clientInfo]: GATEWAY_INFO,
    ...extra,
  };
}

/**
 * `capabilities`: what a legacy backend is told the client can do. The
 * gateway's own (shared) sessions declare everything it can forward; a
 * per-client session declares that client's own, because servers decide what
 * they offer by it (a server may list a sampling tool only to clients that
 * can sample).
 */
export async function handshake(request: RequestFn, notify: NotifyFn, protocol: BackendProtocol, timeoutMs: number, capabilities: JsonObject = GATEWAY_CLIENT_CAPABILITIES): Promise<BackendIdentity> {
  if (protocol !== 'legacy') {
    const modern = await probeModern(request, protocol === 'modern' ? timeoutMs : Math.min(timeoutMs, DISCOVER_PROBE_TIMEOUT_MS));
    if (modern) return modern;
    if (protocol === 'modern') {
      throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', 'backend is configured with protocol: modern but did not answer server/discover for 2026-07-28');
    }
  }
  return initializeLegacy(request, notify, timeoutMs, capabilities);
}

async function probeModern(request: RequestFn, timeoutMs: number): Promise<BackendIdentity | undefined> {
  let response: JsonRpcResponse;
  try {
    response = await request('server/discover', { _meta: modernMeta() }, timeoutMs);
  } catch (err) {
    // A timeout means a legacy server that ignores requests before initialize.
    if (err instanceof GatewayError && err.errorName === 'GW_ERR_BACKEND_TIMEOUT') return undefined;
    throw err;
  }
  if (isFailure(response)) return undefined;
  const result = response.result;
  const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
  if (!versions.includes(MODERN_VERSION)) return undefined;
  const meta = isObject(result._meta) ? result._meta : {};
  return {
    era: 'modern',
    protocolVersion: MODERN_VERSION,
    capabilities: isObject(result.capabilities) ? result.capabilities : {},
    serverInfo: isObject(meta[META.serverInfo]) ? (meta[META.serverInfo] as JsonObject) : { name: 'unknown', version: '0' },
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}

async function initializeLegacy(request: RequestFn, notify: NotifyFn, timeoutMs: number, capabilities: JsonObject): Promise<BackendIdentity> {
  const response = await request(
    'initialize',
    { protocolVersion: LATEST_LEGACY_VERSION, capabilities, clientInfo: GATEWAY_INFO },
    timeoutMs,
  );
  if (isFailure(response)) {
    throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend refused initialize: ${response.error.message} (${response.error.code})`);
  }
  const result = response.result;
  const version = typeof result.protocolVersion === 'string' ? result.protocolVersion : '';
  if (!isLegacyVersion(version)) {
    throw new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend answered initialize with unsupported protocolVersion ${JSON.stringify(result.protocolVersion)}`);
  }
  // Servers register what depends on the client's capabilities when they see this (before any later request on
  // stdio, which is ordered; on HTTP a later POST may overtake it unless its acceptance is awaited).
  await notify('notifications/initialized');
  return {
    era: 'legacy',
    protocolVersion: version,
    capabilities: isObject(result.capabilities) ? result.capabilities : {},
    serverInfo: isObject(result.serverInfo) ? result.serverInfo : { name: 'unknown', version: '0' },
    instructions: typeof result.instructions === 'string' ? result.instructions : undefined,
  };
}
