/**
 * `only1mcp tokens`: what the tool catalog of a running gateway costs in a
 * model's context, per tool and per context mode (o200k_base tokens of the
 * JSON a client receives; see docs/context.md).
 */
import { intFlag, parseArgs, UsageError } from '../args.js';
import { fetchAdmin } from '../gateway-url.js';

interface Report {
  tools: Array<{ name: string; full: number; compact: number }>;
  totals: { full: number; compact: number; search: number };
}

/** Largest tools shown without --top. */
const DEFAULT_TOP = 10;

export async function tokens(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv, { port: true, url: true, json: false, top: true });
  if (parsed.positionals.length > 0) throw new UsageError('tokens takes no arguments');
  intFlag(parsed, 'top', 1, 100_000); // a bad --top is a usage error before the gateway is asked
  const report = await fetchAdmin<Report>(parsed, '/admin/tokens');
  if (!report) return 1;
  if (parsed.flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const { full, compact, search } = report.totals;
  const pct = (n: number) => (full === 0 ? '-' : `${((100 * n) / full).toFixed(1)}%`);
  process.stdout.write(`tools/list for ${report.tools.length} tools, in tokens (o200k_base):\n`);
  process.stdout.write(`  full     ${String(full).padStart(8)}  100%\n  compact  ${String(compact).padStart(8)}  ${pct(compact)}\n  search   ${String(search).padStart(8)}  ${pct(search)}\n`);
  const top = intFlag(parsed, 'top', 1, 100_000) ?? DEFAULT_TOP;
  const costly = [...report.tools].sort((a, b) => b.full - a.full).slice(0, top);
  if (costly.length > 0) process.stdout.write(`largest tools (full / compact):\n`);
  for (const t of costly) process.stdout.write(`  ${t.name.padEnd(48)} ${String(t.full).padStart(6)} / ${String(t.compact).padStart(6)}\n`);
  return 0;
}
