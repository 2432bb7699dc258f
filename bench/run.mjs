// `npm run bench [-- --quick] [-- --only a,b]`: runs the scenarios in order,
// prints a table per scenario, writes bench/results/<scenario>.json, then
// evaluates the targets and rewrites docs/performance.md (with its SVG
// charts) from the result files. The root script installs bench/'s own
// dependencies and builds the gateway before this runs.
import { parseSettings } from './lib/settings.mjs';
import { machineInfo, commandLine } from './lib/machine.mjs';
import { SCENARIO_NAMES, writeResult } from './lib/results.mjs';
import { printTable } from './lib/table.mjs';
import { LAYOUT_TEXT } from './lib/layout.mjs';


const settings = parseSettings(process.argv.slice(2));
const t0 = performance.now();
const ctx = {
  settings,
  machine: machineInfo(),
  command: commandLine(),
  startedAt: new Date().toISOString(),
  log: (line) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
};

ctx.log(`only1mcp benchmarks, ${settings.mode} mode: ${settings.durationS} s per cell after ${settings.warmupS} s warm-up`);
ctx.log(`${ctx.machine.cpuModel}, ${ctx.machine.cores} cores, node ${ctx.machine.node}, ${ctx.machine.kernel}`);
ctx.log(`layout: ${LAYOUT_TEXT}`);
const names = settings.reportOnly ? [] : SCENARIO_NAMES.filter((n) => !settings.only || settings.only.includes(n));
let failures = 0;
for (const name of names) {
  const scenario = await import(`./scenarios/${name}.mjs`);
  ctx.log(`== ${name}: ${scenario.title}`);
  try {
    const body = await scenario.run(ctx);
    const record = writeResult(ctx, name, body);
    if (record.rows) printTable(record);
  } catch (err) {
    failures++;
    ctx.log(`scenario ${name} failed: ${err.stack ?? err}`);
  }
}
if (settings.docs) {
  const { writeReport } = await import('./lib/report.mjs');
  const summary = writeReport();
  for (const line of summary) ctx.log(line);
}
ctx.log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s${failures ? `, ${failures} scenario(s) failed` : ''}`);
process.exit(failures ? 1 : 0);
