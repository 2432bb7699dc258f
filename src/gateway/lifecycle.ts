/**
 * What the gateway says about itself: the `initialize` result for legacy
 * clients and the `server/discover` result for modern ones.
 *
 * Capabilities are fixed rather than a union of whatever backends happen to
 * be up: a client negotiates once, backends come and go, and the gateway
 * serves every one of these methods itself (an empty list when no backend
 * offers a kind). Instructions are merged from the backends that give any.
 */
import type { JsonObject } from '../mcp/jsonrpc.js';
import { META, SUPPORTED_VERSIONS, type Era } from '../mcp/versions.js';
import { GATEWAY_INFO } from '../mcp/identity.js';
import type { Backend } from '../backends/backend.js';

export function serverCapabilities(era: Era): JsonObject {
  const caps: JsonObject = {
    tools: { listChanged: true },
    prompts: { listChanged: true },
    resources: { subscribe: true, listChanged: true },
    completions: {},
  };
  // Logging as a capability is legacy: 2026-07-28 sets the level per request.
  if (era === 'legacy') caps.logging = {};
  return caps;
}

export function mergedInstructions(backends: readonly Backend[]): string | undefined {
  const parts: string[] = [];
  for (const b of backends) {
    const text = b.status().identity?.instructions;
    if (text && text.trim().length > 0) parts.push(`## ${b.name}\n${text.trim()}`);
  }
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

export function initializeResult(protocolVersion: string, backends: readonly Backend[]): JsonObject {
  const result: JsonObject = { protocolVersion, capabilities: serverCapabilities('legacy'), serverInfo: GATEWAY_INFO };
  const instructions = mergedInstructions(backends);
  if (instructions !== undefined) result.instructions = instructions;
  return result;
}

export function discoverResult(backends: readonly Backend[]): JsonObject {
  const result: JsonObject = { supportedVersions: [...SUPPORTED_VERSIONS], capabilities: serverCapabilities('modern') };
  const instructions = mergedInstructions(backends);
  if (instructions !== undefined) result.instructions = instructions;
  return result;
}

/** Result `_meta` every modern response carries. */
export const MODERN_RESULT_META: JsonObject = Object.freeze({ [META.serverInfo]: GATEWAY_INFO });
