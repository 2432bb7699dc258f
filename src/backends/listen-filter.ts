/**
 * What the gateway asks a modern backend to push on subscriptions/listen:
 * only the list changes its capabilities say it announces.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';

const FILTER_KEYS = [
  ['tools', 'toolsListChanged'],
  ['prompts', 'promptsListChanged'],
  ['resources', 'resourcesListChanged'],
] as const;

export function listenFilter(capabilities: JsonObject): Record<string, boolean> | undefined {
  const filter: Record<string, boolean> = {};
  for (const [cap, key] of FILTER_KEYS) {
    const c = capabilities[cap];
    if (isObject(c) && c.listChanged === true) filter[key] = true;
  }
  return Object.keys(filter).length > 0 ? filter : undefined;
}
