/**
 * The primary process: owns what must exist once per node (stdio backend
 * children, the health prober, the config watcher, the worker pool, the PID
 * file, signals).
 *
 * SIGTERM/SIGINT drain: workers stop accepting and finish in-flight work,
 * then stdio children get stdin EOF, SIGTERM, SIGKILL in turn, and the
 * process exits 0. SIGHUP reloads the configuration file.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StdioServer } from './stdio-server.js';
import { NodeHealth } from './node-health.js';
import { WorkerPool } from './worker-pool.js';
import { flushLog, type Logger } from '../observe/log.js';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis.js';
import { sharedStateKey } from './shared-secret.js';
import { IN_PROCESS_REDIS_URL, redactStoreSetting } from '../state/store-setting.js';
import { assertPortFree } from './port-check.js';
import type { GatewayConfig, StdioServerConfig } from '../config/model.js';
import { tapLog } from '../observe/log.js';
import { NodeActivity } from './node-activity.js';
import { AdminActions, withDisabled, type ReloadOutcome } from './admin-actions.js';
import { NodeAdmin, poolAdmin } from './node-admin.js';
import { WorkerGather } from './worker-gather.js';
import { createStore } from '../state/create-store.js';
import { REDIS_KEY_PREFIX } from '../config/defaults.js';
import type { StateStore } from '../state/store.js';

/** How long a starting primary waits for the store to read the cluster's disabled servers (then starts without them). */
export const ADMIN_STORE_READY_WAIT_MS = 2_000;

/** How long a drain lets in-flight requests run before workers are killed. */
export const DRAIN_TIMEOUT_MS = 15_000;

export interface PrimaryOptions {
  config: GatewayConfig;
  /** Re-reads the configuration (file + CLI overrides) for SIGHUP and the file watcher. */
  reload: (() => Promise<GatewayConfig>) | undefined;
  watch: ((onChange: () => void) => { close(): void }) | undefined;
  /** The PID file for the port actually bound (port 0 resolves to a free one first). */
  pidFile: ((port: number) => string) | undefined;
  logger: Logger;
}

export function stdioConfigs(config: GatewayConfig): StdioServerConfig[] {
  return config.servers.filter((s): s is StdioServerConfig => s.type === 'stdio' && s.common.enabled);
}

export function workerCount(config: GatewayConfig): number {
  return config.workers > 0 ? config.workers : Math.max(1, os.availableParallelism());
}

