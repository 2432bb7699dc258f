/**
 * Entry point of a worker process (forked by the primary through
 * node:cluster). It asks the primary for its configuration, serves until
 * told to drain, and exits non-zero on an uncaught fault so the primary
 * replaces it.
 */
import { initLogger, flushLog } from '../observe/log.js';
import { initTracing, shutdownTracing } from '../observe/tracing.js';
import { startWorker, type RunningWorker } from './app.js';
import { ENV_WORKER_INDEX, type AdminAnswer, type AdminOp, type PrimaryToWorkerControl, type WorkerToPrimaryControl } from '../ipc/cluster-protocol.js';
import { startActivity } from '../observe/activity.js';
import { ADMIN_FEED_FLUSH_MS, ADMIN_PRIMARY_TIMEOUT_MS } from '../observe/defaults.js';
import { tapLog } from '../observe/log.js';

/** How long a /metrics request waits for the primary's merged metrics. */
const METRICS_TIMEOUT_MS = 5_000;
/** How long a worker told to stop by SIGTERM lets its in-flight requests run. */
const WORKER_SIGTERM_DRAIN_MS = 10_000;

function send(message: WorkerToPrimaryControl): void {
  process.send?.(message);
}

let worker: RunningWorker | undefined;
const metricsWaiting = new Map<number, (m: { text: string; contentType: string }) => void>();
let nextMetrics = 0;

/** Asks the primary for the node's merged metrics (every worker's registry). */
export function nodeMetrics(): Promise<{ text: string; contentType: string }> {
  return new Promise((resolve) => {
    const id = nextMetrics++;
    metricsWaiting.set(id, resolve);
    send({ t: 'metrics-req', id });
    setTimeout(() => {
      if (metricsWaiting.delete(id)) resolve({ text: '# the primary did not answer in time\n', contentType: 'text/plain' });
    }, METRICS_TIMEOUT_MS).unref();
  });
}

function metricsAnswer(id: number, text: string, contentType: string): void {
  metricsWaiting.get(id)?.({ text, contentType });
  metricsWaiting.delete(id);
}
const adminWaiting = new Map<number, (answer: AdminAnswer) => void>();
let nextAdmin = 0;

/** Asks the primary for a node-wide admin view or action (src/primary/node-admin.ts). */
export function askPrimary(op: AdminOp, args: Record<string, string>): Promise<AdminAnswer> {
  return new Promise((resolve) => {
    const id = nextAdmin++;
    adminWaiting.set(id, resolve);
    send({ t: 'admin-req', id, op, args });
    setTimeout(() => {
      if (adminWaiting.delete(id)) resolve({ status: 503, body: { error: { code: 'primary_timeout', message: `the node's primary did not answer within ${ADMIN_PRIMARY_TIMEOUT_MS} ms` } } });
    }, ADMIN_PRIMARY_TIMEOUT_MS).unref();
  });
}

const index = Number(process.env[ENV_WORKER_INDEX] ?? 0);
let logger = initLogger(process.env.ONLY1MCP_LOG_LEVEL ?? 'info', `worker-${index}`);
// This worker's recent requests, log lines and counters, handed to the primary in batches.
const feed = startActivity(index);
tapLog((level, msg, time, fields) => feed.log(level, msg, time, fields));
setInterval(() => send({ t: 'feed', batch: feed.take() }), ADMIN_FEED_FLUSH_MS).unref();

process.on('message', (raw: unknown) => {
  const message = raw as PrimaryToWorkerControl;
  void (async () => {
    switch (message.t) {
      case 'config': {
        logger = initLogger(message.config.logLevel, `worker-${index}`);
        // Workers export their own spans; OpenTelemetry is loaded only when OTEL_* asks for it.
        await initTracing(`worker-${index}`, logger);
        worker = await startWorker({
          config: message.config,
          index: message.index,
          ipcPath: message.ipcPath,
          stateKey: Buffer.from(message.stateKey, 'hex'),
          logger,
          metrics: nodeMetrics,
          disabled: message.disabled,
          askPrimary,
        });
        send({ t: 'listening', port: worker.port });
        return;
      }
      case 'reconfigure':
        await worker?.reconfigure(message.config, message.disabled);
        return;
      case 'admin-res':
        adminWaiting.get(message.id)?.(message.answer);
        adminWaiting.delete(message.id);
        return;
      case 'admin-collect':
        send({ t: 'admin-part', id: message.id, body: worker?.adminPart(message.what) ?? { held: 0, sessions: [] } });
        return;
      case 'admin-restart':
        await worker?.restartServer(message.server);
        return;
      case 'state-key':
        worker?.setStateKey(Buffer.from(message.stateKey, 'hex'));
        return;
      case 'metrics':
        metricsAnswer(message.id, message.text, message.contentType);
        return;
      case 'drain':
        await worker?.drain(message.timeoutMs);
        await shutdownTracing();
        send({ t: 'drained' });
        flushLog();
        process.exit(0);
    }
  })().catch((err: unknown) => {
    logger.fatal({ err: String(err), stack: (err as Error)?.stack }, 'worker failed');
    flushLog();
    process.exit(1);
  });
});

process.on('uncaughtException', (err) => {
  logger.fatal({ err: String(err), stack: err.stack }, 'uncaught exception in worker');
  flushLog();
  process.exit(1);
});
process.on('unhandledRejection', (err) => {
  logger.error({ err: String(err), stack: (err as Error)?.stack }, 'unhandled rejection in worker');
});
// Ctrl-C reaches the whole process group; the primary coordinates the drain, so a worker ignores it.
process.on('SIGINT', () => undefined);
// A SIGTERM aimed at one worker drains just that worker; the primary forks a replacement.
process.on('SIGTERM', () => {
  void (worker?.drain(WORKER_SIGTERM_DRAIN_MS) ?? Promise.resolve()).then(shutdownTracing).finally(() => {
    flushLog();
    process.exit(0);
  });
});
process.on('disconnect', () => {
  flushLog();
  process.exit(0);
});

send({ t: 'want-config' });
