/**
 * Forks the uWS workers and keeps them alive.
 *
 * A dead worker is replaced at once; a worker that keeps dying soon after
 * start is replaced with a growing delay (the crash-loop guard), so a bad
 * deploy does not fork thousands of processes a minute.
 */
import cluster, { type Worker } from 'node:cluster';
import { Backoff } from './backoff.js';
import { ENV_WORKER_INDEX, type PrimaryToWorkerControl, type WorkerToPrimaryControl } from '../ipc/cluster-protocol.js';
import type { GatewayConfig } from '../config/model.js';
import { LOG_FORMAT_ENV, logFormat, type Logger } from '../observe/log.js';
import { aggregator, nodeMetrics } from '../observe/metrics.js';

/** A worker that lived this long counts as healthy: its next crash is respawned at once again. */
export const WORKER_HEALTHY_MS = 10_000;
export const WORKER_RESPAWN_MAX_MS = 10_000;

/**
 * V8's young generation per worker: two semi-spaces of this size. Node's
 * default lets each grow to 16 MB under load, which a worker's small live
 * set (~10 MB) never needs. At 8 MB, A/B runs measured the same CPU per
 * tools/call within their noise and ~10 MB less RSS per worker; at 4 MB,
 * 8 MB less again but ~7% more CPU per call at concurrency 100, as objects
 * of calls in flight are promoted early. An operator's own flag wins.
 */
export const WORKER_SEMI_SPACE_MB = 8;

/** The workers' node flags: the primary's own, plus the young-generation cap unless already set. */
export function workerExecArgv(primaryArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const set = [...primaryArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--max[-_]semi[-_]space[-_]size/.test(a));
  return set ? [...primaryArgv] : [...primaryArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}

/** What the pool hands to the admin side of the primary (src/primary/node-admin.ts). */
export interface PoolAdmin {
  /** A worker's admin request, feed or part of a gathered view. `reply` answers that worker. */
  message(index: number, message: WorkerToPrimaryControl, reply: (m: PrimaryToWorkerControl) => void): void;
  /** A worker exited (its counters move to the node's retired totals). */
  exited(index: number): void;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  backoff: Backoff;
  port: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private stopping = false;
  private config: GatewayConfig;
  private readyWaiters: Array<() => void> = [];
  respawns = 0;
  private readonly metrics = aggregator();
  /** Servers an operator disabled at runtime, told to every worker with its configuration. */
  private disabled: string[] = [];
  admin: PoolAdmin | undefined;

  constructor(
    private readonly count: number,
    config: GatewayConfig,
    private readonly context: { stateKey: string; ipcPath: string; exec: string },
    private readonly logger: Logger,
  ) {
    this.config = config;
    cluster.setupPrimary({ exec: context.exec, args: [], execArgv: workerExecArgv(), silent: false });
  }

  start(): void {
    for (let i = 0; i < this.count; i++) {
      // The first crash is respawned immediately (0 ms), repeats back off.
      const slot: Slot = { index: i, worker: undefined, backoff: new Backoff(1, WORKER_RESPAWN_MAX_MS, WORKER_HEALTHY_MS), port: undefined, timer: undefined };
      this.slots.push(slot);
      this.fork(slot);
    }
  }

  /** Resolves when every worker listens. */
  allListening(): Promise<void> {
    if (this.slots.every((s) => s.port !== undefined)) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  pids(): number[] {
    return this.slots.flatMap((s) => (s.worker?.process.pid ? [s.worker.process.pid] : []));
  }

  /** Workers and their pids, for the admin API. */
  workers(): Array<{ index: number; pid: number }> {
    return this.slots.flatMap((s) => (s.worker?.process.pid ? [{ index: s.index, pid: s.worker.process.pid }] : []));
  }

  /** `disabled`: servers an operator disabled (their entries in `config` already say enabled: false). */
  reconfigure(config: GatewayConfig, disabled: readonly string[] = this.disabled): void {
    this.config = config;
    this.disabled = [...disabled];
    for (const slot of this.slots) this.send(slot, { t: 'reconfigure', config, disabled: this.disabled });
  }

  /** Sends a message to every live worker; returns how many it reached. */
  broadcast(message: PrimaryToWorkerControl): number {
    let sent = 0;
    for (const slot of this.slots) {
      if (slot.worker?.isConnected()) {
        this.send(slot, message);
        sent++;
      }
    }
    return sent;
  }

  /** A new requestState key: for the running workers now, and for any forked later. */
  setStateKey(hex: string): void {
    this.context.stateKey = hex;
    for (const slot of this.slots) this.send(slot, { t: 'state-key', stateKey: hex });
  }

  /** Drains every worker; resolves when all have exited (or were killed after the timeout). */
  async drain(timeoutMs: number): Promise<void> {
    this.stopping = true;
    const exits = this.slots.map((slot) => {
      clearTimeout(slot.timer);
      const w = slot.worker;
      if (!w || w.isDead()) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const kill = setTimeout(() => w.process.kill('SIGKILL'), timeoutMs + 2_000);
        w.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        this.send(slot, { t: 'drain', timeoutMs });
      });
    });
    await Promise.all(exits);
  }

  private fork(slot: Slot): void {
    // The primary's log format: workers write to its stderr, so a terminal never mixes pretty and JSON lines.
    const worker = cluster.fork({ [ENV_WORKER_INDEX]: String(slot.index), ONLY1MCP_LOG_LEVEL: this.config.logLevel, [LOG_FORMAT_ENV]: logFormat() });
    slot.worker = worker;
    slot.port = undefined;
    slot.backoff.started();
    worker.on('message', (message: WorkerToPrimaryControl) => {
      if (message.t === 'want-config') {
        this.send(slot, { t: 'config', config: this.config, stateKey: this.context.stateKey, ipcPath: this.context.ipcPath, index: slot.index, disabled: this.disabled });
      } else if (message.t === 'metrics-req') {
        void nodeMetrics(this.metrics).then(
          (text) => this.send(slot, { t: 'metrics', id: message.id, text, contentType: this.metrics.contentType }),
          (err: unknown) => this.send(slot, { t: 'metrics', id: message.id, text: `# metrics unavailable: ${String(err)}\n`, contentType: 'text/plain' }),
        );
      } else if (message.t === 'admin-req' || message.t === 'admin-part' || message.t === 'feed') {
        this.admin?.message(slot.index, message, (m) => this.send(slot, m));
      } else if (message.t === 'listening') {
        slot.port = message.port;
        if (this.slots.every((s) => s.port !== undefined)) for (const w of this.readyWaiters.splice(0)) w();
      }
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      this.admin?.exited(slot.index);
      if (this.stopping) return;
      const delay = slot.backoff.failed() - 1;
      this.respawns++;
      this.logger.warn({ worker: slot.index, pid: worker.process.pid, code, signal, respawnInMs: delay }, 'worker exited; respawning');
      slot.timer = setTimeout(() => this.fork(slot), delay);
    });
  }

  private send(slot: Slot, message: PrimaryToWorkerControl): void {
    const w = slot.worker;
    if (w && w.isConnected()) w.send(message);
  }
}
