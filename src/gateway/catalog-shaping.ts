/**
 * What clients see of one server's lists, as its config shapes them
 * (`tools:`, `prompts:`, `resources:`, `disabledTools:`): which items are
 * shown, under which name (before the naming policy adds a prefix) and with
 * which description. The catalog applies it when it builds its views, so a
 * hidden item is absent from every list, from search mode's index (built
 * from those views) and from name lookups: a call of it is refused as
 * unknown. Filters match the backend's own names, URIs and URI templates.
 *
 * Compiled once per server and configuration: a rebuild costs one regular
 * expression test per item and filter, nothing when the server has none.
 */
import { anyGlob } from '../config/glob.js';
import type { ItemFilter, ShapingConfig } from '../config/model.js';
import type { JsonObject } from '../mcp/jsonrpc.js';

type Shows = (key: string) => boolean;

/** The catalog's list kinds (catalog.ts ListKind), named here so that the two files do not import each other. */
export type ShapedKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export class ServerShaping {
  private readonly tools: Shows;
  private readonly prompts: Shows;
  private readonly resources: Shows;

  constructor(private readonly config: ShapingConfig) {
    this.tools = compile(config.tools);
    this.prompts = compile(config.prompts);
    this.resources = compile(config.resources);
  }

  /** Whether clients may see and use the item the backend knows by `key` (name, URI or URI template). */
  shows(kind: ShapedKind, key: string): boolean {
    switch (kind) {
      case 'tools':
        return this.tools(key);
      case 'prompts':
        return this.prompts(key);
      default:
        return this.resources(key);
    }
  }

  /** A shown tool's name before the naming policy, and the item with its description replaced where the config says. */
  shapeTool(key: string, item: JsonObject): { base: string; item: JsonObject } {
    const base = Object.hasOwn(this.config.tools.rename, key) ? (this.config.tools.rename[key] as string) : key;
    if (!Object.hasOwn(this.config.tools.descriptions, key)) return { base, item };
    return { base, item: { ...item, description: this.config.tools.descriptions[key] } };
  }
}

/** Shows everything unless the filter says otherwise; deny wins over allow. */
function compile(filter: ItemFilter): Shows {
  if (filter.allow === undefined && filter.deny.length === 0) return () => true;
  const denied = anyGlob(filter.deny);
  const allowed = filter.allow === undefined ? () => true : anyGlob(filter.allow);
  return (key) => !denied(key) && allowed(key);
}
