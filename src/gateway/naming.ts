/**
 * How backend tool and prompt names become the names clients see.
 *
 * Policies per server: 'prefix' always name-spaces (`github__create_issue`),
 * 'on-collision' only when another backend offers the same name, 'never'
 * keeps names as they are (a collision then hides the later server's entry,
 * with a warning). Exposed names stay within 64 characters: a longer one is
 * cut and suffixed with a short hash of the full name, so it stays unique
 * and stable across restarts. The mapping back is a table lookup, never
 * string parsing, so names containing the separator are safe.
 */
import { createHash } from 'node:crypto';
import { MAX_TOOL_NAME_CHARS } from '../config/defaults.js';
import type { NamingPolicy } from '../config/model.js';

const HASH_CHARS = 6;
/** How much of a long prefix survives when a name must be shortened. */
const SHORTENED_PREFIX_MAX_CHARS = 20;

export interface NamedItem {
  backend: string;
  original: string;
  policy: NamingPolicy;
  prefix: string;
  /** Longest exposed name; resource URIs are identifiers and are never shortened (Infinity). */
  maxChars?: number;
}

export interface NamingResult {
  /** exposed name → item */
  exposed: Map<string, NamedItem>;
  /** Items hidden because their name collided under policy 'never'. */
  hidden: Array<{ item: NamedItem; by: string }>;
}

export function fitName(name: string, max = MAX_TOOL_NAME_CHARS): string {
  if (name.length <= max) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_CHARS);
  return `${name.slice(0, max - HASH_CHARS - 1)}_${hash}`;
}

export function prefixed(prefix: string, original: string, separator: string): string {
  const full = `${prefix}${separator}${original}`;
  if (full.length <= MAX_TOOL_NAME_CHARS) return full;
  // Keep the tool's own name readable: shorten the prefix first.
  const shortPrefix = prefix.slice(0, SHORTENED_PREFIX_MAX_CHARS);
  const hash = createHash('sha256').update(full).digest('hex').slice(0, HASH_CHARS);
  const room = MAX_TOOL_NAME_CHARS - shortPrefix.length - separator.length - HASH_CHARS - 1;
  return `${shortPrefix}${separator}${original.slice(0, Math.max(1, room))}_${hash}`;
}

/** Assigns exposed names to items listed in config order. */
export function assignNames(items: readonly NamedItem[], separator: string): NamingResult {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item.original, (counts.get(item.original) ?? 0) + 1);
  const exposed = new Map<string, NamedItem>();
  const hidden: NamingResult['hidden'] = [];
  for (const item of items) {
    const collides = (counts.get(item.original) ?? 0) > 1;
    const usePrefix = item.policy === 'prefix' || (item.policy === 'on-collision' && collides);
    const name = usePrefix ? prefixed(item.prefix, item.original, separator) : fitName(item.original, item.maxChars ?? MAX_TOOL_NAME_CHARS);
    const holder = exposed.get(name);
    if (holder) {
      hidden.push({ item, by: holder.backend });
      continue;
    }
    exposed.set(name, item);
  }
  return { exposed, hidden };
}
