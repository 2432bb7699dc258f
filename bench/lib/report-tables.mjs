// Markdown tables of the result files, for docs/performance.md.
const ms = (us) => (us === undefined ? '–' : (us / 1000).toFixed(us < 10_000 ? 2 : 1));
const num = (n) => (n === undefined ? '–' : n.toLocaleString('en-US'));

function cpuCell(cpu = {}) {
  return Object.entries(cpu).filter(([k]) => k !== 'steal').map(([k, v]) => `${k} ${v}`).join(', ');
}

function rssCell(rss = {}) {
  return Object.entries(rss).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ');
}

export function mdTable(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The throughput/latency table of a scenario's rows. */
export function loadTable(record) {
  if (!record?.rows) return '_not run_';
  return mdTable(
    ['system', 'via', 'c', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors', 'RSS MB', 'CPU % of a core (foreign = other processes)'],
    record.rows.map((r) =>
      r.failed
        ? [r.system, r.via ?? '', r.concurrency, 'failed', '', '', '', '', '', r.failed.split('\n')[0].replace(/\|/g, '\\|').slice(0, 160)]
        : [r.system, r.via ?? '', r.concurrency, num(r.rps), ms(r.latencyUs?.p50), ms(r.latencyUs?.p90), ms(r.latencyUs?.p99), r.errors, rssCell(r.rssMb), cpuCell(r.cpu)],
    ),
  );
}

export function memoryTable(record) {
  if (!record?.topologies) return '_not run_';
  const rows = [];
  for (const t of record.topologies) {
    for (const [when, snap] of [['after start-up', t.afterStartup], ['after warm-up', t.afterWarmup]]) {
      const workers = Object.entries(snap).filter(([k]) => k.startsWith('worker-')).map(([k, v]) => `${k} ${v}`).join(', ');
      rows.push([t.topology, when, snap.primary, workers, snap.redis ?? '–', `${snap.backendCount} × ${snap.backendAverage} = ${snap.backendsTotal}`]);
    }
  }
  return mdTable(['gateway', 'when', 'primary MB', 'workers MB', 'redis-server MB', 'stdio children MB'], rows);
}

export function piscinaTable(record) {
  if (!record?.sizes) return '_not run_';
  const kb = (b) => (b >= 1 << 20 ? `${b / (1 << 20)} MB` : `${Math.round(b / 1024)} KB`);
  return mdTable(
    ['body', 'inline parse+hash µs', 'pool: event-loop µs', 'pool: latency µs', 'pool bodies/s vs inline', 'routing-fields-only task: event-loop µs', 'hash inline µs', 'hash pool: event-loop µs'],
    record.sizes.map((r) => {
      const v = r['parse-hash'];
      return [kb(r.size ?? r.bytes), v.inlineUs, v.poolEventLoopUs, v.poolLatencyUs, `${num(v.poolOpsPerS)} vs ${num(v.inlineOpsPerS)}`, r.summary.poolEventLoopUs, r.hash.inlineUs, r.hash.poolEventLoopUs];
    }),
  );
}

export function gcTable(gc) {
  if (!gc) return '';
  return mdTable(
    ['load', 'req/s', 'p99 ms', 'allocated per call', 'scavenges (p50 / p90 / max pause ms)', 'major GCs (max pause ms)', 'heap after last major GC'],
    [[gc.case, num(gc.rps), ms(gc.latencyUs?.p99), `${gc.allocatedKbPerCall} KB`, `${gc.scavenges.count} in ${(gc.windowMs / 1000).toFixed(1)} s (${gc.scavenges.p50Ms} / ${gc.scavenges.p90Ms} / ${gc.scavenges.maxMs})`, `${gc.majorGcs.count} (${gc.majorGcs.maxMs ?? '–'})`, `${gc.heapAfterLastMajorMb ?? '–'} MB`]],
  );
}

export function profileTables(record) {
  if (!record?.cases) return '_not run_';
  return record.cases
    .map((c) => [
      `**${c.case}**, concurrency ${c.concurrency} (${num(c.rpsUnderProfiler)} req/s under the profiler; worker busy ${c.busyPercent}% of the samples). Shares are of the busy samples.`,
      '',
      mdTable(['area', '%'], c.areas.filter((a) => a.percent >= 0.5).map((a) => [a.area, a.percent])),
      '',
      mdTable(['named cost', '%'], (c.groups ?? []).map((g) => [g.group, g.percent])),
      '',
      mdTable(['function (self time)', '%'], c.functions.slice(0, 15).map((f) => [`\`${f.function.trim()}\``, f.selfPercent])),
    ].join('\n'))
    .join('\n\n');
}
