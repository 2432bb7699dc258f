/**
 * What a reload changes, server by server: the supervisor starts the added,
 * stops the removed and restarts the changed, and leaves the rest running.
 */
import { isDeepStrictEqual } from 'node:util';
import type { GatewayConfig, ServerConfig } from './model.js';

export interface ServerDiff {
  readonly added: readonly ServerConfig[];
  readonly removed: readonly ServerConfig[];
  /** Same name, any setting different (type, command, url, env, timeouts, ...). */
  readonly changed: readonly { readonly before: ServerConfig; readonly after: ServerConfig }[];
}

export function diffServers(old: GatewayConfig, next: GatewayConfig): ServerDiff {
  const before = new Map(old.servers.map((s) => [s.name, s]));
  const after = new Map(next.servers.map((s) => [s.name, s]));
  const added: ServerConfig[] = [];
  const changed: { before: ServerConfig; after: ServerConfig }[] = [];
  for (const s of next.servers) {
    const prev = before.get(s.name);
    if (prev === undefined) added.push(s);
    else if (!isDeepStrictEqual(prev, s)) changed.push({ before: prev, after: s });
  }
  const removed = old.servers.filter((s) => !after.has(s.name));
  return { added, removed, changed };
}
