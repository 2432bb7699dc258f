// Writes docs/performance.md, its chart (docs/performance/tools-call.svg)
// and bench/results/targets.json from the result files of the run. The
// page is generated: every figure on it comes from bench/results/*.json.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, RESULTS } from './paths.mjs';
import { readResult, readResults, SCENARIO_NAMES } from './results.mjs';
import { evaluateTargets, gatewayRow, workerCpuPerRequestUs } from './targets.mjs';
import { barChart } from './svg-chart.mjs';
import { gcTable, loadTable, mdTable, memoryTable, piscinaTable, profileTables } from './report-tables.mjs';
import { LAYOUT_TEXT } from './layout.mjs';

const DOC = path.join(ROOT, 'docs', 'performance.md');
const CHART_DIR = path.join(ROOT, 'docs', 'performance');
const r0 = (n) => (n === undefined ? '–' : Math.round(n));
const kb = (b) => (b === null || b === undefined ? 'never (up to 4 MB)' : b >= 1 << 20 ? `${b / (1 << 20)} MB` : `${Math.round(b / 1024)} KB`);

function cpuPerRequestUs(row, rolePrefix) {
  const share = Object.entries(row?.cpu ?? {}).filter(([k]) => k.startsWith(rolePrefix)).reduce((s, [, v]) => s + v, 0) / 100;
  return row?.rps > 0 ? (share / row.rps) * 1e6 : undefined;
}

/** The systems in the chart: tools/call at concurrency 100, one bar per system. */
function chartRows() {
  const direct = readResult('direct');
  const http = readResult('gateway-http');
  const stdio = readResult('gateway-stdio');
  const peers = readResult('peers');
  const at100 = (rec, pred) => rec?.rows?.find((r) => !r.failed && r.concurrency === 100 && pred(r));
  const rows = [
    ['direct to the HTTP fixture (limit)', 'direct', at100(direct, () => true)],
    ['only1mcp 1 worker → HTTP fixture', 'gateway', gatewayRow(http, 100)],
    ['only1mcp 1 worker → HTTP, stateless 2026', 'gateway', at100(http, (r) => r.form === '2026')],
    ['only1mcp 1 worker → stdio fixture', 'gateway', at100(stdio, (r) => r.form === '2025')],
    ['only1mcp 1 worker → stdio, HTTP+SSE', 'gateway', at100(peers, (r) => r.system.startsWith('only1mcp') && r.via.startsWith('stdio'))],
    ['mcp-proxy → stdio fixture', 'peer', at100(peers, (r) => r.system === 'mcp-proxy')],
    ['supergateway --stateful → stdio', 'peer', at100(peers, (r) => r.system === 'supergateway --stateful')],
    ['supergateway stateless → stdio', 'peer', at100(peers, (r) => r.system.startsWith('supergateway (stateless'))],
    ['mcp-hub → stdio fixture (HTTP+SSE)', 'peer', at100(peers, (r) => r.system === 'mcp-hub' && r.via.startsWith('stdio'))],
    ['mcp-hub → HTTP fixture (HTTP+SSE)', 'peer', at100(peers, (r) => r.system === 'mcp-hub' && r.via.startsWith('HTTP fixture'))],
    ['only1mcp 1 worker → HTTP, HTTP+SSE', 'gateway', at100(peers, (r) => r.system.startsWith('only1mcp') && r.via.startsWith('HTTP fixture'))],
  ];
  return rows;
}

function writeChart(date) {
  const rows = chartRows();
  const svg = barChart({
    title: 'tools/call at concurrency 100 — same machine, same run',
    subtitle: `npm run bench, ${date}. Blue: Only1MCP; grey: no gateway; amber: peers. p99 on a log scale.`,
    labels: rows.map(([label]) => label),
    panels: [
      { title: 'throughput', axis: 'requests per second', bars: rows.map(([, kind, r]) => ({ kind, value: r?.rps, missing: 'not measured at c=100' })) },
      { title: 'p99 latency', axis: 'milliseconds (log scale)', log: true, bars: rows.map(([, kind, r]) => ({ kind, value: r?.latencyUs ? r.latencyUs.p99 / 1000 : undefined, missing: r ? 'no answer at c=100' : 'not measured at c=100' })) },
    ],
  });
  fs.mkdirSync(CHART_DIR, { recursive: true });
  fs.writeFileSync(path.join(CHART_DIR, 'tools-call.svg'), svg);
}

