/**
 * The backends one worker talks to, and the catalog built from their lists.
 *
 * Lists are fetched when a backend becomes ready (or restarts as a new
 * process) and again when it announces list_changed; concurrent refreshes of
 * one list are coalesced into one backend call. Clients are told about a
 * change only when the merged view actually changed.
 */
import { GatewayError } from '../mcp/errors.js';
import { isObject, type JsonObject, type JsonRpcNotification } from '../mcp/jsonrpc.js';
import { Backend, type CallContext } from '../backends/backend.js';
import { StreamableHttpLink } from '../backends/http/streamable-http-link.js';
import { LegacySseLink } from '../backends/http/legacy-sse-link.js';
import { ProbedHttpLink } from '../backends/http/probed-http-link.js';
import type { PrimaryChannel } from '../backends/stdio-link.js';
import type { BackendLink, LinkEvents, LinkStatus } from '../backends/link.js';
import { Catalog, KIND_METHOD, LIST_KINDS, servesKind, type ListKind } from './catalog.js';
import type { GatewayConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';
import type { LogLevel } from '../mcp/versions.js';
import { serverFingerprint, type ListCache } from '../policy/list-cache.js';

/** A list fetched by another worker this long before this worker saw the backend start still counts as fresh. */
export const LIST_CACHE_SKEW_MS = 5_000;

/** Pages followed per list before the gateway stops (a backend looping on cursors). */
export const MAX_LIST_PAGES = 100;

export interface UpstreamEvents {
  /** The merged list of this kind changed. */
  listChanged(kind: ListKind): void;
  resourceUpdated(backend: string, params: JsonObject): void;
  /** A log message no call claims. */
  unscopedLog(backend: string, message: JsonRpcNotification): void;
  status(backend: string, status: LinkStatus): void;
}

const REFUSE_ALL = {
  onNotification: () => undefined,
  onServerRequest: (method: string) => Promise.reject(new GatewayError('GW_ERR_METHOD_NOT_FOUND', `the gateway does not answer ${method} outside a client call`)),
};

export class Upstreams {
  readonly catalog: Catalog;
  private readonly backends = new Map<string, Backend>();
  private readonly fetches = new Map<string, Promise<void>>();
  private readonly stale = new Set<string>();
  /** Lists whose next refresh must be announced to clients whatever it finds. */
  private readonly announce = new Set<string>();
  /** When the backend last said a list changed: cached copies older than that are stale. */
  private readonly changedAt = new Map<string, number>();
  private readonly generations = new Map<string, number>();
  private logLevel: LogLevel | undefined;

  /** The list kinds this worker has answered a request from (a list, or a name or URI looked up). */
  private readonly servedKinds = new Set<ListKind>();

  /** When each backend last became ready as a new process or session: lists fetched before it are stale. */
  private readonly readyAt = new Map<string, number>();

  constructor(
    private config: GatewayConfig,
    private readonly primary: PrimaryChannel | undefined,
    private readonly logger: Logger,
    private readonly events: UpstreamEvents,
    private readonly lists: ListCache | undefined = undefined,
  ) {
    this.catalog = new Catalog(this.enabled(config), config.naming.separator, (w) =>
      logger.warn(w, `${w.kind} "${w.key}" of ${w.hiddenBackend} is hidden: ${w.keptBackend} offers the same name and naming is 'never'`),
    );
  }

  start(): void {
    for (const server of this.enabled(this.config)) this.add(server);
  }

  get(name: string): Backend | undefined {
    return this.backends.get(name);
  }

  all(): Backend[] {
    return [...this.backends.values()];
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((b) => b.link.close()));
    this.backends.clear();
  }

  /** Applies a new configuration: removed servers close, added ones start, changed ones restart. */
  async reconfigure(next: GatewayConfig): Promise<void> {
    const before = new Map(this.enabled(this.config).map((s) => [s.name, JSON.stringify(s)]));
    const after = this.enabled(next);
    this.config = next;
    for (const [name, fingerprint] of before) {
      const now = after.find((s) => s.name === name);
      if (!now || JSON.stringify(now) !== fingerprint) await this.remove(name);
    }
    this.catalog.reconfigure(after, next.naming.separator);
    for (const server of after) if (!this.backends.has(server.name)) this.add(server);
    for (const kind of LIST_KINDS) this.events.listChanged(kind);
  }

  /** The most verbose level this worker's clients asked for, forwarded to every legacy backend. */
  setLogLevel(level: LogLevel | undefined): void {
    if (level === this.logLevel) return;
    this.logLevel = level;
    for (const backend of this.backends.values()) backend.link.setLogLevel(level);
  }

  /** Records that a client got an answer from this worker's list of `kind`: its later changes are news. */
  markServed(kind: ListKind): void {
    this.servedKinds.add(kind);
  }

  /** Waits until every ready backend serving `kind` has its list in the catalog. */
  async ensure(kind: ListKind): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const backend of this.backends.values()) {
      if (!backend.ready || !servesKind(backend.capabilities, kind)) continue;
      const key = `${backend.name}\0${kind}`;
      const inflight = this.fetches.get(key);
      if (inflight) waits.push(inflight);
      else if (!this.catalog.has(backend.name, kind)) waits.push(this.refresh(backend, kind));
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  private enabled(config: GatewayConfig): ServerConfig[] {
    return config.servers.filter((s) => s.common.enabled);
  }

  private add(server: ServerConfig): void {
    const events: LinkEvents = {
      onEvent: (m) => this.onEvent(server.name, m),
      onStatus: (s) => this.onStatus(server.name, s),
    };
    let link: BackendLink;
    if (server.type === 'stdio') {
      if (!this.primary) throw new Error(`stdio backend ${server.name} needs the primary process`);
      link = this.primary.link(server.name, events);
    } else if (server.probeTransport) {
      link = new ProbedHttpLink(server, events, this.logger);
    } else if (server.type === 'sse') {
      link = new LegacySseLink(server, events, this.logger);
    } else {
      link = new StreamableHttpLink(server, events, this.logger);
    }
    this.backends.set(server.name, new Backend(server, link));
    void link.start();
    if (this.logLevel !== undefined) link.setLogLevel(this.logLevel);
  }

  private async remove(name: string): Promise<void> {
    const backend = this.backends.get(name);
    if (!backend) return;
    this.backends.delete(name);
    this.generations.delete(name);
    this.catalog.drop(name);
    await backend.link.close();
  }

  private onStatus(name: string, status: LinkStatus): void {
    this.events.status(name, status);
    const backend = this.backends.get(name);
    if (!backend || status.state !== 'ready') return;
    if (this.generations.get(name) === status.generation) return;
    this.generations.set(name, status.generation);
    this.readyAt.set(name, Date.now());
    for (const kind of LIST_KINDS) {
      if (servesKind(backend.capabilities, kind)) void this.refresh(backend, kind);
      else if (this.catalog.has(name, kind)) this.catalog.set(name, kind, []);
    }
  }

  private onEvent(name: string, message: JsonRpcNotification): void {
    const backend = this.backends.get(name);
    if (!backend) return;
    const params = isObject(message.params) ? message.params : {};
    switch (message.method) {
      // The backend says its list changed: clients hear it even if the merged view
      // compares equal (a backend may change what the gateway does not inspect).
      case 'notifications/tools/list_changed':
        void this.refresh(backend, 'tools', true);
        return;
      case 'notifications/prompts/list_changed':
        void this.refresh(backend, 'prompts', true);
        return;
      case 'notifications/resources/list_changed':
        void this.refresh(backend, 'resources', true);
        void this.refresh(backend, 'resourceTemplates');
        return;
      case 'notifications/resources/updated':
        this.events.resourceUpdated(name, params);
        return;
      case 'notifications/message':
        this.events.unscopedLog(name, message);
        return;
      default:
        return;
    }
  }

  /** Refetches one list; a refresh asked for during a fetch runs once more after it. */
  private refresh(backend: Backend, kind: ListKind, announce = false): Promise<void> {
    const key = `${backend.name}\0${kind}`;
    if (announce) {
      this.announce.add(key);
      this.changedAt.set(key, Date.now());
    }
    const inflight = this.fetches.get(key);
    if (inflight) {
      this.stale.add(key);
      return inflight;
    }
    const run = (async () => {
      do {
        this.stale.delete(key);
        const changed = await this.fetchInto(backend, kind);
        const announce = this.announce.delete(key);
        // Until this worker has answered from a list, none of its clients holds one to refresh (a
        // request that waited for this very fetch gets the new list): its first loads are no change.
        if ((changed || announce) && this.servedKinds.has(kind)) this.events.listChanged(kind);
      } while (this.stale.has(key));
    })().finally(() => this.fetches.delete(key));
    this.fetches.set(key, run);
    return run;
  }

  /** Fetches every page of one list into the catalog; true when the merged view changed. */
  private async fetchInto(backend: Backend, kind: ListKind): Promise<boolean> {
    if (!backend.ready) return false;
    const method = KIND_METHOD[kind];
    const field = kind;
    const items: JsonObject[] = [];
    const ctx: CallContext = { clientCapabilities: {}, logLevel: undefined, hooks: REFUSE_ALL, acceptInputRequired: false, signal: undefined, group: 'gateway' };
    const load = async () => {
      const out: JsonObject[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_LIST_PAGES; page++) {
        const result = await backend.call(method, cursor === undefined ? undefined : { cursor }, ctx);
        const list = result[field];
        if (Array.isArray(list)) for (const item of list) if (isObject(item)) out.push(item);
        cursor = typeof result.nextCursor === 'string' && result.nextCursor.length > 0 ? result.nextCursor : undefined;
        if (cursor === undefined) break;
      }
      return out;
    };
    try {
      const key = `${backend.name}\0${kind}`;
      // Another worker's copy counts if it was fetched after this backend (re)started here
      // (minus a little clock skew between workers) and after its last list_changed.
      const since = Math.max((this.readyAt.get(backend.name) ?? 0) - LIST_CACHE_SKEW_MS, this.changedAt.get(key) ?? 0);
      items.push(...(this.lists ? await this.lists.fetch(`${serverFingerprint(backend.config)}:${kind}`, since, load) : await load()));
    } catch (err) {
      this.logger.warn({ backend: backend.name, method, err: err instanceof Error ? err.message : String(err) }, 'could not fetch a backend list');
      return false;
    }
    if (this.backends.get(backend.name) !== backend) return false;
    // Only this backend's list can have changed, so only it is compared: comparing the merged
    // lists cost O(all tools) per refresh, O(backends x tools) of garbage while 100 backends start.
    const had = this.catalog.has(backend.name, kind);
    const before = had ? JSON.stringify(this.catalog.itemsOf(backend.name, kind)) : undefined;
    this.catalog.set(backend.name, kind, items);
    return !had ? items.length > 0 : JSON.stringify(items) !== before;
  }
}
