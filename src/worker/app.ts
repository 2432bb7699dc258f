/**
 * One worker: the uWS app and everything behind it, wired together.
 *
 * Data path: HTTP (this file's routes) → session or modern envelope
 * (streamable-endpoint.ts / legacy-sse-endpoint.ts) → McpService → Router →
 * Backend → link (HTTP pool, or the primary's stdio host).
 */
import net from 'node:net';
import { FrameChannel } from '../ipc/frame-channel.js';
import { PrimaryChannel } from '../backends/stdio-link.js';
import { Upstreams } from '../gateway/upstreams.js';
import { ScopeRelay } from '../gateway/scope-relay.js';
import { WorkerScopeServices } from './scope-services.js';
import { createIdentity, type Identity } from '../auth/identity.js';
import { Access } from '../gateway/access.js';
import { createAuthenticator } from './http/authenticate.js';
import { mountResourceMetadata } from './resource-metadata.js';
import { unattributedMessages } from '../observe/metrics.js';
import { Router } from '../gateway/router.js';
import { HeldCalls } from '../gateway/held-calls.js';
import { RemoteResume } from '../gateway/remote-resume.js';
import { ListCache } from '../policy/list-cache.js';
import { JsonOffload } from './offload/json-offload.js';
import { CircuitBreakers } from '../policy/circuit-breaker.js';
import { HealthView } from '../policy/health-view.js';
import { ContextService } from '../gateway/context-service.js';
import os from 'node:os';
import { StateSealer } from '../gateway/request-state.js';
import { ResourceSubscriptions } from '../gateway/resource-subscriptions.js';
import { mostVerbose } from '../backends/log-level.js';
import { createStore } from '../state/create-store.js';
import { randomBytes } from 'node:crypto';
import { Sessions } from './session/sessions.js';
import { McpService } from './mcp-service.js';
import { NotifyHub } from './notify-hub.js';
import { ListChangeAnnouncer } from './list-change-announcer.js';
import { Health } from './health.js';
import { loadUws, type TemplatedApp } from './http/uws.js';
import { Reply, setCommonHeaders } from './http/reply.js';
import { rejectWith } from './http/transport-errors.js';
import { createOriginGuard } from './http/origin-guard.js';
import { mountStreamable, type EndpointDeps } from './streamable-endpoint.js';
import { mountLegacySse } from './legacy-sse-endpoint.js';
import { mountAdmin } from './admin.js';
import { mountAdminApi } from './admin-api.js';
import { AdminViews } from './admin-views.js';
import { activity } from '../observe/activity.js';
import { observeBackends } from '../observe/metrics.js';
import type { AdminAnswer, AdminOp } from '../ipc/cluster-protocol.js';
import { REDIS_KEY_PREFIX, SESSION_IDLE_TIMEOUT_MS } from '../config/defaults.js';
import { ADMIN_VIEW_LIST_WAIT_MS } from '../observe/defaults.js';
import type { GatewayConfig } from '../config/model.js';
import type { PrimaryToWorker, WorkerToPrimary } from '../ipc/stdio-protocol.js';
import type { Logger } from '../observe/log.js';

/** How long a starting worker waits for its Redis connection before it listens anyway (degraded). */
export const STORE_READY_WAIT_MS = 2_000;

export interface WorkerOptions {
  config: GatewayConfig;
  index: number;
  /** Abstract unix socket of the primary's stdio host. */
  ipcPath: string;
  stateKey: Buffer;
  logger: Logger;
  /** The node's merged Prometheus metrics (asked of the primary). */
  metrics: () => Promise<{ text: string; contentType: string }>;
  /** Servers an operator disabled at runtime (the admin API). */
  disabled: readonly string[];
  /** Node-wide admin views and actions, asked of the primary. */
  askPrimary: (op: AdminOp, args: Record<string, string>) => Promise<AdminAnswer>;
}

