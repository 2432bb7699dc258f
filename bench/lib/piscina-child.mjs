// Measures parse + sha256 of request bodies inline and in piscina pools set
// up as the gateway sets up its own (same thread count, input moved in), by
// body size. Three pooled variants:
//   parse-hash — the gateway's task (dist/workers/json-task.js): the parsed
//                value is structured-cloned back to the event loop;
//   hash       — the gateway's task, hashing only (nothing large comes back);
//   summary    — bench/fixtures/piscina-summary-task.mjs: parse + hash, but
//                only the routing fields come back.
// Run in a fresh process by scenarios/piscina.mjs; prints one JSON line per
// size, then `threads N`.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { FIXTURES, ROOT } from './paths.mjs';

const { sizes, budgetMs } = JSON.parse(process.argv[2]);
let threads = 2;
try {
  threads = (await import(path.join(ROOT, 'dist', 'src', 'worker', 'offload', 'json-offload.js'))).OFFLOAD_MAX_THREADS ?? threads;
} catch {
  // The gateway's offload module moved: keep the default.
}
const gatewayPool = new Piscina({ filename: path.join(ROOT, 'dist', 'workers', 'json-task.js'), minThreads: threads, maxThreads: threads });
const summaryPool = new Piscina({ filename: path.join(FIXTURES, 'piscina-summary-task.mjs'), minThreads: threads, maxThreads: threads });

const VARIANTS = {
  'parse-hash': { inline: parseHash, run: (bytes) => gatewayPool.run({ op: 'parse-hash', bytes }, { transferList: [bytes.buffer] }) },
  hash: { inline: hashOnly, run: (bytes) => gatewayPool.run({ op: 'hash', bytes }, { transferList: [bytes.buffer] }) },
  summary: { inline: parseHash, run: (bytes) => summaryPool.run({ bytes }, { transferList: [bytes.buffer] }) },
};

/** A tools/call body of about `bytes` bytes: rows of mixed strings, numbers and arrays. */
function body(bytes) {
  const rows = [];
  let size = 120;
  for (let i = 0; size < bytes; i++) {
    const row = { id: i, name: `row ${i}`, tags: ['alpha', 'beta', String(i % 7)], score: (i % 100) / 3, text: 'lorem ipsum dolor sit amet '.repeat(2) };
    rows.push(row);
    size += JSON.stringify(row).length + 1;
  }
  return Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'fx__echo', arguments: { rows } } }));
}

function parseHash(buf) {
  const value = JSON.parse(buf.toString('utf8'));
  return [value, createHash('sha256').update(buf).digest('base64url')];
}

function hashOnly(buf) {
  return createHash('sha256').update(buf).digest('base64url');
}

/** A private copy owning its ArrayBuffer, as a large request body does: movable to a thread. */
function owned(buf) {
  const copy = new Uint8Array(new ArrayBuffer(buf.length));
  copy.set(buf);
  return copy;
}

function timeInline(fn, buf, ms) {
  for (let i = 0; i < 3; i++) fn(buf);
  let ops = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    fn(buf);
    ops++;
  }
  return ((performance.now() - t0) * 1000) / ops;
}

/** About `ms` of single-task latency, then about `ms` of streaming (at least 20 tasks). */
async function timePool(run, buf, ms, inlineUs) {
  const count = Math.max(20, Math.min(20_000, Math.round((ms * 1000 * 2) / Math.max(inlineUs, 40))));
  for (const b of Array.from({ length: 4 }, () => owned(buf))) await run(b);
  // One task at a time, for a quarter of the budget (at least 5): the latency a single request sees.
  let done = 0;
  let spentMs = 0;
  while (done < 5 || spentMs < ms / 2) {
    const b = owned(buf);
    const t = performance.now();
    await run(b);
    spentMs += performance.now() - t;
    done++;
  }
  const latencyUs = (spentMs * 1000) / done;
  let copies;
  let t0;
  // Streaming, 2 × threads in flight: bodies per second, and event-loop time per task.
  copies = Array.from({ length: count }, () => owned(buf));
  let next = 0;
  const elu0 = performance.eventLoopUtilization();
  t0 = performance.now();
  await Promise.all(Array.from({ length: threads * 2 }, async () => {
    while (next < copies.length) await run(copies[next++]);
  }));
  const wallMs = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  return { latencyUs, eventLoopUs: (elu.active * 1000) / count, opsPerS: (count * 1000) / wallMs };
}

const r1 = (n) => Math.round(n * 10) / 10;
// Warm the JIT and the pools' threads on a mid-size body before anything is timed.
const warmBody = body(16 * 1024);
for (const variant of Object.values(VARIANTS)) {
  timeInline(variant.inline, warmBody, 100);
  await timePool(variant.run, warmBody, 100, 50);
}
for (const size of sizes) {
  const buf = body(size);
  const row = { size, bytes: buf.length };
  for (const [name, variant] of Object.entries(VARIANTS)) {
    const inlineUs = timeInline(variant.inline, buf, budgetMs / 4);
    const pool = await timePool(variant.run, buf, budgetMs / 4, inlineUs);
    row[name] = { inlineUs: r1(inlineUs), inlineOpsPerS: Math.round(1e6 / inlineUs), poolEventLoopUs: r1(pool.eventLoopUs), poolLatencyUs: r1(pool.latencyUs), poolOpsPerS: Math.round(pool.opsPerS) };
  }
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
await Promise.all([gatewayPool.destroy(), summaryPool.destroy()]);
process.stdout.write(`threads ${threads}\n`);
