// Offline context-swapping evaluation on LiveMCPBench (527 tools, 70 servers,
// 95 tasks). Build first (npx tsc -p tsconfig.json), then:
//   node bench/context/offline.mjs
// Prints token costs per mode, ranking quality (recall@1/3/5/10, MRR on the
// tune half, the held-out half and all tasks), the ablation, and search
// latency; writes bench/results/context-offline.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ToolIndex, DEFAULT_INDEX_OPTIONS } from '../../dist/src/context/tool-index.js';
import { compactTool } from '../../dist/src/context/compact.js';
import { listTokens, toolTokens, countTokens } from '../../dist/src/context/tokens.js';
import { renderToolList } from '../../dist/src/context/modes.js';
import { formatFindResult } from '../../dist/src/context/meta-tools.js';
import { evaluate, indexedTools, loadCatalog, loadTasks, percentile, repoRoot, splitOf, SEPARATOR } from './eval-lib.mjs';

const catalog = loadCatalog();
const tasks = loadTasks();
const tools = indexedTools(catalog);
const listed = catalog.map((t) => ({ name: `${t.server}${SEPARATOR}${t.name}`, description: t.description, inputSchema: t.inputSchema }));
const byName = new Map(listed.map((t) => [t.name, t]));
const splits = { tune: tasks.filter((t) => splitOf(t) === 'tune'), holdout: tasks.filter((t) => splitOf(t) === 'holdout'), all: tasks };

// ---- tokens per mode -------------------------------------------------------
const full = listTokens(renderToolList('full', listed));
const compact = listTokens(renderToolList('compact', listed));
const search = listTokens(renderToolList('search', listed));
const index = new ToolIndex(tools);
const findCosts = (opts) =>
  tasks.map((t) => {
    const res = formatFindResult(index.search(t.question, 5), (n) => byName.get(n), opts);
    return countTokens(JSON.stringify(res));
  });
const findCompact = findCosts({ compact: true }).sort((a, b) => a - b);
const findExact = findCosts({ compact: false, maxTokens: Infinity }).sort((a, b) => a - b);
const findUncapped = findCosts({ compact: true, maxTokens: Infinity }).sort((a, b) => a - b);
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const pct = (v) => `${((100 * v) / full).toFixed(2)}%`;
const tokens = {
  fullTools: full,
  compactTools: compact,
  searchTools: search,
  find5CompactMean: Math.round(mean(findCompact)),
  find5CompactMax: findCompact.at(-1),
  find5CompactUncappedMean: Math.round(mean(findUncapped)),
  find5CompactUncappedMax: findUncapped.at(-1),
  find5ExactMean: Math.round(mean(findExact)),
  find5ExactMax: findExact.at(-1),
};
console.log(`\nTokens (o200k_base, tools as JSON.stringify; ${listed.length} tools, ${new Set(catalog.map((t) => t.server)).size} servers)`);
console.log(`  full tools/list            ${String(full).padStart(7)}  100%`);
console.log(`  compact tools/list         ${String(compact).padStart(7)}  ${pct(compact)}`);
console.log(`  search tools/list          ${String(search).padStart(7)}  ${pct(search)}`);
console.log(`  find, 5 hits (default)     ${String(tokens.find5CompactMean).padStart(7)}  ${pct(tokens.find5CompactMean)} mean, max ${tokens.find5CompactMax} (${pct(tokens.find5CompactMax)})`);
console.log(`  find, 5 compacted, no cap  ${String(tokens.find5CompactUncappedMean).padStart(7)}  ${pct(tokens.find5CompactUncappedMean)} mean, max ${tokens.find5CompactUncappedMax} (${pct(tokens.find5CompactUncappedMax)})`);
console.log(`  find, 5 as listed, no cap  ${String(tokens.find5ExactMean).padStart(7)}  ${pct(tokens.find5ExactMean)} mean, max ${tokens.find5ExactMax} (${pct(tokens.find5ExactMax)})`);

// ---- ranking ---------------------------------------------------------------
/** Plain BM25, the reference point: one field (name + description), lower-cased alphanumeric runs, no splitting, stemming or stop words. */
class PlainBm25 {
  constructor(items, k1 = 1.2, b = 0.75) {
    this.items = items;
    this.k1 = k1;
    this.b = b;
    this.docs = items.map((t) => this.tok(`${t.original} ${t.description ?? ''}`));
    this.avg = this.docs.reduce((s, d) => s + d.length, 0) / this.docs.length;
    this.df = new Map();
    for (const d of this.docs) for (const w of new Set(d)) this.df.set(w, (this.df.get(w) ?? 0) + 1);
  }
  tok(s) {
    return s.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  }
  search(q, k) {
    const terms = new Set(this.tok(q));
    const n = this.docs.length;
    const scored = this.docs.map((d, i) => {
      let s = 0;
      for (const t of terms) {
        const tf = d.filter((w) => w === t).length;
        if (!tf) continue;
        const df = this.df.get(t);
        s += Math.log(1 + (n - df + 0.5) / (df + 0.5)) * ((tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * d.length) / this.avg)));
      }
      return { tool: this.items[i], score: s };
    });
    return scored.filter((h) => h.score > 0).sort((a, b) => b.score - a.score).slice(0, k);
  }
}

