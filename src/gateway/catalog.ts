/**
 * The merged catalog: every backend's tools, prompts, resources and resource
 * templates, name-spaced and indexed for routing.
 *
 * A catalog view is rebuilt only when a backend's list changes, so serving
 * `tools/list` is reading an array that already exists. Tools and prompts
 * are renamed by the naming policy; resource URIs are global identifiers and
 * are never rewritten (a URI offered by two backends goes to the first in
 * config order, with a warning). Each server's filters, renames and
 * description overrides (catalog-shaping.ts) apply before naming: what a
 * server hides is in no view and resolves to nothing.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import { assignNames, type NamedItem } from './naming.js';
import { ServerShaping } from './catalog-shaping.js';
import { matchesTemplate } from './uri-template.js';
import type { ServerConfig } from '../config/model.js';

export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export const LIST_KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

/** List method → kind, and the capability a backend needs for it. */
export const LIST_METHODS: Readonly<Record<string, ListKind>> = {
  'tools/list': 'tools',
  'prompts/list': 'prompts',
  'resources/list': 'resources',
  'resources/templates/list': 'resourceTemplates',
};

export const KIND_METHOD: Readonly<Record<ListKind, string>> = {
  tools: 'tools/list',
  prompts: 'prompts/list',
  resources: 'resources/list',
  resourceTemplates: 'resources/templates/list',
};

export const KIND_CAPABILITY: Readonly<Record<ListKind, string>> = {
  tools: 'tools',
  prompts: 'prompts',
  resources: 'resources',
  resourceTemplates: 'resources',
};

/** The key of an item: its name, or its URI / URI template. */
export const KEY_FIELD: Readonly<Record<ListKind, 'name' | 'uri' | 'uriTemplate'>> = {
  tools: 'name',
  prompts: 'name',
  resources: 'uri',
  resourceTemplates: 'uriTemplate',
};

export interface Routed {
  backend: string;
  /** The name or URI the backend knows the item by. */
  original: string;
  /** The item as clients see it (renamed where the policy says so). */
  item: JsonObject;
}

interface View {
  items: JsonObject[];
  index: Map<string, Routed>;
}

export interface CatalogWarning {
  kind: ListKind;
  key: string;
  hiddenBackend: string;
  keptBackend: string;
}

/** An item on its way into a view: named from its shaped base name, routed back by its backend key. */
type Candidate = NamedItem & { item: JsonObject; key: string };

export class Catalog {
  private readonly lists = new Map<string, Partial<Record<ListKind, JsonObject[]>>>();
  private readonly views = new Map<ListKind, View>();
  private shapings = new Map<string, ServerShaping>();
  private version = 0;

  constructor(private servers: readonly ServerConfig[], private separator: string, private readonly onWarning: (w: CatalogWarning) => void = () => undefined) {
    this.compileShapings();
  }

  /** Bumps on every change; caches of rendered lists key on it. */
  get revision(): number {
    return this.version;
  }

  reconfigure(servers: readonly ServerConfig[], separator: string): void {
    this.servers = servers;
    this.separator = separator;
    this.compileShapings();
    for (const name of [...this.lists.keys()]) {
      if (!servers.some((s) => s.name === name)) this.lists.delete(name);
    }
    this.rebuildAll();
  }

  set(backend: string, kind: ListKind, items: JsonObject[]): void {
    const entry = this.lists.get(backend) ?? {};
    entry[kind] = items;
    this.lists.set(backend, entry);
    this.rebuild(kind);
  }

  drop(backend: string): void {
    if (!this.lists.delete(backend)) return;
    this.rebuildAll();
  }

  has(backend: string, kind: ListKind): boolean {
    return this.lists.get(backend)?.[kind] !== undefined;
  }

  /** One backend's own items of a kind, as it listed them (empty when none are known). */
  itemsOf(backend: string, kind: ListKind): readonly JsonObject[] {
    return this.lists.get(backend)?.[kind] ?? [];
  }

  list(kind: ListKind): JsonObject[] {
    return this.view(kind).items;
  }

  resolve(kind: ListKind, key: string): Routed | undefined {
    return this.view(kind).index.get(key);
  }

  /** The backend that serves a URI: a listed resource, else the first template that matches. */
  resolveUri(uri: string): string | undefined {
    const listed = this.resolve('resources', uri);
    if (listed) return listed.backend;
    for (const routed of this.view('resourceTemplates').index.values()) {
      // The URI itself may be one the server hides even though its template is shown.
      if (matchesTemplate(routed.original, uri)) return this.shows(routed.backend, 'resources', uri) ? routed.backend : undefined;
    }
    return undefined;
  }

  /** Whether a server's config lets clients see the item it knows by `key`. */
  shows(backend: string, kind: ListKind, key: string): boolean {
    return this.shapings.get(backend)?.shows(kind, key) ?? true;
  }

  /** Backends of one kind as a per-backend map of their original items (for token accounting and search). */
  perBackend(kind: ListKind): Array<{ backend: string; items: JsonObject[] }> {
    const out: Array<{ backend: string; items: JsonObject[] }> = [];
    for (const server of this.servers) {
      const items = this.lists.get(server.name)?.[kind];
      const field = KEY_FIELD[kind];
      if (items) out.push({ backend: server.name, items: items.filter((i) => typeof i[field] === 'string' && this.shows(server.name, kind, i[field])) });
    }
    return out;
  }

  private compileShapings(): void {
    this.shapings = new Map(this.servers.map((s) => [s.name, new ServerShaping(s.common.shaping)]));
  }

  private view(kind: ListKind): View {
    let view = this.views.get(kind);
    if (!view) {
      this.rebuild(kind);
      view = this.views.get(kind)!;
    }
    return view;
  }

  private rebuildAll(): void {
    for (const kind of LIST_KINDS) this.rebuild(kind);
  }

  private rebuild(kind: ListKind): void {
    this.version++;
    const field = KEY_FIELD[kind];
    const named: Candidate[] = [];
    for (const server of this.servers) {
      const items = this.lists.get(server.name)?.[kind];
      if (!items) continue;
      const shaping = this.shapings.get(server.name);
      for (const source of items) {
        const key = source[field];
        if (typeof key !== 'string' || (shaping && !shaping.shows(kind, key))) continue;
        const { base, item } = kind === 'tools' && shaping ? shaping.shapeTool(key, source) : { base: key, item: source };
        const renames = kind === 'tools' || kind === 'prompts';
        named.push({
          backend: server.name,
          original: base,
          key,
          policy: renames ? server.common.naming : 'never',
          prefix: server.common.prefix,
          maxChars: renames ? undefined : Infinity,
          item,
        });
      }
    }
    const { exposed, hidden } = assignNames(named, this.separator);
    for (const h of hidden) this.onWarning({ kind, key: h.item.original, hiddenBackend: h.item.backend, keptBackend: h.by });
    const index = new Map<string, Routed>();
    const items: JsonObject[] = [];
    for (const [name, n] of exposed) {
      const { item: source, key } = n as Candidate;
      const item = name === key ? source : { ...source, [field]: name };
      index.set(name, { backend: n.backend, original: key, item });
      items.push(item);
    }
    this.views.set(kind, { items, index });
  }
}

/** True when a backend's capabilities say it serves this kind of list. */
export function servesKind(capabilities: JsonObject, kind: ListKind): boolean {
  return isObject(capabilities[KIND_CAPABILITY[kind]]);
}
