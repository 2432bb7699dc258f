/**
 * Compaction and token counts, memoised per tool object. The catalog
 * rebuilds its arrays only when a backend's list changes, so an entry lives
 * exactly as long as the definition it was made from; lists, find results
 * and the working set all ask for the same tools over and over.
 */
import type { JsonObject } from '../mcp/jsonrpc.js';
import { compactTool } from './compact.js';
import { toolTokens } from './tokens.js';

const compacted = new WeakMap<JsonObject, JsonObject>();
const tokenCounts = new WeakMap<JsonObject, number>();

/** compactTool, memoised on the tool object. */
export function compactCached(tool: JsonObject): JsonObject {
  let c = compacted.get(tool);
  if (!c) {
    c = compactTool(tool);
    compacted.set(tool, c);
  }
  return c;
}

/** toolTokens, memoised on the tool object. */
export function toolTokensCached(tool: JsonObject): number {
  let n = tokenCounts.get(tool);
  if (n === undefined) {
    n = toolTokens(tool);
    tokenCounts.set(tool, n);
  }
  return n;
}