export interface RunningWorker {
  port: number;
  health: Health;
  reconfigure(config: GatewayConfig, disabled: readonly string[]): Promise<void>;
  /** This worker's part of a node-wide admin view. */
  adminPart(what: 'sessions'): unknown;
  /** An operator restarted a server: this worker reopens its connections to it. */
  restartServer(name: string): Promise<void>;
  setStateKey(key: Buffer): void;
  /** Stops taking connections, lets in-flight requests finish (bounded), then closes everything. */
  drain(timeoutMs: number): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config, logger } = options;
  const { uws, native } = loadUws();
  if (native) logger.info('uWebSockets.js native build loaded');
  else logger.warn('uWebSockets.js native build NOT loaded: running on its slow JavaScript fallback');

  const primary = await connectPrimary(options.ipcPath, options.index);
  const store = createStore(config.redisUrl, REDIS_KEY_PREFIX);
  const workerTag = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const sessions = new Sessions(store, SESSION_IDLE_TIMEOUT_MS, logger, workerTag);
  const hub = new NotifyHub(sessions);
  let health: Health | undefined;
  const lists = new ListCache(store);
  const offload = new JsonOffload(config.listen.parseOffloadBytes);
  // The version names the new list; large lists are hashed off the event loop.
  const announcer = new ListChangeAnnouncer((kind) =>
    void offload
      .hash(JSON.stringify(upstreams.catalog.list(kind)))
      .then((h) => hub.listChanged(kind, h.slice(0, 16)))
      .catch((err: unknown) => logger.error({ err: String(err), kind }, 'could not announce a list change')),
  );
  const workerId = `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const relay = new ScopeRelay(store, workerId, (server, scope, replica) => {
    const backend = upstreams.get(server);
    return (replica === undefined ? backend?.replicas[0] : backend?.replica(replica))?.scoped?.get(scope);
  }, logger);
  const unattributed = unattributedLog(logger);
  const scopeServices = new WorkerScopeServices({
    sessions,
    relay,
    nodeId: options.ipcPath.replace(/^\0/, ''),
    logger,
    scopedListChanged: (server, scopeKey, kind) => upstreams.scopedListChanged(server, scopeKey, kind),
    unattributed,
  });
  primary.setScopeServices(scopeServices);
  const breakers = new CircuitBreakers(store, logger);
  // Replica health as the primaries' probes judge it: from the store's bus, or from this node's primary when the store is in-process.
  const replicaHealth = new HealthView(store);
  if (store.kind !== 'redis') primary.onHealth((replica, state) => replicaHealth.apply(replica, state));
  const upstreams: Upstreams = new Upstreams(config, primary, logger, {
    listChanged: (kind) => announcer.changed(kind),
    resourceUpdated: (_backend, params) => hub.resourceUpdated(params),
    unattributed,
    status: (name, status) => health?.onBackendStatus(name, status),
  }, lists, scopeServices, { breakers, health: replicaHealth });
  upstreams.setDisabled(options.disabled);
  health = new Health(() => upstreams.all());
  const h0 = health;
  if (store.kind === 'redis') {
    h0.setDegraded('redis', 'not connected yet');
    store.onHealth((up, reason) => {
      h0.setDegraded('redis', up ? undefined : `shared state store unreachable: ${reason ?? 'disconnected'}`);
      logger[up ? 'info' : 'warn']({ reason }, up ? 'redis connected' : 'redis unreachable: serving from local state');
    });
  }
  const sealer = new StateSealer(options.stateKey);
  const subscriptions = new ResourceSubscriptions(upstreams);
  sessions.onEnd((id) => {
    void subscriptions.drop(id);
    upstreams.setLogLevel(mostVerbose([...sessions.all()].map((s) => s.record.logLevel)));
  });
  sessions.onRelease((record) => {
    void upstreams.releaseScope({ sessionId: record.id, principal: record.principal, clientCapabilities: record.capabilities }).catch((err: unknown) =>
      logger.warn({ err: String(err) }, 'could not release a client\'s backend sessions'),
    );
  });
  const held = new HeldCalls(sealer, workerId);
  const identityFor = (c: GatewayConfig): Identity =>
    createIdentity(c.auth, { store, localShare: 1 / (c.workers > 0 ? c.workers : os.availableParallelism()), warn: (message) => logger.warn(message) });
  const access = new Access(identityFor(config));
  const router = new Router(upstreams, held, new RemoteResume(held, store), sealer, subscriptions, breakers, new ContextService(upstreams.catalog, config.context), access);
  const service = new McpService(router, upstreams, sessions, logger);

  const deps: EndpointDeps = {
    service,
    hub,
    guard: createOriginGuard(config.listen),
    maxBodyBytes: config.listen.maxBodyBytes,
    toolSchema: (name) => upstreams.catalog.resolve('tools', name)?.item.inputSchema,
    authenticator: createAuthenticator(access),
    offload,
    logger,
  };
  setCommonHeaders({ 'x-only1mcp-worker': String(process.pid) });
  const app: TemplatedApp = uws.App();
  mountStreamable(app, '/mcp', deps);
  mountLegacySse(app, '/sse', '/messages', deps);
  const h = health;
  app.get('/health', (res) => {
    const report = h.report();
    new Reply(res).json(report.status, JSON.stringify(report.body), { 'cache-control': 'no-store' });
  });
  mountAdmin(app, upstreams, deps.guard, deps.authenticator, access, async () => {
    await upstreams.ensure('tools');
    return router.context.tokenReport();
  });
  const views = new AdminViews(upstreams, replicaHealth, h, sessions, store);
  mountAdminApi(app, {
    views,
    // Bounded: a backend slow to list its tools must not hold an operator's view (it shows what the catalog has).
    ensureTools: () => withinMs(upstreams.ensure('tools'), ADMIN_VIEW_LIST_WAIT_MS),
    askPrimary: options.askPrimary,
    guard: deps.guard,
    authenticator: deps.authenticator,
    access,
  });
  activity()?.observe({ cache: () => ({ hits: lists.hits, misses: lists.fetchesFromBackend }), sessions: () => sessions.size });
  observeBackends(() => views.backendSamples((server) => activity()?.inflight(server) ?? 0));
  mountResourceMetadata(app, access);
  app.get('/metrics', (res) => {
    const reply = new Reply(res);
    void options.metrics().then((m) => reply.text(200, m.text, m.contentType));
  });
  app.any('/*', (res, req) => {
    const reply = new Reply(res);
    rejectWith(reply, 'GW_ERR_ROUTE_NOT_FOUND', `Not Found: nothing is served at ${req.getUrl()}; the MCP endpoint is /mcp`);
  });

  // A worker that took traffic before its store connection was up would answer 503 to every
  // session it does not hold yet. Wait for the connection (bounded: Redis down at start must not
  // stop the gateway, which then serves degraded from local state).
  await store.ready(STORE_READY_WAIT_MS);
  // Signing keys fetched before the first token arrives (a failure is logged; tokens get 503 until a fetch works).
  await access.current.warm();

  const listenSocket = await new Promise<unknown>((resolve, reject) => {
    app.listen(config.listen.host, config.listen.port, (token) => (token ? resolve(token) : reject(new Error(`could not listen on ${config.listen.host}:${config.listen.port}`))));
  });
  const port = uws.us_socket_local_port(listenSocket as never);
  logger.info({ host: config.listen.host, port, worker: options.index }, 'worker listening');
  upstreams.start();

  return {
    port,
    health: h,
    async reconfigure(next, disabled) {
      await upstreams.reconfigure(next, disabled);
      router.context.reconfigure(next.context);
      const fresh = identityFor(next);
      await fresh.warm();
      void access.swap(fresh).close();
    },
    adminPart: () => views.sessionsPart(),
    restartServer: (name) => upstreams.restart(name),
    setStateKey(key) {
      sealer.rotate(key);
      logger.info('sealing requestState with the shared key');
    },
    async drain(timeoutMs) {
      h.drain();
      uws.us_listen_socket_close(listenSocket as never);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && service.inflight > 0) {
        await new Promise((r) => setTimeout(r, 50));
      }
      hub.closeAll();
      announcer.close();
      relay.close();
      await access.current.close();
      replicaHealth.close();
      breakers.close();
      await offload.close();
      sessions.close();
      await upstreams.close();
      await store.close();
    },
  };
}

/** Resolves when `work` does or after `ms`, whichever is first (the work carries on). */
function withinMs(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}

async function connectPrimary(ipcPath: string, index: number): Promise<PrimaryChannel> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect(ipcPath, () => resolve(s));
    s.once('error', reject);
  });
  const channel = new FrameChannel<PrimaryToWorker, WorkerToPrimary>(socket);
  channel.send({ t: 'hello', worker: index });
  return new PrimaryChannel(channel);
}

/**
 * Counts what shared backend sessions sent that belongs to no one client, and
 * logs each kind once per backend and method: a chatty backend must not
 * flood the log with one line per dropped message.
 */
function unattributedLog(logger: Logger): (backend: string, method: string, kind: 'request' | 'notification') => void {
  const logged = new Set<string>();
  return (backend, method, kind) => {
    unattributedMessages.labels(backend, kind).inc();
    const key = `${backend}\0${method}\0${kind}`;
    if (logged.has(key) || logged.size >= 1_000) return;
    logged.add(key);
    logger.warn(
      { backend, method },
      kind === 'request'
        ? `backend ${backend} sent ${method} outside any call on a session all clients share: refused, since no one client can be named (counted in only1mcp_unattributed_messages_total; logged once). Give the server isolation: session to route it.`
        : `backend ${backend} sent ${method} outside any call on a session all clients share: dropped, since no one client can be named (counted in only1mcp_unattributed_messages_total; logged once). Give the server isolation: session to route it.`,
    );
  };
}