/**
 * The same call measured in another cell of the run (with the embedded Redis,
 * which adds no work to a tools/call's path): how far this host's speed moved
 * between cells, which every cross-cell ratio carries.
 */
function hostVariance(http, g100) {
  const twin = http?.rows?.find((r) => !r.failed && r.system === 'only1mcp 1 worker' && r.form === '2025' && r.redis === 'embedded' && r.pinned && !r.quota && r.concurrency === 100);
  const a = workerCpuPerRequestUs(g100);
  const b = twin ? workerCpuPerRequestUs(twin) : undefined;
  if (!a || !b) return '';
  return ` The same call in another cell of this run (embedded Redis, which puts nothing on a tools/call's path) cost the worker ${r0(b)} µs (${twin.rps} req/s, ${round1((100 * twin.rps) / (readResult('direct')?.rows?.find((r) => r.concurrency === 100)?.rps ?? Infinity))}% of direct): on this shared host the same work varies by ${r0((100 * Math.abs(a - b)) / Math.min(a, b))}% between cells, and the ratio with it.`;
}

const round1 = (n) => Math.round(n * 10) / 10;

/** Why each missed target was missed, from the same run's CPU shares, memory and profile. */
function explanations(targets) {
  const { 'gateway-http': http, direct, 'gateway-stdio': stdio, peers, 'memory-100': memory, 'tools-list': list, profile } = readResults();
  const call = profile?.cases?.[0];
  const named = (c) => (c?.groups ?? []).filter((g) => g.percent >= 1).map((g) => `${g.group} ${g.percent}%`).join('; ');
  const out = [];
  const missed = (id) => targets.find((t) => t.id === id)?.verdict === 'missed';
  const g100 = gatewayRow(http, 100);
  const d100 = direct?.rows?.find((r) => r.concurrency === 100);
  if (missed('direct-50pct') || missed('peers-5x')) {
    out.push(
      `- **Throughput.** At concurrency 100 the worker spends ${r0(workerCpuPerRequestUs(g100))} µs of CPU per tools/call ` +
        `(${g100?.cpu?.['worker-1']}% of its core at ${g100?.rps} req/s); the fixture answers a direct call for ${r0(cpuPerRequestUs(d100, 'backend'))} µs ` +
        `and the generator spends ${r0(cpuPerRequestUs(d100, 'generator'))} µs per call (${d100?.cpu?.generator}% of its core, so the direct figure is near the generator's own limit). ` +
        `With a core each, a worker reaches half the direct rate only if a call costs it at most twice what the direct call costs its slowest side ` +
        `(${r0(Math.max(cpuPerRequestUs(d100, 'generator') ?? 0, cpuPerRequestUs(d100, 'backend') ?? 0) * 2)} µs here). ` +
        (call ? `The worker profile (below) spends its time on: ${named(call)}. ` : '') +
        'A call creates no AbortController on its way (src/gateway/cancellation.ts: Node 20 signals cost far more than their objects), and the POST to the backend goes through the gateway\'s own keep-alive HTTP/1.1 client (src/backends/http/h1/, half the CPU per request of undici\'s dispatch()). ' +
        'What remains is the two HTTP/1.1 exchanges themselves: the socket writes any proxy pays (uWS `end` inside Reply.finish towards the client, one `write` towards the backend), parsing both requests and responses, JSON parsing and serialising both bodies, and promise machinery.' +
        hostVariance(http, g100),
    );
  }
  if (missed('peers-5x')) {
    const s100 = stdio?.rows?.find((r) => r.form === '2025' && r.concurrency === 100);
    const best = (peers?.rows ?? []).filter((r) => !r.failed && r.concurrency === 100 && !r.system.startsWith('only1mcp') && r.via.startsWith('stdio') && !r.via.includes('not MCP')).sort((a, b) => b.rps - a.rps)[0];
    if (s100 && best) {
      out.push(
        `- **Against the fastest peer.** Through the stdio fixture the gateway's primary and worker together spend ${r0((cpuPerRequestUs(s100, 'primary') ?? 0) + (cpuPerRequestUs(s100, 'worker') ?? 0))} µs per call ` +
          `(primary ${s100.cpu.primary}%, worker ${s100.cpu['worker-1']}% of the one core they share); ${best.system} spends ${r0(cpuPerRequestUs(best, 'peer'))} µs ` +
          `(${best.cpu.peer}% of its core). The gateway pays two hops where a single-process proxy pays one: worker → primary over the frame channel, then primary → child.`,
      );
    }
  }
  if (missed('added-p50-c1') || missed('p99-c10')) {
    const g10 = gatewayRow(http, 10);
    const queueMs = ((workerCpuPerRequestUs(g10) ?? 0) * 10) / 1000;
    const gc = profile?.gc;
    out.push(
      `- **Latency.** At concurrency 10 the gateway's p50/p90/p99/max are ${[g10?.latencyUs?.p50, g10?.latencyUs?.p90, g10?.latencyUs?.p99, g10?.latencyUs?.max].map((u) => (u / 1000).toFixed(2)).join(' / ')} ms. ` +
        `Queueing behind the other nine calls' CPU time (${r0(workerCpuPerRequestUs(g10))} µs each) accounts for at most ${queueMs.toFixed(1)} ms. ` +
        (gc
          ? `The rest is the worker stopping for garbage collection: under the same load with \`--trace-gc\` it allocated about ${gc.allocatedKbPerCall} KB per call, ` +
            `which took ${gc.scavenges.count} scavenges in ${(gc.windowMs / 1000).toFixed(1)} s (pause p50 ${gc.scavenges.p50Ms} ms, p90 ${gc.scavenges.p90Ms} ms, max ${gc.scavenges.maxMs} ms) and ${gc.majorGcs.count} major collections (max ${gc.majorGcs.maxMs} ms); ` +
            'every call in flight during a pause waits for all of it. Fewer allocations per call (undici\'s request objects, closures and promises) would shorten and space out the scavenges.'
          : ''),
    );
  }
  if (missed('list-70pct')) {
    const gl = list?.rows?.find((r) => r.system.startsWith('only1mcp') && r.concurrency === 100);
    const bl = list?.rows?.find((r) => r.system.startsWith('bare') && r.concurrency === 100);
    const lp = profile?.cases?.find((c) => c.case.startsWith('tools/list'));
    out.push(
      `- **Cached tools/list.** The worker spends ${r0(workerCpuPerRequestUs(gl))} µs per list against the bare server's ${r0(cpuPerRequestUs(bl, 'server'))} µs for the same ${list?.responseBytes} bytes. ` +
        (lp ? `Its profile: ${lp.functions.slice(0, 6).map((f) => `\`${f.function}\` ${f.selfPercent}%`).join(', ')}. ` : '') +
        'The merged list is serialised once per list version and spliced into each answer (src/mcp/shared-result.ts); what remains per request is reading and parsing the request, finding the session and writing the headers.',
    );
  }
  if (missed('rss-100-backends') && memory?.modules) {
    const m = memory.modules;
    out.push(
      `- **Memory.** A fresh Node process is ${m.bareNodeMb} MB; importing the worker's module graph (\`dist/src/worker/app.js\`) makes it ${m.workerModulesMb} MB before it serves anything, ` +
        `and gpt-tokenizer's o200k ranks alone make a fresh process ${m.tokenizerOnlyMb} MB (+${Math.round((m.tokenizerOnlyMb - m.bareNodeMb) * 10) / 10} MB). ` +
        'The worker loads the tokenizer only when a session first counts tokens (search mode), undici with the first HTTP backend and piscina with the first pooled task; ' +
        'what a worker always loads is uWS, pino, prom-client, msgpackr and ioredis. The rest is per-backend state and V8 heap grown under load ' +
        '(workers run with 8 MB semi-spaces, WORKER_SEMI_SPACE_MB in src/primary/worker-pool.ts, where Node would let the young generation grow to 2 × 16 MB; 4 MB measured more CPU per call and no less RSS, as objects of calls in flight were promoted early).',
    );
  }
  return out;
}

