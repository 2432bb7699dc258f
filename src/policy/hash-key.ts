/**
 * What a consistent-hash balancer hashes for one call (the server's
 * `hashKey`): the client session, the principal, or one tool argument.
 * A call that lacks what the key names falls back along
 * argument → session → principal, then to no key (a weighted random pick):
 * a stateless client with no session still lands somewhere, and the same
 * principal keeps landing on the same replica.
 */
import { isObject } from '../mcp/jsonrpc.js';
import type { HashKey } from '../config/model.js';

/** An argument value longer than this (as JSON) is hashed by its first this-many characters: enough to tell keys apart, bounded work. */
export const MAX_HASH_KEY_CHARS = 1_024;

export interface KeySource {
  readonly sessionId?: string | undefined;
  readonly principal?: string | undefined;
  /** tools/call params.arguments. */
  readonly args?: unknown;
}

export function balanceKey(hashKey: HashKey, call: KeySource): string | undefined {
  if (hashKey.from === 'argument' && isObject(call.args) && call.args[hashKey.name] !== undefined) {
    const value = call.args[hashKey.name];
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return `a:${text.slice(0, MAX_HASH_KEY_CHARS)}`;
  }
  if (hashKey.from !== 'principal' && call.sessionId !== undefined) return `s:${call.sessionId}`;
  return call.principal === undefined ? undefined : `p:${call.principal}`;
}
