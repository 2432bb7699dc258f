// bench/results/<scenario>.json: the record docs/performance.md is written
// from. Every file carries the machine, the command line, the mode and the
// date, so a figure can always be traced to the run that produced it.
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS } from './paths.mjs';
import { LAYOUT_TEXT } from './layout.mjs';

export function writeResult(ctx, name, body) {
  fs.mkdirSync(RESULTS, { recursive: true });
  const record = {
    scenario: name,
    ...body,
    mode: ctx.settings.mode,
    date: ctx.startedAt,
    ...ctx.command,
    machine: ctx.machine,
    layout: LAYOUT_TEXT,
    durationS: ctx.settings.durationS,
    warmupS: ctx.settings.warmupS,
  };
  fs.writeFileSync(path.join(RESULTS, `${name}.json`), JSON.stringify(record, null, 2) + '\n');
  return record;
}

export function readResult(name) {
  try {
    return JSON.parse(fs.readFileSync(path.join(RESULTS, `${name}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The scenarios in run order (bench/scenarios/<name>.mjs). */
export const SCENARIO_NAMES = ['direct', 'gateway-http', 'gateway-stdio', 'tools-list', 'peers', 'memory-100', 'piscina', 'profile', 'isolation', 'auth', 'replicas', 'tracing', 'flood'];

/** The scenarios' result files by scenario name (absent ones undefined). */
export function readResults() {
  return Object.fromEntries(SCENARIO_NAMES.map((n) => [n, readResult(n)]));
}
