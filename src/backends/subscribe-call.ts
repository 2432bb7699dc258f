/**
 * resources/subscribe and resources/unsubscribe on a legacy backend, issued
 * by the gateway itself (not on behalf of one client call).
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { LinkCall, LinkHooks } from './link.js';

/** A gateway-issued subscribe must answer quickly; a backend that hangs here is treated as refusing. */
export const SUBSCRIBE_TIMEOUT_MS = 10_000;

const NO_HOOKS: LinkHooks = {
  onNotification: () => undefined,
  onServerRequest: (method) => Promise.reject(new GatewayError('GW_ERR_METHOD_NOT_FOUND', `the gateway does not answer ${method} during a subscription`)),
};

export function subscribeCall(uri: string, on: boolean): LinkCall {
  const params: JsonObject = { uri };
  return {
    method: on ? 'resources/subscribe' : 'resources/unsubscribe',
    params,
    hooks: NO_HOOKS,
    timeoutMs: SUBSCRIBE_TIMEOUT_MS,
    signal: undefined,
    group: 'gateway',
    routingName: undefined,
  };
}
