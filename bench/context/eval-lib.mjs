// Shared pieces of the offline context evaluation: loading LiveMCPBench, the
// held-out split, and the ranking metrics. Imports the built core from dist/.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const dataDir = process.env.CONTEXT_DATA_DIR ?? resolve(repoRoot, '../shared/data/context');
/** The gateway's default separator between prefix and tool name (src/config/defaults.ts). */
export const SEPARATOR = '__';

export function loadCatalog(file = resolve(dataDir, 'livemcpbench-tools.json')) {
  return JSON.parse(readFileSync(file, 'utf8')).tools;
}

/** Tasks with at least one relevant tool in the catalog (one of the 95 has none and cannot be scored). */
export function loadTasks(file = resolve(dataDir, 'livemcpbench-tasks.json')) {
  return JSON.parse(readFileSync(file, 'utf8')).tasks.filter((t) => t.tools_in_catalog.length > 0);
}

/**
 * The held-out split: a task goes to "tune" or "holdout" by the parity of
 * the first byte of sha256(id). Fixed, independent of content, roughly half
 * and half. Every technique was chosen looking at "tune" only.
 */
export function splitOf(task) {
  return createHash('sha256').update(task.id).digest()[0] % 2 === 0 ? 'tune' : 'holdout';
}

/** Tools the way the gateway exposes them under the 'prefix' naming policy. */
export function indexedTools(catalog) {
  return catalog.map((t) => ({
    name: `${t.server}${SEPARATOR}${t.name}`,
    server: t.server,
    original: t.name,
    description: t.description,
    inputSchema: t.inputSchema,
  }));
}

/** Recall@k by tool name (tools_in_catalog lists bare names), MRR over the whole ranking. */
export function evaluate(index, tasks, ks = [1, 3, 5, 10]) {
  const depth = Math.max(...ks, 50);
  const sums = Object.fromEntries(ks.map((k) => [k, 0]));
  let mrr = 0;
  const perTask = [];
  for (const task of tasks) {
    const relevant = new Set(task.tools_in_catalog);
    const hits = index.search(task.question, depth);
    const names = hits.map((h) => h.tool.original);
    const row = { id: task.id };
    for (const k of ks) {
      const top = new Set(names.slice(0, k));
      const r = [...relevant].filter((n) => top.has(n)).length / relevant.size;
      sums[k] += r;
      row[`r@${k}`] = r;
    }
    const first = names.findIndex((n) => relevant.has(n));
    const rr = first < 0 ? 0 : 1 / (first + 1);
    mrr += rr;
    row.rr = rr;
    perTask.push(row);
  }
  const n = tasks.length;
  const out = { n, mrr: mrr / n };
  for (const k of ks) out[`recall@${k}`] = sums[k] / n;
  return { summary: out, perTask };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
