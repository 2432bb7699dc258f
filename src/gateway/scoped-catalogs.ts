/**
 * Catalogs for clients whose backend sessions are their own.
 *
 * A 2025-era server decides what it lists by the capabilities its client
 * declared, and may change one session's list alone (list_changed on that
 * session). So a client with per-client backend sessions sees, for each such
 * server, the lists of a backend session like its own:
 *   `sig:<capabilities>` the lists every backend session opened with these
 *                        capabilities shows (fetched once through whichever
 *                        client needs them first, shared by all alike);
 *   `own:<scope>`        this scope's lists alone, once its backend session
 *                        said they changed.
 * Every other server's lists come from the reference catalog (the gateway's
 * own sessions). Clients with the same list keys share one merged Catalog.
 */
import { Catalog, LIST_KINDS, servesKind, type ListKind } from './catalog.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { ServerConfig } from '../config/model.js';
import type { UpstreamScope } from './upstream-scope.js';

/** Merged catalogs kept per worker; the least recently used beyond this is dropped (and rebuilt on demand). */
export const MAX_SCOPED_CATALOGS = 256;
/** List sources (per server and key) kept per worker, least recently used dropped first. */
export const MAX_SCOPED_LIST_SOURCES = 4_096;

/** One isolated server as a client sees it. */
export interface ScopedServer {
  readonly name: string;
  readonly capabilities: JsonObject;
  readonly scope: UpstreamScope;
}

interface Source {
  lists: Partial<Record<ListKind, JsonObject[]>>;
  fetches: Partial<Record<ListKind, Promise<void>>>;
  revision: number;
}

interface Built {
  catalog: Catalog;
  stamp: string;
}

/** Fetches one full list through the scope's backend session; `key` names it for caches shared with other workers. */
export type ScopedFetch = (server: string, kind: ListKind, scope: UpstreamScope, key: string) => Promise<JsonObject[]>;

export class ScopedCatalogs {
  private readonly sources = new Map<string, Source>();
  /** `${server}\0${scope}`: scopes whose lists are their own. */
  private readonly own = new Set<string>();
  private readonly catalogs = new Map<string, Built>();
  private nextRevision = 1;

  constructor(
    private readonly reference: Catalog,
    private servers: readonly ServerConfig[],
    private separator: string,
    private readonly fetch: ScopedFetch,
  ) {}

  reconfigure(servers: readonly ServerConfig[], separator: string): void {
    this.servers = servers;
    this.separator = separator;
    this.catalogs.clear();
  }

  /** The list key of one isolated server for one scope. */
  listKey(server: string, scope: UpstreamScope): string {
    return this.own.has(`${server}\0${scope.key}`) ? `own:${scope.key}` : `sig:${scope.signature}`;
  }

  /** Waits until every isolated server serving `kind` has this client's list of it. */
  async ensure(kind: ListKind, scoped: readonly ScopedServer[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const s of scoped) {
      if (!servesKind(s.capabilities, kind)) continue;
      const key = this.listKey(s.name, s.scope);
      const source = this.source(s.name, key);
      if (source.lists[kind] !== undefined) continue;
      let fetching = source.fetches[kind];
      if (!fetching) {
        fetching = this.fetch(s.name, kind, s.scope, key).then(
          (items) => {
            source.lists[kind] = items;
            source.revision = this.nextRevision++;
          },
          () => undefined, // Fetched again on the next request; the fetcher logged why.
        );
        source.fetches[kind] = fetching.finally(() => delete source.fetches[kind]);
      }
      waits.push(fetching);
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  /** The merged catalog for a client whose isolated servers are `scoped` (all others from the reference). */
  catalogFor(scoped: readonly ScopedServer[]): Catalog {
    const keys = scoped.map((s) => `${s.name}\0${this.listKey(s.name, s.scope)}`);
    const vector = keys.join('\n');
    const stamp = `${this.reference.revision}|${keys.map((k) => this.sources.get(k)?.revision ?? 0).join(',')}`;
    const built = this.catalogs.get(vector);
    if (built && built.stamp === stamp) {
      // Most recently used last: Map order is the eviction order.
      this.catalogs.delete(vector);
      this.catalogs.set(vector, built);
      return built.catalog;
    }
    const catalog = new Catalog(this.servers, this.separator);
    const isolated = new Map(scoped.map((s, i) => [s.name, keys[i]!]));
    for (const server of this.servers) {
      for (const kind of LIST_KINDS) {
        const key = isolated.get(server.name);
        const items = key === undefined ? (this.reference.has(server.name, kind) ? this.reference.itemsOf(server.name, kind) : undefined) : this.sources.get(key)?.lists[kind];
        if (items !== undefined) catalog.set(server.name, kind, items as JsonObject[]);
      }
    }
    this.catalogs.delete(vector);
    this.catalogs.set(vector, { catalog, stamp });
    while (this.catalogs.size > MAX_SCOPED_CATALOGS) this.catalogs.delete(this.catalogs.keys().next().value!);
    return catalog;
  }

  /**
   * The server's shared lists may have changed (its reference session said
   * so, or restarted): every capability-keyed copy is refetched on demand.
   * `kind` undefined: all kinds.
   */
  serverChanged(server: string, kind?: ListKind): void {
    const prefix = `${server}\0sig:`;
    for (const [key, source] of this.sources) {
      if (!key.startsWith(prefix)) continue;
      if (kind === undefined) this.sources.delete(key);
      else this.dropKind(source, kind);
    }
  }

  /**
   * One scope's backend session said its list changed: from now on that
   * scope's lists are its own. The capability-keyed copy it may have shared
   * is dropped too (when the signature is known here): a server that
   * registers tools right after initialize may have been listed a moment
   * before, through this very session.
   */
  scopeChanged(server: string, scopeKey: string, kind: ListKind, signature: string | undefined): void {
    this.own.add(`${server}\0${scopeKey}`);
    const source = this.sources.get(`${server}\0own:${scopeKey}`);
    if (source) this.dropKind(source, kind);
    const shared = signature === undefined ? undefined : this.sources.get(`${server}\0sig:${signature}`);
    if (shared) this.dropKind(shared, kind);
  }

  /** The scope ended: its own lists go. */
  release(scopeKey: string): void {
    for (const server of this.servers) {
      this.own.delete(`${server.name}\0${scopeKey}`);
      this.sources.delete(`${server.name}\0own:${scopeKey}`);
    }
  }

  private dropKind(source: Source, kind: ListKind): void {
    delete source.lists[kind];
    if (kind === 'resources') delete source.lists.resourceTemplates;
    source.revision = this.nextRevision++;
  }

  private source(server: string, key: string): Source {
    const id = `${server}\0${key}`;
    let source = this.sources.get(id);
    if (source) {
      this.sources.delete(id);
    } else {
      source = { lists: {}, fetches: {}, revision: 0 };
    }
    this.sources.set(id, source);
    while (this.sources.size > MAX_SCOPED_LIST_SOURCES) this.sources.delete(this.sources.keys().next().value!);
    return source;
  }
}

