/**
 * Backend-to-client requests are only forwarded to clients that declared the
 * matching capability. A legacy client that lacks it gets the request refused
 * on its behalf, exactly as the client itself would have refused it; a modern
 * client gets the whole call failed with MissingRequiredClientCapability
 * (-32021), since a 2026-07-28 server must not ask for what was not declared.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import { UpstreamRpcError } from '../backends/rpc-connection.js';

/** The capability a backend-to-client request needs, as a requiredCapabilities object; undefined if the client has it. */
export function missingCapability(method: string, params: JsonObject | undefined, capabilities: JsonObject): JsonObject | undefined {
  switch (method) {
    case 'sampling/createMessage':
      return isObject(capabilities.sampling) ? undefined : { sampling: {} };
    case 'roots/list':
      return isObject(capabilities.roots) ? undefined : { roots: {} };
    case 'elicitation/create': {
      const elicitation = capabilities.elicitation;
      const mode = params?.mode === 'url' ? 'url' : 'form';
      if (!isObject(elicitation)) return { elicitation: mode === 'url' ? { url: {} } : {} };
      // An empty elicitation object means form support (the 2025-06-18 shape).
      const declared = Object.keys(elicitation).length === 0 ? mode === 'form' : isObject(elicitation[mode]);
      return declared ? undefined : { elicitation: { [mode]: {} } };
    }
    default:
      return undefined;
  }
}

/** The error a legacy backend receives when the client cannot take its request. */
export function refusal(method: string, required: JsonObject): UpstreamRpcError {
  return new UpstreamRpcError(-32601, `The client did not declare the ${Object.keys(required).join(', ')} capability needed for ${method}`);
}

/** Requests a client can be asked at all. */
export const CLIENT_METHODS = new Set(['sampling/createMessage', 'roots/list', 'elicitation/create', 'ping']);
