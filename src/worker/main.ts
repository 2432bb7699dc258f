/**
 * Entry point of a worker process (forked by the primary through
 * node:cluster). It asks the primary for its configuration, serves until
 * told to drain, and exits non-zero on an uncaught fault so the primary
 * replaces it.
 */
import { initLogger, flushLog } from '../observe/log.js';
import { startWorker, type RunningWorker } from './app.js';
import { ENV_WORKER_INDEX, type PrimaryToWorkerControl, type WorkerToPrimaryControl } from '../ipc/cluster-protocol.js';

/** How long a worker told to stop by SIGTERM lets its in-flight requests run. */
const WORKER_SIGTERM_DRAIN_MS = 10_000;

function send(message: WorkerToPrimaryControl): void {
  process.send?.(message);
}

let worker: RunningWorker | undefined;
const index = Number(process.env[ENV_WORKER_INDEX] ?? 0);
let logger = initLogger(process.env.ONLY1MCP_LOG_LEVEL ?? 'info', `worker-${index}`);

process.on('message', (raw: unknown) => {
  const message = raw as PrimaryToWorkerControl;
  void (async () => {
    switch (message.t) {
      case 'config': {
        logger = initLogger(message.config.logLevel, `worker-${index}`);
        worker = await startWorker({
          config: message.config,
          index: message.index,
          ipcPath: message.ipcPath,
          stateKey: Buffer.from(message.stateKey, 'hex'),
          logger,
        });
        send({ t: 'listening', port: worker.port });
        return;
      }
      case 'reconfigure':
        await worker?.reconfigure(message.config);
        return;
      case 'drain':
        await worker?.drain(message.timeoutMs);
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
  void (worker?.drain(WORKER_SIGTERM_DRAIN_MS) ?? Promise.resolve()).finally(() => {
    flushLog();
    process.exit(0);
  });
});
process.on('disconnect', () => {
  flushLog();
  process.exit(0);
});

send({ t: 'want-config' });
