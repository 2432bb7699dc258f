/**
 * Large-JSON work (parsing bodies, hashing payloads) goes to a piscina pool
 * above a size threshold and stays inline below it. A piscina task costs
 * tens of microseconds of hand-off plus a structured clone of the result,
 * which only pays when JSON.parse itself would block the event loop for
 * longer: the crossover measured by `npm run bench` (scenario "piscina") is
 * recorded in docs/performance.md and sets OFFLOAD_THRESHOLD_BYTES.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { JsonTask } from '../../../workers/json-task.js';
import { offloadedTasks } from '../../observe/metrics.js';

/** Bodies at least this large are parsed in the pool (crossover from bench/results/piscina.json). */
export const OFFLOAD_THRESHOLD_BYTES = 64 * 1024;
/** Threads per worker process: the node's cores are already shared by the uWS workers. */
export const OFFLOAD_MAX_THREADS = 2;
/** Idle pool threads exit after this long, so a quiet gateway holds no extra memory. */
export const OFFLOAD_IDLE_MS = 30_000;

const TASK_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'workers', 'json-task.js');

export class JsonOffload {
  private pool: Piscina | undefined;
  offloaded = 0;

  constructor(private readonly thresholdBytes = OFFLOAD_THRESHOLD_BYTES) {}

  /** JSON.parse of a request body: inline when small, in the pool when large. */
  async parse(bytes: Buffer): Promise<unknown> {
    if (bytes.length < this.thresholdBytes) return JSON.parse(bytes.toString('utf8'));
    const out = (await this.run({ op: 'parse', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) })) as { value: unknown };
    return out.value;
  }

  /** sha256 (base64url) of a payload, for cache keys and change detection. */
  async hash(text: string): Promise<string> {
    if (text.length < this.thresholdBytes) return createHash('sha256').update(text).digest('base64url');
    const bytes = Buffer.from(text, 'utf8');
    const out = (await this.run({ op: 'hash', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) })) as { hash: string };
    return out.hash;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }

  private run(task: JsonTask): Promise<unknown> {
    this.pool ??= new Piscina({ filename: TASK_FILE, minThreads: 0, maxThreads: OFFLOAD_MAX_THREADS, idleTimeout: OFFLOAD_IDLE_MS });
    this.offloaded++;
    offloadedTasks.inc();
    // A body buffer of this size is its own allocation (not Node's shared pool): move it, do not copy it.
    const owned = task.bytes.byteOffset === 0 && task.bytes.byteLength === task.bytes.buffer.byteLength;
    return owned ? this.pool.run(task, { transferList: [task.bytes.buffer as ArrayBuffer] }) : this.pool.run(task);
  }
}
