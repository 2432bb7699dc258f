// Scenario 7 — the piscina crossover: JSON.parse + sha256 of a body inline
// vs in a piscina pool (the gateway's task file and thread count), by body
// size from 1 KB to 4 MB. Per size: how long inline work blocks the event
// loop; how much event-loop time a pooled task still costs (hand-off,
// transfer, and the structured clone of whatever comes back); bodies per
// second; single-task latency. The gateway offloads to keep its event loop
// free, so `crossoverBytes` is the smallest size from which the pooled
// parse+hash (the gateway's task, parsed value cloned back) costs the event
// loop less than inline work — at that size and every larger one measured;
// null when that never happens up to 4 MB. The same is reported for
// hashing alone and for a task that returns only routing fields.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLOCK_TICKS_PER_S, machineTicks } from '../lib/proc.mjs';
import { BENCH } from '../lib/paths.mjs';
import { ALL_CPUS } from '../lib/layout.mjs';
import { waitForQuiet } from '../lib/cell.mjs';

export const title = 'piscina crossover: JSON.parse + sha256 inline vs in the pool, by body size';
const SIZES = Array.from({ length: 13 }, (_, i) => 1024 * 2 ** i); // 1 KB … 4 MB

/** Smallest size (nominal: 1 KB, 2 KB, …) from which `wins(row)` holds for that row and every larger one. */
function crossover(rows, wins) {
  let from = null;
  for (let i = rows.length - 1; i >= 0 && wins(rows[i]); i--) from = rows[i].size;
  return from;
}

/** CPU (% of one core) that processes other than this run used while `work` ran. */
function foreignDuring(work) {
  const own = () => {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  };
  const t0 = performance.now();
  const m0 = machineTicks();
  const o0 = own();
  const out = work();
  const wallS = (performance.now() - t0) / 1000;
  const foreign = machineTicks().busy - m0.busy - (own() - o0);
  return { out, foreignCpuPercent: Math.max(0, Math.round((foreign / CLOCK_TICKS_PER_S / wallS) * 100)) };
}

const kb = (b) => (b === null ? 'never (up to 4 MB)' : `${Math.round(b / 1024)} KB`);

export async function run(ctx) {
  const budgetMs = ctx.settings.quick ? 100 : 1000;
  await waitForQuiet(ctx, 'piscina');
  const { out, foreignCpuPercent } = foreignDuring(() =>
    execFileSync('taskset', ['-c', ALL_CPUS, process.execPath, path.join(BENCH, 'lib', 'piscina-child.mjs'), JSON.stringify({ sizes: SIZES, budgetMs })], { encoding: 'utf8', maxBuffer: 1 << 24 }),
  );
  const lines = out.trim().split('\n');
  const threads = Number(lines.pop().split(' ')[1]);
  const sizes = lines.map((l) => JSON.parse(l));
  for (const r of sizes) {
    const v = r['parse-hash'];
    ctx.log(`  ${String(Math.round(r.size / 1024)).padStart(5)} KB  parse+hash inline ${String(v.inlineUs).padStart(8)} µs | pool: event loop ${String(v.poolEventLoopUs).padStart(8)} µs, latency ${String(v.poolLatencyUs).padStart(8)} µs | summary-only pool: event loop ${String(r.summary.poolEventLoopUs).padStart(7)} µs | hash inline ${String(r.hash.inlineUs).padStart(7)} µs, pool ${String(r.hash.poolEventLoopUs).padStart(7)} µs`);
  }
  const by = (variant, wins) => crossover(sizes, (r) => wins(r[variant]));
  const eventLoop = (v) => v.poolEventLoopUs < v.inlineUs;
  const result = {
    title,
    threads,
    foreignCpuPercent,
    criterion: 'smallest measured size from which (and above which) the pooled task costs the event loop less time than doing the work inline',
    crossoverBytes: by('parse-hash', eventLoop),
    throughputCrossoverBytes: by('parse-hash', (v) => v.poolOpsPerS > v.inlineOpsPerS),
    latencyCrossoverBytes: by('parse-hash', (v) => v.poolLatencyUs < v.inlineUs),
    hashOnlyCrossoverBytes: by('hash', eventLoop),
    summaryOnlyCrossoverBytes: by('summary', eventLoop),
    sizes,
  };
  ctx.log(`  other processes used ${foreignCpuPercent}% of a core meanwhile`);
  ctx.log(`  crossoverBytes (gateway task, event-loop time): ${kb(result.crossoverBytes)}; bodies/s: ${kb(result.throughputCrossoverBytes)}; latency: ${kb(result.latencyCrossoverBytes)}; hash only: ${kb(result.hashOnlyCrossoverBytes)}; routing-fields-only task: ${kb(result.summaryOnlyCrossoverBytes)}`);
  return result;
}
