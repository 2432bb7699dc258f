// Scenario 10 — replicas (issue 13): tools/call through the gateway to one
// HTTP fixture, then to two replicas of it.
//
// Rows, same arrangement and gateway (1 worker, in-process state, 2025
// session client, isolation shared):
//   1 replica, `url:`                 the short path (no routing policies)
//   1 replica, `replicas: [{ url }]`  the same server written as a replica
//                                     list: still the short path, so any
//                                     difference from the row above is noise
//   2 replicas, round-robin           the routing policies on every call
//                                     (pick, in-flight count, breaker and
//                                     outlier detection per replica)
//   2 replicas, least-connections     (full mode)
// Concurrency 1 gives a call's latency alone (what balancing adds to one
// call); 100 gives throughput.
//
// Each replica gets a core of its own where the machine has one besides the
// generator's and the gateway's (4 cores and up: cores 2 and 3); on fewer,
// both share the backend core with the generator, as every fixture does
// (bench/lib/layout.mjs). The fixture answers far faster than the gateway
// forwards, so on that layout two replicas cannot add throughput: the rows
// then measure what balancing costs, not what a second backend gains.
import { startHttpFixture } from '../lib/fixtures.mjs';
import { startGateway } from '../lib/gateway.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyCall, openSession } from '../lib/mcp-client.mjs';
import { BACKEND_CPUS, CORES, SUT_CPUS } from '../lib/layout.mjs';

export const title = 'tools/call over 2 replicas vs 1, and what balancing costs';

/** Replica i's cores: its own where the machine has spare ones, else the backend core. */
export function replicaCpus(i) {
  return CORES >= 4 ? String(2 + i) : BACKEND_CPUS;
}

async function rows(ctx, { system, server, fixtures, levels }) {
  const gateway = await startGateway({ servers: { fx: server }, workers: 1, redis: 'memory', cpus: SUT_CPUS });
  try {
    const processes = [...gateway.processes(), ...fixtures.map((f, i) => ({ role: `replica-${i + 1}`, pid: f.pid }))];
    const { headers, body } = legacyCall(await openSession(gateway.url), 'fx__echo');
    const via = `2025 session, in-process state, replicas on core${fixtures.length > 1 && CORES >= 4 ? 's 2, 3' : ` ${replicaCpus(0)}`}`;
    return await runCells(ctx, { system, via, job: { driver: 'http', url: gateway.url, headers, body, contains: '"text":"ok"' }, processes, extra: { replicas: fixtures.length } }, levels);
  } finally {
    await gateway.stop();
  }
}

export async function run(ctx) {
  const fixtures = [await startHttpFixture({ cpus: replicaCpus(0), name: 'replica-1' }), await startHttpFixture({ cpus: replicaCpus(1), name: 'replica-2' })];
  const [one, two] = fixtures;
  const levels = ctx.settings.quick ? [1, 100] : [1, 10, 100];
  try {
    const out = [];
    out.push(...(await rows(ctx, { system: 'only1mcp, 1 replica (url)', server: { url: one.url }, fixtures: [one], levels })));
    out.push(...(await rows(ctx, { system: 'only1mcp, 1 replica (replicas list)', server: { replicas: [{ url: one.url }] }, fixtures: [one], levels })));
    out.push(...(await rows(ctx, { system: 'only1mcp, 2 replicas round-robin', server: { replicas: [{ url: one.url }, { url: two.url }], balance: 'round-robin' }, fixtures, levels })));
    if (!ctx.settings.quick) {
      out.push(...(await rows(ctx, { system: 'only1mcp, 2 replicas least-connections', server: { replicas: [{ url: one.url }, { url: two.url }], balance: 'least-connections' }, fixtures, levels })));
    }
    return { title, rows: out, facts: facts(out) };
  } finally {
    await Promise.all(fixtures.map((f) => f.stop()));
  }
}

/** The worker's CPU time per call (µs): steadier than throughput on a shared machine. */
function workerUsPerCall(row) {
  const share = Object.entries(row.cpu ?? {}).filter(([k]) => k.startsWith('worker-')).reduce((s, [, v]) => s + v, 0) / 100;
  return row.rps > 0 ? Math.round((share / row.rps) * 1e6) : undefined;
}

/** Same-run comparisons: 2 replicas against 1, and the replica-list form against `url:`. */
function facts(rows) {
  const at = (system, c) => rows.find((r) => r.system === system && r.concurrency === c && !r.failed);
  const out = [`worker CPU per call at c=100: ${rows.filter((r) => r.concurrency === 100 && !r.failed).map((r) => `${r.system.replace('only1mcp, ', '')} ${workerUsPerCall(r)} µs`).join('; ')}`];
  for (const c of [1, 100]) {
    const base = at('only1mcp, 1 replica (url)', c);
    const list = at('only1mcp, 1 replica (replicas list)', c);
    const rr = at('only1mcp, 2 replicas round-robin', c);
    if (!base) continue;
    const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
    if (list) out.push(`c=${c}: one replica written as a list vs url: throughput ${pct(list.rps / base.rps - 1)}, p50 ${pct(list.latencyUs.p50 / base.latencyUs.p50 - 1)} (the same code path: run-to-run noise)`);
    if (rr) out.push(`c=${c}: two replicas (round-robin) vs one: throughput ${pct(rr.rps / base.rps - 1)}, p50 ${pct(rr.latencyUs.p50 / base.latencyUs.p50 - 1)}, p99 ${pct(rr.latencyUs.p99 / base.latencyUs.p99 - 1)}`);
  }
  return out;
}
