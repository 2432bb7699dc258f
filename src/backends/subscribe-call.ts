/**
 * Calls the gateway issues to a legacy backend on behalf of all its clients
 * (not one client call): resources/subscribe, resources/unsubscribe,
 * logging/setLevel.
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

/** logging/setLevel issued by the gateway on behalf of all its clients. */
export function levelCall(level: string): LinkCall {
  return { method: 'logging/setLevel', params: { level }, hooks: NO_HOOKS, timeoutMs: SUBSCRIBE_TIMEOUT_MS, signal: undefined, group: 'gateway', routingName: undefined };
}

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
