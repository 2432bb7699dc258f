/**
 * What tools/list returns in each context mode, given the merged,
 * name-spaced catalog list:
 *
 *   full     the list as it is
 *   compact  every tool through compactTool
 *   search   the meta-tools, then the session's working set (compacted, in
 *            load order so that the list only changes when the set does)
 *
 * Compaction and token counts are memoised per tool object (memo.ts).
 */
import type { ContextMode } from '../config/model.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import { compactCached, toolTokensCached } from './memo.js';
import { META_TOOLS } from './meta-tools.js';
import type { IndexedTool } from './tool-index.js';

export type { ContextMode } from '../config/model.js';
export { compactCached } from './memo.js';

/**
 * The tools/list a session sees. `workingSet` lists loaded names (search mode
 * only); names no longer in the catalog are skipped.
 */
const compactLists = new WeakMap<readonly JsonObject[], readonly JsonObject[]>();

export function renderToolList(mode: ContextMode, tools: readonly JsonObject[], workingSet: readonly string[] = []): readonly JsonObject[] {
  switch (mode) {
    case 'full':
      return tools;
    case 'compact': {
      // The catalog's arrays change only when a backend's list does: one compacted list per version.
      let list = compactLists.get(tools);
      if (!list) {
        list = tools.map(compactCached);
        compactLists.set(tools, list);
      }
      return list;
    }
    case 'search': {
      if (workingSet.length === 0) return [...META_TOOLS];
      const byName = new Map<string, JsonObject>();
      for (const t of tools) if (typeof t.name === 'string') byName.set(t.name, t);
      const loaded: JsonObject[] = [];
      for (const name of workingSet) {
        const t = byName.get(name);
        if (t) loaded.push(compactCached(t));
      }
      return [...META_TOOLS, ...loaded];
    }
  }
}

/** The cost the working set charges for a tool: its tokens as search mode lists it (compacted). */
export function workingSetTokens(tool: JsonObject): number {
  return toolTokensCached(compactCached(tool));
}

/** An index entry for a catalog tool: `item` as clients see it, `backend` and `original` from the catalog's routing table. */
export function indexedToolOf(item: JsonObject, backend: string, original: string): IndexedTool {
  const out: IndexedTool = { name: String(item.name), server: backend, original };
  if (typeof item.description === 'string') out.description = item.description;
  if (typeof item.title === 'string') out.title = item.title;
  if (item.inputSchema !== undefined) out.inputSchema = item.inputSchema;
  return out;
}
