// Where a worker's time goes when a target is missed: the gateway with one
// worker under `node --cpu-prof` (workers inherit the flag), loaded like
// scenario 2 at concurrency 100, then the worker's profile summarised
// (lib/cpu-profile.mjs). The profiler slows the worker a little; these runs'
// throughput is not a result, only the shares are.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHttpFixture } from '../lib/fixtures.mjs';
import { startGateway, stdioFixture } from '../lib/gateway.mjs';
import { measure } from '../lib/load.mjs';
import { summariseProfile } from '../lib/cpu-profile.mjs';
import { summariseGcTrace } from '../lib/gc-trace.mjs';
import { legacyCall, legacyList, modernCall, openSession } from '../lib/mcp-client.mjs';
import { BACKEND_CPUS, SUT_CPUS } from '../lib/layout.mjs';
import { pin } from '../lib/proc.mjs';
import { waitForQuiet } from '../lib/cell.mjs';

export const title = 'CPU profile of a gateway worker under load (node --cpu-prof)';
const CONCURRENCY = 100;

async function profileCase(ctx, { name, servers, request, extraProcesses = [] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'only1mcp-bench-prof-'));
  const gateway = await startGateway({ servers, workers: 1, redis: 'memory', cpus: SUT_CPUS, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
  let worker;
  let load;
  try {
    const processes = [...gateway.processes(), ...extraProcesses];
    for (const p of processes) if (p.role === 'backend' && !extraProcesses.includes(p)) pin(p.pid, BACKEND_CPUS);
    worker = processes.find((p) => p.role === 'worker-1').pid;
    const call = request(await openSession(gateway.url));
    await waitForQuiet(ctx, name);
    load = await measure({ driver: 'http', url: gateway.url, headers: call.headers, body: call.body, connections: CONCURRENCY, durationS: ctx.settings.durationS, warmupS: ctx.settings.warmupS }, processes);
  } finally {
    await gateway.stop(); // the profile is written when the worker exits
  }
  const file = fs.readdirSync(dir).find((f) => f.includes(`.${worker}.`));
  if (!file) throw new Error(`no profile written for worker ${worker}`);
  const summary = summariseProfile(path.join(dir, file), load.window);
  // BENCH_KEEP_PROFILE=1 keeps the .cpuprofile for Chrome DevTools or speedscope.
  if (process.env.BENCH_KEEP_PROFILE) ctx.log(`  profile kept: ${path.join(dir, file)}`);
  else fs.rmSync(dir, { recursive: true, force: true });
  ctx.log(`  ${name}: ${load.rps} req/s under the profiler; top areas: ${summary.areas.slice(0, 5).map((a) => `${a.area} ${a.percent}%`).join(', ')}`);
  const { window: _window, ...rest } = { ...load };
  return { case: name, concurrency: CONCURRENCY, rpsUnderProfiler: rest.rps, cpu: rest.cpu, ...summary };
}

/**
 * The same call at concurrency 10 under `--trace-gc`: how often and how long
 * V8 stops the worker, and how much it allocates per call — the tail
 * latency the p99 target reads.
 */
async function gcCase(ctx, fixture) {
  const gateway = await startGateway({ servers: { fx: { url: fixture.url } }, workers: 1, redis: 'memory', cpus: SUT_CPUS, nodeArgs: ['--trace-gc'] });
  try {
    const processes = [...gateway.processes(), { role: 'backend', pid: fixture.pid }];
    const worker = processes.find((p) => p.role === 'worker-1').pid;
    const call = legacyCall(await openSession(gateway.url), 'fx__echo');
    await waitForQuiet(ctx, 'GC trace');
    const load = await measure({ driver: 'http', url: gateway.url, headers: call.headers, body: call.body, connections: 10, durationS: ctx.settings.durationS, warmupS: 0 }, processes);
    const gc = summariseGcTrace(gateway.proc.output, worker, ctx.settings.durationS * 1000);
    const perCallKb = gc ? Math.round((gc.allocatedMb * 1024) / Math.max(1, (load.rps * gc.windowMs) / 1000)) : undefined;
    ctx.log(`  GC at concurrency 10: ${gc?.scavenges.count} scavenges (p50 ${gc?.scavenges.p50Ms} ms, max ${gc?.scavenges.maxMs} ms), ${gc?.majorGcs.count} major (max ${gc?.majorGcs.maxMs} ms), ~${perCallKb} KB allocated per call`);
    return { case: 'tools/call → HTTP fixture, concurrency 10, --trace-gc', rps: load.rps, latencyUs: load.latencyUs, allocatedKbPerCall: perCallKb, ...gc };
  } finally {
    await gateway.stop();
  }
}

export async function run(ctx) {
  const fixture = await startHttpFixture({ cpus: BACKEND_CPUS });
  const cases = [];
  let gc;
  try {
    cases.push(await profileCase(ctx, { name: 'tools/call → HTTP fixture, 2025 session', servers: { fx: { url: fixture.url } }, request: (h) => legacyCall(h, 'fx__echo'), extraProcesses: [{ role: 'backend', pid: fixture.pid }] }));
    if (!ctx.settings.quick || process.env.BENCH_PROFILE_MODERN) {
      cases.push(await profileCase(ctx, { name: 'tools/call → HTTP fixture, stateless 2026-07-28', servers: { fx: { url: fixture.url } }, request: () => modernCall('fx__echo'), extraProcesses: [{ role: 'backend', pid: fixture.pid }] }));
    }
    gc = await gcCase(ctx, fixture);
  } finally {
    await fixture.stop();
  }
  if (!ctx.settings.quick) {
    const servers = {};
    for (let i = 1; i <= 10; i++) servers[`fx${i}`] = stdioFixture(`fx${i}`, 10);
    cases.push(await profileCase(ctx, { name: 'tools/list, 10 stdio backends, cached', servers, request: (h) => legacyList(h) }));
    cases.push(await profileCase(ctx, { name: 'tools/call → stdio fixture, 2025 session', servers: { fx: stdioFixture('fx') }, request: (h) => legacyCall(h, 'fx__echo') }));
  }
  return { title, cases, gc };
}
