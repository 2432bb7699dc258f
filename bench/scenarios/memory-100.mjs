// Scenario 6 — memory with 100 configured backends (stdio fixtures): RSS of
// the primary, each worker, the embedded redis-server and the children,
// right after startup and after a warm-up of calls to every backend. Then,
// to say where a worker's memory goes, the RSS of a bare Node process after
// importing the worker's module graph, and after importing the tokenizer.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startGateway, stdioFixture } from '../lib/gateway.mjs';
import { openSession, post } from '../lib/mcp-client.mjs';
import { rssKb } from '../lib/proc.mjs';
import { ALL_CPUS } from '../lib/layout.mjs';
import { ROOT } from '../lib/paths.mjs';

export const title = 'memory with 100 configured stdio backends';
export const BACKENDS = 100;
/** Gives lazy start-up work (JIT, first GCs) time to settle before RSS is read. */
const SETTLE_MS = 2_000;
const WARMUP_CONCURRENCY = 10;

function snapshot(gateway) {
  const byRole = {};
  let children = 0;
  let childCount = 0;
  for (const p of gateway.processes()) {
    const mb = Math.round((rssKb(p.pid) ?? 0) / 102.4) / 10;
    if (p.role === 'backend') {
      children += mb;
      childCount++;
    } else byRole[p.role] = mb;
  }
  return { ...byRole, backendsTotal: Math.round(children), backendCount: childCount, backendAverage: Math.round((children / Math.max(1, childCount)) * 10) / 10 };
}

async function warmUp(url, headers, rounds) {
  const names = Array.from({ length: BACKENDS }, (_, i) => `fx${i + 1}__echo`);
  let next = 0;
  let calls = 0;
  let errors = 0;
  const total = rounds * names.length;
  await post(url, { jsonrpc: '2.0', id: 'l', method: 'tools/list', params: {} }, headers);
  await Promise.all(
    Array.from({ length: WARMUP_CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const r = await post(url, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: names[i % names.length], arguments: { text: 'hi' } } }, headers);
        calls++;
        if (!r.message?.result) errors++;
      }
    }),
  );
  return { calls, errors };
}

async function measureTopology(ctx, { workers, redis }) {
  const servers = {};
  for (let i = 1; i <= BACKENDS; i++) servers[`fx${i}`] = stdioFixture(`fx${i}`);
  const t0 = performance.now();
  const gateway = await startGateway({ servers, workers, redis, cpus: ALL_CPUS });
  const startupS = Math.round((performance.now() - t0) / 100) / 10;
  try {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const afterStartup = snapshot(gateway);
    const headers = await openSession(gateway.url);
    const warm = await warmUp(gateway.url, headers, ctx.settings.quick ? 10 : 50);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const afterWarmup = snapshot(gateway);
    const label = `${workers} worker${workers > 1 ? 's' : ''}, ${redis === 'memory' ? 'in-process state' : 'embedded redis'}`;
    const workerRss = Object.entries(afterWarmup).filter(([k]) => k.startsWith('worker-')).map(([, v]) => v);
    ctx.log(`  ${label}: ready in ${startupS} s; after warm-up (${warm.calls} calls, ${warm.errors} errors) primary ${afterWarmup.primary} MB, workers ${workerRss.join(' / ')} MB, ${afterWarmup.backendCount} backends ${afterWarmup.backendsTotal} MB`);
    return { topology: label, workers, redis, startupS, afterStartup, afterWarmup, warmup: warm };
  } finally {
    await gateway.stop();
  }
}

/** RSS (MB) of a fresh node process after running `code` and a full GC. */
function rssAfter(code) {
  const script = `${code}; globalThis.gc(); await new Promise((r) => setTimeout(r, 200)); process.stdout.write(String(process.memoryUsage().rss));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: ROOT });
  return Math.round(Number(out) / 1e5) / 10;
}

function moduleCosts() {
  const dist = (p) => JSON.stringify(path.join(ROOT, 'dist', p));
  return {
    bareNodeMb: rssAfter('0'),
    workerModulesMb: rssAfter(`await import(${dist('src/worker/app.js')})`),
    tokenizerOnlyMb: rssAfter(`const m = await import('gpt-tokenizer/encoding/o200k_base'); m.countTokens('warm up the ranks')`),
    uwsOnlyMb: rssAfter(`const { createRequire } = await import('node:module'); createRequire(import.meta.url)('uWebSockets.js')`),
  };
}

export async function run(ctx) {
  const topologies = [await measureTopology(ctx, { workers: 2, redis: 'embedded' })];
  if (!ctx.settings.quick) topologies.push(await measureTopology(ctx, { workers: 1, redis: 'memory' }));
  const modules = moduleCosts();
  ctx.log(`  module cost (RSS of a fresh node after import): bare ${modules.bareNodeMb} MB, worker modules ${modules.workerModulesMb} MB, gpt-tokenizer o200k alone ${modules.tokenizerOnlyMb} MB, uWS alone ${modules.uwsOnlyMb} MB`);
  return { title, backends: BACKENDS, topologies, modules };
}
