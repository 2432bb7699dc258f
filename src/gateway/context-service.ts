/**
 * Context swapping, as the router sees it: which tools a client lists
 * (full, compact, or search mode's meta-tools plus its working set), and the
 * meta-tools themselves (find, call, load). The ranking, compaction, token
 * counting and working-set rules live in src/context/; this file connects
 * them to the catalog and to where a client's working set is kept.
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import { ToolIndex } from '../context/tool-index.js';
import { WorkingSet, type LoadResult } from '../context/working-set.js';
import { renderToolList, indexedToolOf, workingSetTokens, compactCached } from '../context/modes.js';
import {
  CALL_TOOL,
  FIND_TOOLS,
  LOAD_TOOLS,
  formatFindResult,
  formatLoadResult,
  isMetaToolName,
  metaToolError,
  parseCallArgs,
  parseFindArgs,
  parseLoadArgs,
} from '../context/meta-tools.js';
import { listTokens, toolTokens } from '../context/tokens.js';
import type { ContextConfig, ContextMode } from '../config/model.js';
import { globMatch } from '../config/glob.js';
import type { Catalog } from './catalog.js';
import type { RequestContext } from './request-context.js';

/** Where one client's working set is kept: its 2025 session record, or (stateless clients) the shared store. */
export interface WorkingSetHome {
  load(): Promise<unknown>;
  save(json: unknown): Promise<void>;
  /** Tells the client its tool list changed (notifications/tools/list_changed). */
  changed(): void;
}

/** Calls a catalog tool; `extra` carries a 2026 retry's inputResponses and requestState. */
export type CallTool = (name: string, args: JsonObject, extra: JsonObject) => Promise<JsonObject>;

export class ContextService {
  /** The search index of each catalog (clients with backend sessions of their own may see catalogs of their own). */
  private readonly indexes = new WeakMap<Catalog, { revision: number; index: ToolIndex }>();

  constructor(private readonly catalog: Catalog, private config: ContextConfig) {}

  reconfigure(config: ContextConfig): void {
    this.config = config;
  }

  /** The mode for a client: its own choice, else the first matching override, else the default. */
  modeFor(requested: ContextMode | undefined, clientName: string | undefined, principal: string): ContextMode {
    if (requested) return requested;
    for (const o of this.config.overrides) {
      if (o.principal !== undefined && o.principal !== principal) continue;
      if (o.client !== undefined && !globMatch(o.client, clientName ?? '')) continue;
      return o.mode;
    }
    return this.config.mode;
  }

  /** tools/list as this client sees it. */
  async listTools(ctx: RequestContext, tools: readonly JsonObject[]): Promise<readonly JsonObject[]> {
    if (ctx.contextMode !== 'search') return renderToolList(ctx.contextMode, tools);
    const set = await this.workingSet(ctx);
    return renderToolList('search', tools, set.names());
  }

  isMeta(name: string): boolean {
    return isMetaToolName(name);
  }

  /** A call of one of the meta-tools. Bad arguments are tool errors the model can read, not protocol errors. */
  async callMeta(ctx: RequestContext, catalog: Catalog, name: string, args: unknown, extra: JsonObject, call: CallTool): Promise<JsonObject> {
    switch (name) {
      case FIND_TOOLS: {
        const parsed = parseFindArgs(args);
        if (!parsed.ok) return metaToolError(parsed.message);
        const hits = this.search(parsed.value.query, parsed.value.limit, catalog);
        if (ctx.contextMode === 'search') {
          const set = await this.workingSet(ctx);
          if (hits.some((h) => set.touch(h.tool.name))) await this.save(ctx, set);
        }
        return formatFindResult(hits, (n) => catalog.resolve('tools', n)?.item);
      }
      case CALL_TOOL: {
        const parsed = parseCallArgs(args);
        if (!parsed.ok) return metaToolError(parsed.message);
        if (!catalog.resolve('tools', parsed.value.name)) return metaToolError(`Unknown tool: ${parsed.value.name}. Use ${FIND_TOOLS} to find tools.`);
        await this.used(ctx, parsed.value.name);
        return call(parsed.value.name, parsed.value.arguments, extra);
      }
      case LOAD_TOOLS: {
        const parsed = parseLoadArgs(args);
        if (!parsed.ok) return metaToolError(parsed.message);
        const set = await this.workingSet(ctx);
        const result = set.load(parsed.value.names, (n) => {
          const item = catalog.resolve('tools', n)?.item;
          return item ? workingSetTokens(item) : undefined;
        });
        if (changedList(result)) {
          await this.save(ctx, set);
          ctx.workingSetHome?.changed();
        } else if (result.kept.length > 0) {
          await this.save(ctx, set);
        }
        return formatLoadResult(result);
      }
      default:
        throw new GatewayError('GW_ERR_UNKNOWN_TOOL', `Unknown tool: ${name}`);
    }
  }

  /** A tool was called (directly or through the call meta-tool): it is recently used in the working set. */
  async used(ctx: RequestContext, name: string): Promise<void> {
    if (ctx.contextMode !== 'search' || !ctx.workingSetHome) return;
    const set = await this.workingSet(ctx);
    if (set.touch(name)) await this.save(ctx, set);
  }

  /** Ranked tools for a query, over a whole catalog (the reference one unless given). */
  search(query: string, limit: number, catalog: Catalog = this.catalog) {
    let built = this.indexes.get(catalog);
    if (!built || built.revision !== catalog.revision) {
      const index = new ToolIndex(
        catalog.list('tools').map((item) => {
          const routed = catalog.resolve('tools', String(item.name))!;
          return indexedToolOf(item, routed.backend, routed.original);
        }),
      );
      built = { revision: catalog.revision, index };
      this.indexes.set(catalog, built);
    }
    return built.index.search(query, limit);
  }

  /** Token counts per tool and per mode, for `only1mcp tokens` and the admin API. */
  tokenReport(): { tools: Array<{ name: string; full: number; compact: number }>; totals: Record<ContextMode, number> } {
    const tools = this.catalog.list('tools').map((t) => ({ name: String(t.name), full: tokensOf(t), compact: tokensOf(compactCached(t)) }));
    return {
      tools,
      totals: {
        full: listTokens(this.catalog.list('tools')),
        compact: listTokens(renderToolList('compact', this.catalog.list('tools'))),
        search: listTokens(renderToolList('search', [])),
      },
    };
  }

  private async workingSet(ctx: RequestContext): Promise<WorkingSet> {
    const home = ctx.workingSetHome;
    if (!home) return new WorkingSet(this.config.budgetTokens);
    return WorkingSet.fromJSON(await home.load(), this.config.budgetTokens);
  }

  private async save(ctx: RequestContext, set: WorkingSet): Promise<void> {
    await ctx.workingSetHome?.save(set.toJSON());
  }
}

function changedList(result: LoadResult): boolean {
  return result.added.length > 0 || result.evicted.length > 0;
}

/** Tokens of a value as a client receives it: its JSON text (the convention of src/context/tokens.ts). */
function tokensOf(value: unknown): number {
  return toolTokens(value);
}

/** Re-exported for callers that matched client names through this module. */
export { globMatch };