/** The run the result files came from (date, mode, command, machine); several when they differ. */
function runsOf(names) {
  const runs = new Map();
  for (const name of names) {
    const r = readResult(name);
    if (r && !runs.has(r.date)) runs.set(r.date, { date: r.date, mode: r.mode, command: r.command, machine: r.machine, durationS: r.durationS, warmupS: r.warmupS, scenarios: [] });
    if (r) runs.get(r.date).scenarios.push(name);
  }
  return [...runs.values()];
}


/** Scenario 12 (flood.mjs): peak RSS growth per gateway process under a backend flood, against the stated bound. */
export function floodSection(f) {
  if (!f) return ['_not run_', ''];
  const intact = f.result === `flooded ${f.count}`;
  const outcome = intact ? 'arrived intact' : `did not arrive (${f.error ?? 'no result'})`;
  return [
    `One tools/call to a stdio backend (\`test/fixtures/flood-server.ts\`) that writes ${f.count} progress notifications of ${f.notificationBytes / 1048576} MB each, then its result; 2 workers on the embedded redis-server, a 2025 session (events are also logged for resumption), a client reading as fast as it can. Growth is the peak RSS (sampled every 50 ms) over the RSS before the call; the bound is the one docs/security.md states. The backend's pipe is paused while a worker's channel is full, and notifications a full client stream cannot take are dropped and counted (\`only1mcp_dropped_notifications_total\`): the flood took ${f.seconds} s, ${f.delivered} of ${f.count} notifications reached the client, and the result ${outcome}.`,
    '',
    mdTable(['process', 'RSS before (MB)', 'peak (MB)', 'growth (MB)', 'bound (MB)'], f.processes.map((p) => [p.process, p.beforeMb, p.peakMb, `+${p.growthMb}`, `+${f.boundMb}`])),
    '',
  ];
}

