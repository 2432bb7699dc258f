// Development aid: recall of the current ToolIndex (or of option overrides
// given as JSON in argv[2]) on the tune and holdout halves.
//   npx tsc -p tsconfig.json && node bench/context/dev.mjs '{"serverWeight":0.3}'
import { ToolIndex } from '../../dist/src/context/tool-index.js';
import { evaluate, indexedTools, loadCatalog, loadTasks, splitOf } from './eval-lib.mjs';

const overrides = process.argv[2] ? JSON.parse(process.argv[2]) : {};
const tools = indexedTools(loadCatalog());
const tasks = loadTasks();
const index = new ToolIndex(tools, overrides);
const fmt = (s) => `n=${s.n} r@1=${s['recall@1'].toFixed(3)} r@3=${s['recall@3'].toFixed(3)} r@5=${s['recall@5'].toFixed(3)} r@10=${s['recall@10'].toFixed(3)} mrr=${s.mrr.toFixed(3)}`;
for (const split of ['tune', 'holdout', 'all']) {
  const subset = split === 'all' ? tasks : tasks.filter((t) => splitOf(t) === split);
  console.log(split.padEnd(8), fmt(evaluate(index, subset).summary));
}
if (process.argv[3] === 'misses') {
  for (const task of tasks.filter((t) => splitOf(t) === 'tune')) {
    const hits = index.search(task.question, 10).map((h) => h.tool.original);
    const missed = task.tools_in_catalog.filter((n) => !hits.includes(n));
    if (missed.length) console.log(`\n${task.question.slice(0, 200)}\n  missed: ${missed.join(', ')}\n  top10: ${hits.join(', ')}`);
  }
}
