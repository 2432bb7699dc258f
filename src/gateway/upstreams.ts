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
import type { PrimaryChannel } from '../backends/stdio-link.js';
import type { LinkStatus, ScopeServices, ScopedLink } from '../backends/link.js';
import type { Replica } from '../backends/replica.js';
import { replicaLinks } from './replica-links.js';
import { ReplicaRouting } from './replica-routing.js';
import { ListAgreement } from './list-agreement.js';
import { replicaKey } from '../policy/replica-set.js';
import type { CircuitBreakers } from '../policy/circuit-breaker.js';
import type { HealthView } from '../policy/health-view.js';
import { Catalog, KIND_METHOD, LIST_KINDS, servesKind, type ListKind } from './catalog.js';
import { ScopedCatalogs, type ScopedServer } from './scoped-catalogs.js';
import type { ScopeClient, UpstreamScope } from './upstream-scope.js';
import type { GatewayConfig, ServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';
import type { LogLevel } from '../mcp/versions.js';
import { serverFingerprint, type ListCache } from '../policy/list-cache.js';

/** A list fetched by another worker this long before this worker saw the backend start still counts as fresh. */
export const LIST_CACHE_SKEW_MS = 5_000;

/** Times a client's lists are refetched when its backend sessions change them during the fetch. */
export const MAX_LIST_KEY_ROUNDS = 3;

/** Pages followed per list before the gateway stops (a backend looping on cursors). */
export const MAX_LIST_PAGES = 100;

export interface UpstreamEvents {
  /** The merged list of this kind changed. */
  listChanged(kind: ListKind): void;
  resourceUpdated(backend: string, params: JsonObject): void;
  /** A shared backend session sent something no call claims: refused (a request) or dropped (a notification). */
  unattributed(backend: string, method: string, kind: 'request' | 'notification'): void;
  status(backend: string, status: LinkStatus): void;
}

/** What routing over a server's replicas needs from the worker (one of each per worker). */
export interface RoutingServices {
  readonly breakers: CircuitBreakers;
  readonly health: HealthView;
}

const REFUSE_ALL = {
  onNotification: () => undefined,
  onServerRequest: (method: string) => Promise.reject(new GatewayError('GW_ERR_METHOD_NOT_FOUND', `the gateway does not answer ${method} outside a client call`)),
};

export class Upstreams {
  /** The reference catalog: every server's lists as the gateway's own sessions see them. */
  readonly catalog: Catalog;
  private readonly scopedCatalogs: ScopedCatalogs;
  private readonly backends = new Map<string, Backend>();
  private readonly fetches = new Map<string, Promise<void>>();
  private readonly stale = new Set<string>();
  /** Lists whose next refresh must be announced to clients whatever it finds. */
  private readonly announce = new Set<string>();
  /** When the backend last said a list changed: cached copies older than that are stale. */
  private readonly changedAt = new Map<string, number>();
  /** Per replica key: the generation last seen ready (a new one is a new process or session). */
  private readonly generations = new Map<string, number>();
  private logLevel: LogLevel | undefined;
  /** Lists of a replicated server's replicas, compared. */
  private readonly agreement: ListAgreement;

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
    /** What per-client links need from the worker; without it every server is served shared. */
    private readonly scopes: ScopeServices | undefined = undefined,
    /** Breakers and health for servers with several replicas; without it (unit tests) such a server is served by its first replica. */
    private readonly routing: RoutingServices | undefined = undefined,
  ) {
    this.agreement = new ListAgreement(logger);
    this.catalog = new Catalog(this.enabled(config), config.naming.separator, (w) =>
      logger.warn(w, `${w.kind} "${w.key}" of ${w.hiddenBackend} is hidden: ${w.keptBackend} offers the same name and naming is 'never'`),
    );
    this.scopedCatalogs = new ScopedCatalogs(this.catalog, this.enabled(config), config.naming.separator, (server, kind, scope, key) =>
      this.fetchScoped(server, kind, scope, key),
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
    const all = this.all();
    this.backends.clear();
    this.isolated = 0;
    for (const b of all) b.routing?.close();
    await Promise.all(all.flatMap((b) => b.replicas.map((r) => r.close())));
  }

  /**
   * The catalog a client sees: the reference one, unless some server gives
   * it a backend session of its own (then that session's lists for those).
   */
  catalogFor(client: ScopeClient | undefined): Catalog {
    const scoped = this.scopedServers(client);
    return scoped === undefined ? this.catalog : this.scopedCatalogs.catalogFor(scoped);
  }

  /**
   * ensure() then catalogFor(), on the same lists: a client's backend
   * session may say its list changed while the fetch ran (servers register
   * tools right after initialize), which turns its list key to its own;
   * that list is then fetched too, a bounded number of times.
   */
  async readyCatalog(kind: ListKind, client: ScopeClient): Promise<Catalog> {
    for (let round = 0; ; round++) {
      const before = this.scopeVector(client);
      await this.ensure(kind, client);
      if (round >= MAX_LIST_KEY_ROUNDS || this.scopeVector(client) === before) return this.catalogFor(client);
    }
  }

  /** True when some server gives this client a backend session (and so lists) of its own. */
  hasOwnLists(client: ScopeClient): boolean {
    return this.scopedServers(client) !== undefined;
  }

  /** The list keys a client's catalog is built from now (empty when it has no isolated server). */
  private scopeVector(client: ScopeClient): string {
    const scoped = this.scopedServers(client);
    return scoped ? scoped.map((s) => this.scopedCatalogs.listKey(s.name, s.scope)).join('\n') : '';
  }

  /**
   * The isolated servers of a client with their scopes; undefined when there
   * are none (the common, cheap case). Computed once per request: the router
   * asks several times (lookup, lists, call), and the request context object
   * lives exactly as long as the request.
   */
  private scopedServers(client: ScopeClient | undefined): ScopedServer[] | undefined {
    if (client === undefined || this.isolated === 0) return undefined;
    const known = this.scopedByClient.get(client);
    if (known !== undefined) return known ?? undefined;
    let out: ScopedServer[] | undefined;
    for (const backend of this.backends.values()) {
      if (!backend.ready) continue;
      const scope = backend.scopeOf(client);
      if (scope) (out ??= []).push({ name: backend.name, capabilities: backend.capabilities, scope });
    }
    this.scopedByClient.set(client, out ?? null);
    return out;
  }

  private readonly scopedByClient = new WeakMap<ScopeClient, ScopedServer[] | null>();

  /** The client's session ended: the backend sessions it had of its own end too (`principal` ones stay: other sessions share them). */
  async releaseScope(client: ScopeClient): Promise<void> {
    await Promise.all(
      this.all().map((backend) => {
        const scope = backend.scopeOf(client);
        if (!scope || !backend.scoped || scope.sessionId === undefined) return undefined;
        this.scopedCatalogs.release(scope.key);
        // Every replica's: a session that moved between replicas may have left one behind.
        return Promise.all(backend.replicas.map((r) => r.scoped?.release(scope)));
      }),
    );
  }

  /** A client's own backend session said its list changed: that client's lists of the server are its own from now on. */
  scopedListChanged(server: string, scopeKey: string, kind: ListKind): void {
    const replicas = this.backends.get(server)?.replicas ?? [];
    const link = replicas.map((r) => r.scoped?.find(scopeKey)).find((l) => l !== undefined);
    this.scopedCatalogs.scopeChanged(server, scopeKey, kind, link?.scope.signature);
  }

  /**
   * Something for every backend session of this client (logging/setLevel,
   * notifications/roots/list_changed): isolated servers get it on the
   * client's own session; `shared` ones are not touched.
   */
  eachScopedLink(client: ScopeClient, act: (link: ScopedLink) => void): void {
    for (const backend of this.backends.values()) {
      const scope = backend.scopeOf(client);
      if (!scope || !backend.scoped) continue;
      // With several replicas, each replica's link acts only where the client's session is (theirs are no-ops).
      for (const r of backend.replicas) if (r.scoped) act(r.scoped.get(scope));
    }
  }

  /** Servers whose clients may get sessions of their own, counted so the common all-shared case skips the per-request walk. */
  private isolated = 0;

  /** Servers an operator disabled at runtime (their config entries say enabled: false): a call naming one gets a clear error. */
  private disabledNames: ReadonlySet<string> = new Set();

  get disabled(): ReadonlySet<string> {
    return this.disabledNames;
  }

  setDisabled(names: readonly string[]): void {
    this.disabledNames = new Set(names);
  }

  /** The configuration as it runs (every server, the disabled ones included). */
  get configured(): GatewayConfig {
    return this.config;
  }

  /**
   * The disabled server whose tools a name would have been (its name-space
   * prefix), so a call to a vanished tool says why rather than "unknown".
   */
  disabledOwner(name: string): string | undefined {
    if (this.disabledNames.size === 0) return undefined;
    for (const server of this.disabledNames) if (name.startsWith(`${server}${this.config.naming.separator}`)) return server;
    return undefined;
  }

  /** An operator's restart: this worker's connections to the server are closed and opened again (stdio children restart in the primary). */
  async restart(name: string): Promise<void> {
    const server = this.enabled(this.config).find((s) => s.name === name);
    if (!server || server.type === 'stdio') return;
    await this.remove(name);
    this.add(server);
    for (const kind of LIST_KINDS) this.events.listChanged(kind);
  }

  /** Applies a new configuration: removed servers close, added ones start, changed ones restart. */
  async reconfigure(next: GatewayConfig, disabled: readonly string[] = []): Promise<void> {
    this.setDisabled(disabled);
    const before = new Map(this.enabled(this.config).map((s) => [s.name, JSON.stringify(s)]));
    const after = this.enabled(next);
    this.config = next;
    for (const [name, fingerprint] of before) {
      const now = after.find((s) => s.name === name);
      if (!now || JSON.stringify(now) !== fingerprint) await this.remove(name);
    }
    this.catalog.reconfigure(after, next.naming.separator);
    this.scopedCatalogs.reconfigure(after, next.naming.separator);
    for (const server of after) if (!this.backends.has(server.name)) this.add(server);
    for (const kind of LIST_KINDS) this.events.listChanged(kind);
  }

  /** The most verbose level this worker's clients asked for, forwarded to every legacy backend. */
  setLogLevel(level: LogLevel | undefined): void {
    if (level === this.logLevel) return;
    this.logLevel = level;
    for (const backend of this.backends.values()) for (const r of backend.replicas) r.link.setLogLevel(level);
  }

  /** Records that a client got an answer from this worker's list of `kind`: its later changes are news. */
  markServed(kind: ListKind): void {
    this.servedKinds.add(kind);
  }

  /** Waits until every ready backend serving `kind` has its list in the catalog (and the client's own lists, where it has them). */
  async ensure(kind: ListKind, client?: ScopeClient): Promise<void> {
    const scoped = this.scopedServers(client);
    const waits: Promise<void>[] = scoped ? [this.scopedCatalogs.ensure(kind, scoped)] : [];
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
    const replicas = replicaLinks(server, {
      primary: this.primary,
      scopes: this.scopes,
      logger: this.logger,
      events: (replica) => ({
        onEvent: (m) => this.onEvent(server.name, m),
        onStatus: (s) => this.onStatus(server.name, replica, s),
        onUnattributed: (method, kind) => this.onUnattributed(server.name, method, kind),
      }),
    });
    const first = replicas[0] as Replica;
    const backend = new Backend(server, first.link, first.scoped, replicas);
    if (replicas.length > 1 && this.routing) {
      const scopes = this.scopes;
      backend.routing = new ReplicaRouting(backend, {
        ...this.routing,
        agreement: this.agreement,
        home: scopes ? (scope) => scopes.home(scope) : undefined,
        readmitted: () => this.relist(backend),
      });
    }
    if (first.scoped) this.isolated++;
    this.backends.set(server.name, backend);
    for (const r of replicas) {
      void r.link.start();
      if (this.logLevel !== undefined) r.link.setLogLevel(this.logLevel);
    }
  }

  private async remove(name: string): Promise<void> {
    const backend = this.backends.get(name);
    if (!backend) return;
    this.backends.delete(name);
    if (backend.scoped) this.isolated--;
    for (const r of backend.replicas) this.generations.delete(replicaKey(name, r.id));
    backend.routing?.close();
    this.catalog.drop(name);
    this.scopedCatalogs.serverChanged(name);
    await Promise.all(backend.replicas.map((r) => r.close()));
  }

  /**
   * The gateway's own session of an isolated server serves only its lists, so
   * what that server asks of "the client" there (a roots/list right after
   * initialize) is expected and refused quietly; on a shared server it is a
   * client's message that cannot be routed, counted and reported.
   */
  private onUnattributed(name: string, method: string, kind: 'request' | 'notification'): void {
    if (this.backends.get(name)?.isolated) this.logger.debug({ backend: name, method }, 'refused a request to the gateway\'s own session of an isolated server');
    else this.events.unattributed(name, method, kind);
  }

  /** A replica of a replicated server came back into rotation: the server's lists are fetched from every replica again. */
  private relist(backend: Backend): void {
    if (this.backends.get(backend.name) !== backend || !backend.ready) return;
    this.readyAt.set(backend.name, Date.now());
    for (const kind of LIST_KINDS) if (servesKind(backend.capabilities, kind)) void this.refresh(backend, kind);
  }

  /** A replica's shared link changed state: one that is ready as a new process or session has its lists (re)fetched. */
  private onStatus(name: string, replica: string, status: LinkStatus): void {
    this.events.status(name, status);
    const backend = this.backends.get(name);
    if (!backend || status.state !== 'ready') return;
    const key = replicaKey(name, replica);
    if (this.generations.get(key) === status.generation) return;
    this.generations.set(key, status.generation);
    this.readyAt.set(name, Date.now());
    this.scopedCatalogs.serverChanged(name);
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
        this.scopedCatalogs.serverChanged(name, 'tools');
        void this.refresh(backend, 'tools', true);
        return;
      case 'notifications/prompts/list_changed':
        this.scopedCatalogs.serverChanged(name, 'prompts');
        void this.refresh(backend, 'prompts', true);
        return;
      case 'notifications/resources/list_changed':
        this.scopedCatalogs.serverChanged(name, 'resources');
        void this.refresh(backend, 'resources', true);
        void this.refresh(backend, 'resourceTemplates');
        return;
      case 'notifications/resources/updated':
        this.events.resourceUpdated(name, params);
        return;
      case 'notifications/message':
        // A shared session's log line outside any call belongs to no one client.
        this.onUnattributed(name, message.method, 'notification');
        return;
      default:
        return;
    }
  }

  /**
   * A client's list of an isolated server, through its own backend session.
   * Lists keyed by capabilities are shared with other workers (a list cache
   * entry per server, key and kind); a scope's own lists are not.
   */
  private async fetchScoped(server: string, kind: ListKind, scope: UpstreamScope, key: string): Promise<JsonObject[]> {
    const backend = this.backends.get(server);
    if (!backend) return [];
    // With several replicas, through the client's session on the replica that holds it (or opens it).
    const load = async () => fetchAllPages(backend, kind, scope, backend.routing ? await backend.routing.scopedReplica(scope, undefined) : undefined);
    try {
      if (!this.lists || key.startsWith('own:')) return await load();
      const since = Math.max((this.readyAt.get(server) ?? 0) - LIST_CACHE_SKEW_MS, this.changedAt.get(`${server}\0${kind}`) ?? 0);
      return await this.lists.fetch(`${serverFingerprint(backend.config)}:${key}:${kind}`, since, load);
    } catch (err) {
      this.logger.warn({ backend: server, method: KIND_METHOD[kind], err: err instanceof Error ? err.message : String(err) }, 'could not fetch a client\'s list of a backend');
      throw err;
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
    const items: JsonObject[] = [];
    // With several replicas, from each that may take calls: they must agree (list-agreement.ts).
    const load = () => (backend.routing ? backend.routing.list(kind, (replica) => fetchAllPages(backend, kind, undefined, replica)) : fetchAllPages(backend, kind, undefined));
    try {
      const key = `${backend.name}\0${kind}`;
      // Another worker's copy counts if it was fetched after this backend (re)started here
      // (minus a little clock skew between workers) and after its last list_changed.
      const since = Math.max((this.readyAt.get(backend.name) ?? 0) - LIST_CACHE_SKEW_MS, this.changedAt.get(key) ?? 0);
      // A replicated server's lists are cached per set of replicas asked: one that joins makes the cached copy not its.
      const cacheKey = `${serverFingerprint(backend.config)}:${kind}${backend.routing ? `:${backend.routing.listScope()}` : ''}`;
      items.push(...(this.lists ? await this.lists.fetch(cacheKey, since, load) : await load()));
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

/** Every page of one list, through the gateway's session or (with `scope`) a client's own, on `replica` (default: the first). */
async function fetchAllPages(backend: Backend, kind: ListKind, scope: UpstreamScope | undefined, replica?: Replica): Promise<JsonObject[]> {
  const ctx: CallContext = { clientCapabilities: {}, logLevel: undefined, hooks: REFUSE_ALL, acceptInputRequired: false, signal: undefined, group: scope?.key ?? 'gateway', scope };
  const out: JsonObject[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const result = await backend.call(KIND_METHOD[kind], cursor === undefined ? undefined : { cursor }, ctx, replica);
    const list = result[kind];
    if (Array.isArray(list)) for (const item of list) if (isObject(item)) out.push(item);
    cursor = typeof result.nextCursor === 'string' && result.nextCursor.length > 0 ? result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  return out;
}
