/**
 * Large-JSON work goes to a piscina pool where the benchmark shows the pool
 * costs the event loop less than doing the work inline (`npm run bench`,
 * scenario "piscina", bench/results/piscina.json, docs/performance.md):
 *
 * - Hashing pays from 64-128 KB, depending on the run (the input moves to the
 *   thread; only a 43-byte digest comes back): 1 MB costs the event loop
 *   0.14-0.26 ms pooled against about 1 ms inline. The threshold takes the
 *   higher figure. Digests of large merged lists go there.
 * - Parsing a body never paid, up to 4 MB: the parsed value has to come back
 *   by structured clone, and deserialising it costs the event loop more than
 *   JSON.parse itself (4 MB: 94 ms against 55 ms). Bodies are therefore parsed
 *   inline by default; `listen.parseOffloadBytes` in the config exists for a
 *   deployment whose measurements differ, and for tests of the pooled path.
 */
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Piscina } from 'piscina';
import type { JsonTask } from '../../../workers/json-task.js';
import { offloadedTasks } from '../../observe/metrics.js';
import { checkJsonLimits, keepExactId, parseJson, topLevel } from '../../mcp/json-limits.js';

/** Bodies at least this large are parsed in the pool: never by default (no crossover up to 4 MB, see above). */
export const PARSE_OFFLOAD_BYTES = Number.POSITIVE_INFINITY;
/** Texts at least this large are hashed in the pool (hash-only crossover, bench/results/piscina.json: 64 KB or 128 KB by run). */
export const HASH_OFFLOAD_BYTES = 128 * 1024;
/** Threads per worker process: the node's cores are already shared by the uWS workers. */
export const OFFLOAD_MAX_THREADS = 2;
/** Idle pool threads exit after this long, so a quiet gateway holds no extra memory. */
export const OFFLOAD_IDLE_MS = 30_000;

const TASK_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'workers', 'json-task.js');

export class JsonOffload {
  /** Loaded and started on first use: most workers never need it, and piscina alone is ~9 MB of RSS. */
  private pool: Promise<Piscina> | undefined;
  offloaded = 0;

  constructor(
    private readonly parseThresholdBytes = PARSE_OFFLOAD_BYTES,
    private readonly hashThresholdBytes = HASH_OFFLOAD_BYTES,
  ) {}

  /**
   * JSON.parse of a request body: inline when small, in the pool when large.
   * The input limits are checked first, on this thread (JsonLimitError), and
   * an id a JS number cannot hold is kept exactly (src/mcp/raw-id.ts).
   */
  async parse(bytes: Buffer): Promise<unknown> {
    if (bytes.length < this.parseThresholdBytes) return parseJson(bytes, true);
    checkJsonLimits(bytes);
    // The bytes move to the pool thread: the top-level id's raw text is read first (bodies this large are rare).
    const idText = topLevel(bytes).idText ?? '';
    const out = (await this.run({ op: 'parse', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) })) as { value: unknown };
    return keepExactId(out.value, `{"id":${idText}}`);
  }

  /** sha256 (base64url) of a payload, for cache keys and change detection. */
  async hash(text: string): Promise<string> {
    if (text.length < this.hashThresholdBytes) return createHash('sha256').update(text).digest('base64url');
    const bytes = Buffer.from(text, 'utf8');
    const out = (await this.run({ op: 'hash', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) })) as { hash: string };
    return out.hash;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await (await pool)?.destroy();
  }

  private async run(task: JsonTask): Promise<unknown> {
    this.pool ??= import('piscina').then(({ Piscina }) => new Piscina({ filename: TASK_FILE, minThreads: 0, maxThreads: OFFLOAD_MAX_THREADS, idleTimeout: OFFLOAD_IDLE_MS }));
    const pool = await this.pool;
    this.offloaded++;
    offloadedTasks.inc();
    // A body buffer of this size is its own allocation (not Node's shared pool): move it, do not copy it.
    const owned = task.bytes.byteOffset === 0 && task.bytes.byteLength === task.bytes.buffer.byteLength;
    return owned ? pool.run(task, { transferList: [task.bytes.buffer as ArrayBuffer] }) : pool.run(task);
  }
}
