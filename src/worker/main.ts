/**
 * Entry point of a worker process (forked by the primary through
 * node:cluster). It asks the primary for its configuration, serves until
 * told to drain, and exits non-zero on an uncaught fault so the primary
 * replaces it.
 */
import { internalErrors } from '../observe/internal-error.js';
import { initLogger, flushLog } from '../observe/log.js';
import { initTracing, shutdownTracing } from '../observe/tracing.js';
import { startWorker, type RunningWorker } from './app.js';
import { ENV_WORKER_INDEX, type PrimaryToWorkerControl, type WorkerToPrimaryControl } from '../ipc/cluster-protocol.js';

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
const index = Number(process.env[ENV_WORKER_INDEX] ?? 0);
let logger = initLogger(process.env.ONLY1MCP_LOG_LEVEL ?? 'info', `worker-${index}`);

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
        });
        send({ t: 'listening', port: worker.port });
        return;
      }
      case 'reconfigure':
        await worker?.reconfigure(message.config);
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
  // Rate-limited per kind of fault: a bug hit by every request must not write a stack trace per request.
  internalErrors(logger).report(err, 'unhandled rejection in worker');
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