export function writeReport() {
  const runs = runsOf(SCENARIO_NAMES);
  if (runs.length === 0) return ['no result files: nothing to report'];
  const run = runs[0];
  const targets = evaluateTargets();
  fs.writeFileSync(path.join(RESULTS, 'targets.json'), JSON.stringify({ runs: runs.map(({ machine: _m, ...r }) => r), machine: run.machine, targets }, null, 2) + '\n');
  writeChart(run.date.slice(0, 10));
  const m = run.machine;
  const ctx = { settings: { mode: run.mode, durationS: run.durationS, warmupS: run.warmupS }, command: { command: run.command }, startedAt: run.date };
  const peers = readResult('peers');
  const piscina = readResult('piscina');
  const list = readResult('tools-list');
  const commands = [...new Map((peers?.rows ?? []).filter((r) => r.command).map((r) => [r.system, r.command])).entries()];
  const doc = [
    '# Performance',
    '',
    `_Generated by \`${ctx.command.command}\` (${ctx.settings.mode} mode) started ${ctx.startedAt}. Do not edit: run \`npm run bench\` again. Every figure comes from \`bench/results/*.json\` of that run, and every ratio compares two rows of the same run._`,
    ...(runs.length > 1 ? ['', `**Warning: these result files come from ${runs.length} different runs** (${runs.map((r) => `${r.date}, ${r.mode}: ${r.scenarios.join(', ')}`).join('; ')}); ratios across them are not same-run figures.`] : []),
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}, ${m.kernel}. Versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
    '',
    '## Targets',
    '',
    mdTable(['target', 'measured (same run)', 'verdict'], targets.map((t) => [t.target, t.measured + (t.why ? ` — ${t.why}` : ''), `**${t.verdict}**`])),
    '',
    ...(() => {
      const why = explanations(targets);
      return why.length ? ['### Why the missed targets are missed', '', ...why, ''] : [];
    })(),
    '![tools/call throughput and p99 at concurrency 100, per system](performance/tools-call.svg)',
    '',
    '## Method',
    '',
    `- **Layout on ${m.cores} cores** (util-linux \`taskset\`): ${LAYOUT_TEXT}. The rule: the system being measured has its core to itself; what is not being measured shares the other, so a backend's work can only slow the generator, never the system under test. Two workers and a generator would need three cores; the two-worker comparison therefore keeps the rule at a smaller scale: the generator and the fixture stay on core 0, and each worker, pinned to core 1, is capped at 40% of it by a cgroup of its own (CFS quota 40 ms per 100 ms period; \`bench/lib/cpu-quota.mjs\`), so one worker and two workers each get the same CPU per worker and never compete with the generator. Rows marked \`(cgroup)\` are that pair; they measure scaling, not the absolute rate (a throttled worker serves fewer calls per CPU-second than an unthrottled one, the same for both counts). Where cgroups cannot be made (not root), both counts run unpinned and the scaling is projected from each worker's CPU time per request.`,
    `- **Load:** autocannon ${m.versions.autocannon}, run programmatically in its own pinned process; closed loop with as many connections as the concurrency; ${ctx.settings.warmupS} s warm-up, then ${ctx.settings.durationS} s measured per cell. Every request carries a unique JSON-RPC id (a session must not reuse an id in flight; peers that route answers by id stall when one does). Latency is taken per response in microseconds (autocannon's own histogram has whole-millisecond resolution). A response counts only if it is 2xx and its body holds the expected result; anything else is an error.`,
    '- **mcp-hub** serves MCP only over the legacy HTTP+SSE transport, which autocannon cannot drive (the answer to a POST arrives on another stream). It is measured with `bench/lib/sse-driver.mjs`: per connection, one SSE stream and one initialize, then POST a call and wait for its answer on the stream, closed loop. The gateway\'s own legacy endpoint is measured with the same driver, so that pair compares like with like.',
    '- **CPU and memory:** user+system time of every process (and of children it reaped) from `/proc/<pid>/stat` over the measured window, as % of one core; RSS is `VmRSS` from `/proc/<pid>/status` at the end of the cell. `foreign` is what every other process on the machine used meanwhile and `steal` what the hypervisor took from this virtual machine (from `/proc/stat`): this machine is shared, so in full mode a cell that lost more than 15% of a core to either is measured again (up to 3 attempts) and the cleanest attempt is kept; quick mode measures once and only records it.',
    '- **Fixtures** (`bench/fixtures/`): a minimal MCP server over Streamable HTTP on uWebSockets.js (the repository\'s own dependency) and one over stdio (newline-delimited JSON-RPC, no SDK), both answering from strings serialised at start-up. They answer `server/discover` with -32601, as a 2025-era server does, so every system in front of them — the gateway and all the peers — talks to them in the 2025 era, the one all the peers speak. GET on the HTTP fixture is 405 (no standalone stream, which the transport allows).',
    '- **Gateway:** `node dist/src/cli/main.js start --foreground --config F --port N --workers W`, with `--redis memory` (in-process state) for one worker unless a row says embedded redis (the default private `redis-server`, needed by two workers). Clients use a 2025 session (initialize once, then `Mcp-Session-Id` and `MCP-Protocol-Version: 2025-11-25` on every call) unless a row says stateless 2026-07-28 (routing headers and `_meta` on every call, no session). Tool names are `fx__echo`.',
    `- **Peers** (installed as bench/ devDependencies, started as their READMEs say, each on the system-under-test core with its children moved to the backend core): ${commands.map(([s, c]) => `${s}: \`${c}\``).join('; ')}. mcp-hub's file is \`{ "mcpServers": { "fx": { "command": "node", "args": ["bench/fixtures/stdio-server.mjs"] } } }\` (\`{ "url": … }\` for the HTTP fixture). Clients of mcp-proxy and supergateway --stateful open one 2025 session and send every call in it, like the gateway's; supergateway's stateless default gets the same calls without a session, as it expects.`,
    `- **tools/list:** 10 stdio fixtures with 10 tools each; the gateway's answer (${list?.responseBytes ?? '–'} bytes, ${list?.tools ?? '–'} tools) was captured once and is what the bare uWS server (\`bench/fixtures/bare-uws.mjs\`, on the same core) sends for every request, after reading the body.`,
    '',
    '## Results',
    '',
    '### 1. tools/call direct to the HTTP fixture (the limit)',
    '',
    loadTable(readResult('direct')),
    '',
    '### 2. tools/call through the gateway to the HTTP fixture',
    '',
    loadTable(readResult('gateway-http')),
    '',
    '### 3. tools/call through the gateway to the stdio fixture',
    '',
    loadTable(readResult('gateway-stdio')),
    '',
    '### 4. tools/list merged over 10 backends, cached',
    '',
    loadTable(list),
    '',
    '### 5. The peers, in front of the same fixtures',
    '',
    loadTable(peers),
    '',
    ...(peers?.facts ?? []).map((f) => `- ${f}`),
    '',
    '### 6. Memory with 100 configured backends',
    '',
    memoryTable(readResult('memory-100')),
    '',
    ...(() => {
      const mod = readResult('memory-100')?.modules;
      return mod ? [`Module cost, RSS of a fresh \`node\` after a full GC: bare ${mod.bareNodeMb} MB; after importing the worker's modules (\`dist/src/worker/app.js\`) ${mod.workerModulesMb} MB; after importing only gpt-tokenizer's o200k encoding ${mod.tokenizerOnlyMb} MB; only uWebSockets.js ${mod.uwsOnlyMb} MB.`, ''] : [];
    })(),
    '### 7. piscina crossover: JSON.parse + sha256 inline vs in the pool',
    '',
    piscina
      ? `Pool of ${piscina.threads} threads set up as the gateway's (\`dist/workers/json-task.js\`, input moved in; other processes used ${piscina.foreignCpuPercent ?? '–'}% of a core meanwhile). **crossoverBytes = ${piscina.crossoverBytes}** (${kb(piscina.crossoverBytes)}): the ${piscina.criterion}, for the gateway's own task, which sends the parsed value back by structured clone. On bodies per second the pool catches up from ${kb(piscina.throughputCrossoverBytes)}; on a single request's latency from ${kb(piscina.latencyCrossoverBytes)}. Hashing alone pays from ${kb(piscina.hashOnlyCrossoverBytes)}; a task that parses and hashes but sends back only the routing fields (method, id, tool name, hash) pays from ${kb(piscina.summaryOnlyCrossoverBytes)} — the clone of the parsed value back to the event loop, not the parse, is what the event loop pays for.`
      : '_not run_',
    '',
    piscinaTable(piscina),
    '',
    '### 8. Replicas: tools/call over 2 replicas vs 1',
    '',
    'One worker, in-process state, isolation shared; the fixture is the HTTP one, started twice. "1 replica (replicas list)" is the same server as "1 replica (url)" written as a one-entry `replicas:` list: both take the short path (no routing policies), so their difference is run-to-run noise. Replicas get cores of their own only on machines with four cores or more; here they share the backend core with the generator, so the two-replica rows measure what balancing costs per call, not what a second backend adds.',
    '',
    loadTable(readResult('replicas')),
    '',
    ...(readResult('replicas')?.facts ?? []).map((f) => `- ${f}`),
    '',
    '### 9. Tracing: off, client context passed through, on (OTLP/HTTP export)',
    '',
    loadTable(readResult('tracing')),
    '',
    ...(readResult('tracing')?.facts ?? []).map((f) => `- ${f}`),
    '',
    '### 10. Backend flood: 1 MB progress notifications through the gateway',
    '',
    ...floodSection(readResult('flood')),
    '### Profile of a worker under load',
    '',
    '`node --cpu-prof` on the gateway (workers inherit the flag), one worker, concurrency 100, only samples inside the measured window. Library and runtime time is listed where it is spent; the named costs group it.',
    '',
    profileTables(readResult('profile')),
    '',
    'Garbage collection of the same worker under the latency target\'s load (`--trace-gc`, concurrency 10; allocation is the growth of the heap between consecutive collections, divided by the calls served):',
    '',
    gcTable(readResult('profile')?.gc),
    '',
    '## Changes on the request path, before and after',
    '',
    'Each change to the request path is measured against the commit before it with alternating runs of `npm run bench -- --quick`; the figures and the reason for any cost over 5% are kept by hand in [performance-ab.md](performance-ab.md) (this page is regenerated).',
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm run bench              # full: 10 s per cell after 2 s warm-up, concurrency 1, 10, 100',
    'npm run bench -- --quick   # under 3 minutes: 2 s cells, secondary rows at concurrency 100 only',
    'npm run bench -- --only direct,gateway-http --no-docs   # some scenarios, docs untouched',
    '```',
    '',
    'The script installs `bench/`\'s own dependencies when missing (`bench/ensure-deps.mjs`), builds the gateway, runs `bench/run.mjs`, writes `bench/results/<scenario>.json` (machine, command line, mode, every row) and this page.',
    '',
  ].join('\n');
  fs.writeFileSync(DOC, doc);
  return targets.map((t) => `target ${t.verdict.padEnd(19)} ${t.target}: ${t.measured}`);
}