/** Port 0 means "any free port"; every worker must bind the same one, so pick it here. */
async function concretePort(host: string, port: number): Promise<number> {
  if (port !== 0) return port;
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const { logger } = options;
  let config = options.config;
  const port = await concretePort(config.listen.host, config.listen.port);
  // Before anything starts: the workers' SO_REUSEPORT bind would share a taken port silently.
  if (config.listen.port !== 0) await assertPortFree(config.listen.host, port);
  const state = await sharedState(config, logger);
  config = { ...config, redisUrl: state.url, workers: state.url === undefined ? 1 : config.workers, listen: { ...config.listen, port } };

  // The admin API's node-wide views: the primary's own log lines join its workers'.
  const activity = new NodeActivity();
  tapLog((level, msg, time, fields) => activity.log(level, msg, time, fields));
  const adminStore: StateStore | undefined = config.redisUrl === undefined ? undefined : createStore(config.redisUrl, REDIS_KEY_PREFIX);
  // Unique per process even where containers share hostnames and pids: other nodes' actions are told apart by it.
  const nodeId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  let generation = 1;
  let pool: WorkerPool | undefined;

  const stdio = new StdioServer(logger);
  await stdio.listen();
  // After the hosts exist: stdio replicas are pinged through them.
  const health = new NodeHealth(config.redisUrl, stdio, logger);
  // The configuration as it runs: the file's, minus servers an operator disabled.
  const applyConfig = async () => {
    const effective = withDisabled(config, actions.disabled);
    await stdio.apply(stdioConfigs(effective));
    health.apply(effective);
    pool?.reconfigure(effective, [...actions.disabled]);
  };

  const reload = async (why: string): Promise<ReloadOutcome> => {
    if (!options.reload) return { ok: false, error: new Error('this gateway was started without a configuration to reload') };
    try {
      const next = await options.reload();
      // The store and the port are fixed for the life of the process.
      config = { ...next, redisUrl: config.redisUrl, workers: config.workers, listen: { ...next.listen, port } };
      await applyConfig();
      generation++;
      logger.info({ why, servers: config.servers.length, generation }, 'configuration reloaded');
      return { ok: true, generation };
    } catch (err) {
      logger.error({ why, err: err instanceof Error ? err.message : String(err) }, 'configuration not reloaded: the file has errors; still running the previous one');
      return { ok: false, error: err };
    }
  };
  const actions: AdminActions = new AdminActions(adminStore, nodeId, {
    servers: () => config.servers.map((s) => s.name),
    applyDisabled: applyConfig,
    restart: async (server) => {
      await stdio.restart(server);
      pool?.broadcast({ t: 'admin-restart', server });
    },
    reload,
  }, logger);
  // Before any child starts: servers disabled on other nodes stay disabled here.
  await actions.start(ADMIN_STORE_READY_WAIT_MS);
  await applyConfig();

  const secret = await sharedStateKey(config.redisUrl, logger, (key) => pool?.setStateKey(key.toString('hex')));
  const exec = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'worker', 'main.js');
  const effective = withDisabled(config, actions.disabled);
  const workers = new WorkerPool(workerCount(config), effective, { stateKey: secret.key.toString('hex'), ipcPath: stdio.path, exec }, logger);
  pool = workers;
  workers.reconfigure(effective, [...actions.disabled]);
  const gather = new WorkerGather((m) => workers.broadcast(m));
  const admin = new NodeAdmin(activity, actions, {
    nodeId,
    storeKind: state.embedded ? 'embedded-redis' : adminStore ? 'redis' : 'memory',
    store: adminStore,
    configPath: () => config.source,
    generation: () => generation,
    workers: () => workers.workers(),
    gather: (what, timeoutMs) => gather.ask(what, timeoutMs),
  });
  workers.admin = poolAdmin(admin, activity, gather);
  workers.start();
  await workers.allListening();
  const pidFile = options.pidFile?.(port);
  writePidFile(pidFile, config);
  logger.info(
    { url: `http://${config.listen.host}:${port}/mcp`, workers: workers.pids(), config: config.source ?? '(built-in default)' },
    `only1mcp ready on http://${config.listen.host}:${port}/mcp`,
  );

  const watcher = options.watch?.(() => void reload('config file changed'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    watcher?.close();
    await workers.drain(DRAIN_TIMEOUT_MS);
    actions.close();
    activity.close();
    await adminStore?.close();
    await health.stop();
    await stdio.stop();
    secret.stop();
    await state.embedded?.stop();
    removePidFile(pidFile);
    logger.info('stopped');
    flushLog();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGHUP', () => void reload('SIGHUP'));
  process.on('exit', () => stdio.killAll());
}

/**
 * Where workers share state: the configured Redis; else a private
 * redis-server child; else (no binary, or `redis: memory`) in-process,
 * which means one worker. The log says which.
 */
async function sharedState(config: GatewayConfig, logger: Logger): Promise<{ url: string | undefined; embedded?: EmbeddedRedis }> {
  const configured = config.redisUrl;
  if (configured === IN_PROCESS_REDIS_URL) {
    if (workerCount(config) > 1) logger.warn('redis "memory" keeps state in one process: running one worker');
    logger.info('shared state: in-process (redis: memory)');
    return { url: undefined };
  }
  if (configured !== undefined) {
    logger.info({ redis: redactStoreSetting(configured) }, 'shared state: Redis');
    return { url: configured };
  }
  const embedded = await startEmbeddedRedis(logger);
  if ('failed' in embedded) {
    logger.warn(`shared state: in-process, one worker (no Redis configured, and ${embedded.failed})`);
    return { url: undefined };
  }
  logger.info({ redisPid: embedded.pid, socket: embedded.url }, 'shared state: embedded redis-server (private, unix socket, no persistence)');
  return { url: embedded.url, embedded };
}

function writePidFile(file: string | undefined, config: GatewayConfig): void {
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: config.listen.host, port: config.listen.port, config: config.source ?? null }));
}

/** Only this process's own PID file: another gateway may have written the file since. */
function removePidFile(file: string | undefined): void {
  if (!file) return;
  try {
    const owner = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    if (owner === process.pid) fs.unlinkSync(file);
  } catch {
    // Already gone, or not a PID file of ours.
  }
}
