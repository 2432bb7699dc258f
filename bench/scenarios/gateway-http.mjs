// Scenario 2 — tools/call through the gateway to the HTTP fixture.
//
// Pinned rows (the layout rule): the gateway alone on the SUT core, the
// fixture with the generator. One worker with in-process state
// (--redis memory) in the 2025 session form and the stateless 2026-07-28
// form; one worker with the embedded redis-server, to show what shared state
// costs on its own.
//
// Two workers cannot get a core each here (2 cores, and the generator needs
// one). The scaling pair therefore keeps the generator and the fixture on
// core 0 and gives each worker its own 40% of core 1 through a cgroup CPU
// quota (lib/cpu-quota.mjs): the same question at a smaller scale, with no
// worker ever competing with the generator. Where cgroups cannot be made
// (not root), 1 vs 2 workers is measured unpinned instead — every process
// on both cores — and the docs project the scaling from CPU per request.
import { startHttpFixture } from '../lib/fixtures.mjs';
import { startGateway } from '../lib/gateway.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyCall, modernCall, openSession } from '../lib/mcp-client.mjs';
import { ALL_CPUS, BACKEND_CPUS, SUT_CPUS } from '../lib/layout.mjs';
import { pin } from '../lib/proc.mjs';
import { capCpu, quotaAvailable } from '../lib/cpu-quota.mjs';

/** Each worker's share of the SUT core in the scaling pair: two of them leave the primary and redis a fifth. */
export const WORKER_CPU_QUOTA = 0.4;

export const title = 'tools/call through the gateway to the HTTP fixture';

/** Rows of one gateway start; the first form at `levels`, any other at `secondary`. */
async function gatewayRows(ctx, fixture, { system, workers, redis, cpus, forms, levels, secondary = levels, pinned, quota }) {
  const gateway = await startGateway({ servers: { fx: { url: fixture.url } }, workers, redis, cpus });
  const releases = [];
  try {
    const processes = [...gateway.processes(), { role: 'backend', pid: fixture.pid }];
    if (quota) for (const p of processes) if (p.role.startsWith('worker-')) releases.push(capCpu(p.pid, quota, p.role));
    const rows = [];
    for (const form of forms) {
      const { headers, body } = form === '2026' ? modernCall('fx__echo') : legacyCall(await openSession(gateway.url), 'fx__echo');
      const placement = quota ? `${Math.round(quota * 100)}% of core ${SUT_CPUS} per worker (cgroup)` : pinned ? 'pinned' : 'unpinned';
      const via = `${form === '2026' ? 'stateless 2026-07-28' : '2025 session'}, ${redis === 'memory' ? 'in-process state' : 'embedded redis'}, ${placement}`;
      const at = form === forms[0] ? levels : secondary;
      rows.push(...(await runCells(ctx, { system, via, job: { driver: 'http', url: gateway.url, headers, body, contains: '"text":"ok"' }, processes, generatorCpus: pinned ? undefined : ALL_CPUS, extra: { workers, form, redis, pinned, quota } }, at)));
    }
    return rows;
  } finally {
    await gateway.stop();
    for (const release of releases) await release();
  }
}

export async function run(ctx) {
  const fixture = await startHttpFixture({ cpus: BACKEND_CPUS });
  try {
    const { concurrencies, secondary } = ctx.settings;
    const rows = await gatewayRows(ctx, fixture, { system: 'only1mcp 1 worker', workers: 1, redis: 'memory', cpus: SUT_CPUS, forms: ['2025', '2026'], levels: concurrencies, secondary, pinned: true });
    if (!ctx.settings.quick) rows.push(...(await gatewayRows(ctx, fixture, { system: 'only1mcp 1 worker', workers: 1, redis: 'embedded', cpus: SUT_CPUS, forms: ['2025'], levels: [100], pinned: true })));
    // The scaling pair: identical arrangement, only the worker count differs.
    const levels = ctx.settings.quick ? [100] : [10, 100];
    const name = (workers) => `only1mcp ${workers} worker${workers > 1 ? 's' : ''}`;
    if (quotaAvailable()) {
      for (const workers of [1, 2]) {
        rows.push(...(await gatewayRows(ctx, fixture, { system: name(workers), workers, redis: 'embedded', cpus: SUT_CPUS, forms: ['2025'], levels, pinned: true, quota: WORKER_CPU_QUOTA })));
      }
    } else {
      ctx.log('  no cgroup CPU quotas here (needs root): the scaling pair runs unpinned');
      pin(fixture.pid, ALL_CPUS);
      for (const workers of [1, 2]) {
        rows.push(...(await gatewayRows(ctx, fixture, { system: name(workers), workers, redis: 'embedded', cpus: ALL_CPUS, forms: ['2025'], levels, pinned: false })));
      }
      rows.push(...(await directUnpinned(ctx)));
    }
    return { title, rows };
  } finally {
    await fixture.stop();
  }
}

/** The direct call in the unpinned arrangement, so the scaling pair has its own limit to compare with. */
async function directUnpinned(ctx) {
  const fixture = await startHttpFixture({ cpus: ALL_CPUS });
  try {
    const { headers, body } = legacyCall({ 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': 'bench' }, 'echo');
    return await runCells(ctx, { system: 'direct', via: 'HTTP fixture, no gateway, unpinned', job: { driver: 'http', url: fixture.url, headers, body, contains: '"text":"ok"' }, processes: [{ role: 'backend', pid: fixture.pid }], generatorCpus: ALL_CPUS, extra: { pinned: false } }, [100]);
  } finally {
    await fixture.stop();
  }
}