const flat = { name: 1, server: 1, description: 1, params: 1, types: 1 };
const flatB = { name: 0.75, server: 0.75, description: 0.75, params: 0.75, types: 0 };
const off = { stem: false, valueTypes: false, synonymWeight: 0, glossary: false, producerWeight: 0, nameCoverageWeight: 0, serverWeight: 0, clauseWeight: 0, fieldWeights: flat, fieldB: flatB, k1: 1.2 };
const D = DEFAULT_INDEX_OPTIONS;
const cumulative = [
  ['plain BM25 (name + description, no analysis)', null],
  ['+ identifier splitting, stop words, all fields', { ...off }],
  ['+ stemming', { ...off, stem: true }],
  ['+ field weights (BM25F)', { ...off, stem: true, fieldWeights: D.fieldWeights, fieldB: D.fieldB, k1: D.k1 }],
  ['+ value types (query expansion from schemas)', { ...off, stem: true, fieldWeights: D.fieldWeights, fieldB: D.fieldB, k1: D.k1, valueTypes: true }],
  ['+ synonyms', { ...off, stem: true, fieldWeights: D.fieldWeights, fieldB: D.fieldB, k1: D.k1, valueTypes: true, synonymWeight: D.synonymWeight }],
  ['+ Chinese glossary', { ...off, stem: true, fieldWeights: D.fieldWeights, fieldB: D.fieldB, k1: D.k1, valueTypes: true, synonymWeight: D.synonymWeight, glossary: true }],
  ['+ producer lift (co-usage from schemas)', { nameCoverageWeight: 0 }],
  ['+ name coverage = default', {}],
];
const leaveOneOut = [
  ['default - stemming', { stem: false }],
  ['default - field weights', { fieldWeights: flat, fieldB: flatB, k1: 1.2 }],
  ['default - value types', { valueTypes: false }],
  ['default - synonyms', { synonymWeight: 0 }],
  ['default - glossary', { glossary: false }],
  ['default - producer lift', { producerWeight: 0 }],
  ['default - name coverage', { nameCoverageWeight: 0 }],
];
const tried = [
  ['tried: + server-level score (0.15)', { serverWeight: 0.15 }],
  ['tried: + server-level score (0.3)', { serverWeight: 0.3 }],
  ['tried: + per-clause fusion (0.3)', { clauseWeight: 0.3 }],
];

const f3 = (v) => v.toFixed(3);
const rows = [];
console.log('\nRanking (relevance by tool name; 94 scorable tasks: tune 47 / holdout 47; every choice made on tune)');
console.log(`  ${'configuration'.padEnd(52)} ${'r@10 tune'.padStart(9)} ${'holdout'.padStart(8)} ${'all'.padStart(6)} | ${'r@1'.padStart(6)} ${'r@3'.padStart(6)} ${'r@5'.padStart(6)} ${'MRR'.padStart(6)} (all)`);
for (const [group, list] of [['cumulative', cumulative], ['leave-one-out', leaveOneOut], ['tried', tried]]) {
  for (const [label, opts] of list) {
    const idx = opts === null ? new PlainBm25(tools) : new ToolIndex(tools, opts);
    const r = Object.fromEntries(Object.entries(splits).map(([k, v]) => [k, evaluate(idx, v).summary]));
    rows.push({ group, label, options: opts, ...r });
    console.log(
      `  ${label.padEnd(52)} ${f3(r.tune['recall@10']).padStart(9)} ${f3(r.holdout['recall@10']).padStart(8)} ${f3(r.all['recall@10']).padStart(6)} | ${f3(r.all['recall@1']).padStart(6)} ${f3(r.all['recall@3']).padStart(6)} ${f3(r.all['recall@5']).padStart(6)} ${f3(r.all.mrr).padStart(6)}`,
    );
  }
  console.log('');
}

// ---- latency ---------------------------------------------------------------
const builds = [];
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  new ToolIndex(tools);
  builds.push(performance.now() - t0);
}
builds.sort((a, b) => a - b);
const lat = [];
for (let round = 0; round < 30; round++) {
  for (const t of tasks) {
    const t0 = performance.now();
    index.search(t.question, 10);
    lat.push(performance.now() - t0);
  }
}
lat.sort((a, b) => a - b);
const latency = { buildMsMedian: builds[builds.length >> 1], buildMsMax: builds.at(-1), searchMsP50: percentile(lat, 50), searchMsP99: percentile(lat, 99), searches: lat.length };
console.log(`Latency (${tools.length} tools): build median ${latency.buildMsMedian.toFixed(1)} ms (max ${latency.buildMsMax.toFixed(1)}); search p50 ${latency.searchMsP50.toFixed(3)} ms, p99 ${latency.searchMsP99.toFixed(3)} ms over ${lat.length} searches`);

const out = resolve(repoRoot, 'bench/results/context-offline.json');
mkdirSync(resolve(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(out, `${JSON.stringify({ node: process.version, date: new Date().toISOString(), tools: tools.length, tasks: tasks.length, tokens, ranking: rows, latency }, null, 2)}\n`);
console.log(`\nwrote ${out}`);
