// One row of a throughput table: a system at one concurrency, measured with
// the same generator, durations and sampling as every other row.
import { measure } from './load.mjs';
import { machineBusyPercent } from './proc.mjs';

/**
 * This machine may be shared: a cell during which other processes used, or
 * the hypervisor took (steal), more than this much CPU (percent of one core)
 * is measured again, and the cleanest attempt is kept; every row records
 * what it saw (`cpu.foreign`, `cpu.steal`). Steal alone has halved a cell's
 * throughput here.
 */
const FOREIGN_CPU_RETRY_PERCENT = 15;

/** CPU the cell's processes did not get: other processes' use plus the hypervisor's steal. */
const disturbance = (r) => (r.cpu.foreign ?? 0) + (r.cpu.steal ?? 0);

/** How long full mode waits, before a cell, for other processes to go quiet. */
const QUIET_WAIT_MAX_S = 180;
const QUIET_SAMPLE_MS = 1_000;

/**
 * Full mode: waits until the machine (whose system under test is idle
 * between cells) is busy less than the retry threshold, up to
 * QUIET_WAIT_MAX_S. Measuring while other jobs run only to measure again
 * costs more than waiting for them.
 */
export async function waitForQuiet(ctx, label) {
  if (ctx.settings.quick) return;
  const t0 = performance.now();
  let said = 0;
  for (;;) {
    const busy = await machineBusyPercent(QUIET_SAMPLE_MS);
    const waited = (performance.now() - t0) / 1000;
    if (busy <= FOREIGN_CPU_RETRY_PERCENT || waited > QUIET_WAIT_MAX_S) return;
    if (waited - said >= 15 || said === 0) {
      ctx.log(`  ${label}: waiting for other processes to go quiet (machine ${Math.round(busy)}% busy)`);
      said = waited || 0.001;
    }
  }
}

const fmt = (n) => (n === undefined ? '-' : n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n} µs`);

/**
 * spec: { system, via, concurrency, job (without connections/durations),
 * processes: [{role, pid}], generatorCpus?, extra? (fields added to the
 * row) }. A failing cell becomes a row with `failed`, so one broken peer
 * never loses the rest of the run.
 */
export async function runCell(ctx, spec) {
  const { system, via, concurrency } = spec;
  const label = `${system}${via ? ` (${via})` : ''} c=${concurrency}`;
  try {
    const job = { ...spec.job, connections: concurrency, durationS: ctx.settings.durationS, warmupS: ctx.settings.warmupS };
    let r;
    let attempts = 0;
    while (attempts < ctx.settings.maxAttempts) {
      attempts++;
      await waitForQuiet(ctx, label);
      const attempt = await measure(job, spec.processes, { generatorCpus: spec.generatorCpus });
      if (!r || disturbance(attempt) < disturbance(r)) r = attempt;
      if (disturbance(r) <= FOREIGN_CPU_RETRY_PERCENT || attempts >= ctx.settings.maxAttempts) break;
      ctx.log(`  ${label}: other processes used ${attempt.cpu.foreign ?? 0}% and the hypervisor took ${attempt.cpu.steal ?? 0}% of a core meanwhile; measuring again`);
    }
    r.attempts = attempts;
    ctx.log(`  ${label.padEnd(58)} ${String(r.rps).padStart(7)} req/s  p50 ${fmt(r.latencyUs?.p50).padStart(9)}  p99 ${fmt(r.latencyUs?.p99).padStart(9)}  errors ${r.errors}`);
    if (r.errors > 0 && r.errorSample) ctx.log(`      first error: ${r.errorSample}`);
    const { window: _window, ...row } = r;
    return { system, via, concurrency, ...row, ...(spec.extra ?? {}) };
  } catch (err) {
    ctx.log(`  ${label.padEnd(58)} FAILED: ${String(err.message ?? err).split('\n')[0]}`);
    return { system, via, concurrency, failed: String(err.message ?? err).slice(0, 2000) };
  }
}

/** Runs `spec` at each concurrency in `levels`. */
export async function runCells(ctx, spec, levels) {
  const rows = [];
  for (const concurrency of levels) rows.push(await runCell(ctx, { ...spec, concurrency }));
  return rows;
}
