// Runs one measured cell: the load generator in its own pinned process, and
// around its measured window, CPU time and RSS of every process involved.
import path from 'node:path';
import { CLOCK_TICKS_PER_S, cpuTicks, machineTicks, rssKb, startPinned } from './proc.mjs';
import { GENERATOR_CPUS } from './layout.mjs';

const CHILD = path.join(import.meta.dirname, 'load-child.mjs');

/**
 * job: the load-child job (driver, url/base, headers, body, connections,
 * durationS, warmupS, contains). processes: [{role, pid}] of the system
 * under test and its backends. generatorCpus: where the generator runs
 * (its own core by default). Returns the child's result plus `cpu`
 * (percent of one core per role over the measured window, plus `foreign`:
 * what anything else on the machine used meanwhile, and `steal`) and `rssMb`.
 */
export async function measure(job, processes, { generatorCpus = GENERATOR_CPUS } = {}) {
  const gen = startPinned(process.execPath, [CHILD, JSON.stringify(job)], { cpus: generatorCpus });
  const everyone = [...processes, { role: 'generator', pid: gen.pid }];
  let start;
  let end;
  const snapshot = () => ({ at: performance.now(), monotonicUs: Number(process.hrtime.bigint() / 1000n), ticks: everyone.map((p) => cpuTicks(p.pid) ?? 0), machine: machineTicks() });
  const lines = [];
  let buffered = '';
  gen.child.stdout.on('data', (d) => {
    buffered += d.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'phase measure') start = snapshot();
      else if (line === 'phase done') end = snapshot();
      else lines.push(line);
    }
  });
  const rss = {};
  const exit = await new Promise((resolve) => gen.child.once('exit', resolve));
  const resultLine = lines.find((l) => l.startsWith('result '));
  if (exit !== 0 || !resultLine) {
    const failed = lines.find((l) => l.startsWith('failed '));
    throw new Error(`load generator failed: ${failed ? JSON.parse(failed.slice(7)) : gen.output}`);
  }
  for (const p of processes) rss[p.role] = (rss[p.role] ?? 0) + (rssKb(p.pid) ?? 0);
  const result = JSON.parse(resultLine.slice(7));
  const cpu = {};
  if (start && end) {
    const wallS = (end.at - start.at) / 1000;
    everyone.forEach((p, i) => {
      const pct = ((end.ticks[i] - start.ticks[i]) / CLOCK_TICKS_PER_S / wallS) * 100;
      cpu[p.role] = Math.round((cpu[p.role] ?? 0) + pct);
    });
    // CPU the machine spent on anything but this cell (other users of a shared machine, the kernel's own work).
    const ours = everyone.reduce((sum, _p, i) => sum + (end.ticks[i] - start.ticks[i]), 0);
    cpu.foreign = Math.max(0, Math.round(((end.machine.busy - start.machine.busy - ours) / CLOCK_TICKS_PER_S / wallS) * 100));
    cpu.steal = Math.round(((end.machine.steal - start.machine.steal) / CLOCK_TICKS_PER_S / wallS) * 100);
  }
  return {
    ...result,
    /** The measured window on CLOCK_MONOTONIC (µs), the clock V8 profiles use. */
    window: start && end ? { startUs: start.monotonicUs, endUs: end.monotonicUs } : undefined,
    cpu,
    rssMb: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, Math.round(v / 102.4) / 10])),
  };
}
