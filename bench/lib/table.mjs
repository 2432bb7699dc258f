// The stdout table of a scenario's rows.
const ms = (us) => (us === undefined ? '-' : (us / 1000).toFixed(us < 10_000 ? 2 : 1));

function cpuText(cpu = {}) {
  return Object.entries(cpu).map(([k, v]) => `${k} ${v}%`).join(', ');
}

function rssText(rss = {}) {
  return Object.entries(rss).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ');
}

export function printTable(record) {
  if (record.columns) {
    printColumns(record.rows, record.columns);
    return;
  }
  const head = ['system', 'via', 'c', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'RSS MB', 'CPU % of a core'];
  const lines = record.rows.map((r) =>
    r.failed
      ? [r.system, r.via ?? '', r.concurrency, 'failed', '', '', '', '', '', r.failed.split('\n')[0].slice(0, 80)]
      : [r.system, r.via ?? '', r.concurrency, r.rps, ms(r.latencyUs?.p50), ms(r.latencyUs?.p90), ms(r.latencyUs?.p99), r.errors, rssText(r.rssMb), cpuText(r.cpu)],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const row = (cells) => cells.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  process.stdout.write(`\n${row(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${lines.map(row).join('\n')}\n\n`);
}

/** Rows that are not load cells: the scenario names its columns. */
function printColumns(rows, columns) {
  const lines = rows.map((r) => columns.map((c) => r[c] ?? ''));
  const widths = columns.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const row = (cells) => cells.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  ');
  process.stdout.write(`\n${row(columns)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${lines.map(row).join('\n')}\n\n`);
}
