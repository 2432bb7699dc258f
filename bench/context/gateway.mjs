// Context swapping measured end to end: the real gateway (one worker, the
// embedded Redis it starts by default) in front of one catalog fixture
// server per LiveMCPBench server (70 stdio processes, 527 tools), driven by
// the MCP SDK client over Streamable HTTP.
//
//   npm run bench:context          (builds first)
//
// Prints, and writes to bench/results/context.json:
//   tokens   tools/list in full, compact and search mode, and a find call
//            returning 5 schemas (mean and largest over the task queries);
//   recall   recall@1/3/5/10 and MRR (over the top 10, the most one find
//            call returns) of the 94 scorable tasks, queried through
//            only1mcp__find_tools over MCP;
//   latency  round trip of those find calls from a minimal client in its
//            own process (p50/p99, after a warm-up pass), the same calls as
//            the SDK client sees them, and the index search on its own.
// Figures are recorded in docs/context.md. Nothing here is asserted: the
// behaviour is tested in test/integration/context-swapping.test.ts.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { listTokens, countTokens } from '../../dist/src/context/tokens.js';
import { ToolIndex } from '../../dist/src/context/tool-index.js';
import { dataDir, indexedTools, loadCatalog, loadTasks, percentile, repoRoot, SEPARATOR } from './eval-lib.mjs';

/** Passes over the task queries for the latency percentiles, after the recall pass (which also warms up: index build, JIT). */
const LATENCY_PASSES = 20;
const READY_TIMEOUT_MS = 180_000;
const CLI = path.join(repoRoot, 'dist/src/cli/main.js');
const CATALOG_SERVER = path.join(repoRoot, 'dist/test/fixtures/catalog-server.js');
const CATALOG_FILE = path.join(dataDir, 'livemcpbench-tools.json');

// The SDK client's Streamable HTTP transport ties every request's signal to
// the transport's and removes the listener only on abort, so a long run
// trips Node's MaxListeners warning once per request: say it once.
process.removeAllListeners('warning');
const warned = new Set();
process.on('warning', (w) => {
  if (warned.has(w.name)) return;
  warned.add(w.name);
  console.error(`(${w.name}: ${w.message.split('.')[0]}; shown once)`);
});

const catalog = loadCatalog(CATALOG_FILE);
const tasks = loadTasks();
const servers = [...new Set(catalog.map((t) => t.server))];
/** Catalog server names may hold spaces and dots; a gateway server name is [A-Za-z0-9_-] (the fixture still gets the original). */
const configName = (server) => server.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 64);
if (new Set(servers.map(configName)).size !== servers.length) throw new Error('two catalog servers map to one config name');
const originalOf = new Map(catalog.map((t) => [`${configName(t.server)}${SEPARATOR}${t.name}`, t.name]));

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function startGateway() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'only1mcp-bench-context-'));
  const config = path.join(dir, 'gateway.yaml');
  const entries = servers.map((name) =>
    [`  ${configName(name)}:`, `    command: ${JSON.stringify(process.execPath)}`, `    args: ${JSON.stringify([CATALOG_SERVER, '--catalog', CATALOG_FILE, '--server', name])}`, '    naming: prefix'].join('\n'),
  );
  writeFileSync(config, `logLevel: warn\nservers:\n${entries.join('\n')}\n`);
  const port = await freePort();
  // CTX_NODE_ARGS passes node flags to the gateway (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"); the workers inherit them.
  const proc = spawn(process.execPath, [...(process.env.CTX_NODE_ARGS ? process.env.CTX_NODE_ARGS.split(' ') : []), CLI, 'start', '--foreground', '--config', config, '--port', String(port), '--workers', '1'], {
    stdio: ['ignore', process.env.CTX_GATEWAY_STDOUT ? 'inherit' : 'ignore', 'pipe'],
    env: { ...process.env, XDG_STATE_HOME: dir },
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  return { url: `http://127.0.0.1:${port}/mcp`, base: `http://127.0.0.1:${port}`, proc, exited, stderr: () => stderr };
}

async function connect(url, mode) {
  const client = new Client({ name: `bench-context-${mode}`, version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}?context=${mode}`)));
  return client;
}

/** Waits until every catalog server's tools are in the full list (70 processes start in parallel). */
async function waitForCatalog(gateway) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError;
  while (Date.now() < deadline) {
    if (gateway.proc.exitCode !== null) throw new Error(`gateway exited (${gateway.proc.exitCode}): ${gateway.stderr()}`);
    try {
      const client = await connect(gateway.url, 'full');
      const { tools } = await client.listTools();
      await client.close();
      if (tools.length === catalog.length) return;
      lastError = `${tools.length} of ${catalog.length} tools listed`;
    } catch (err) {
      lastError = err.message;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`catalog not ready after ${READY_TIMEOUT_MS} ms: ${lastError}`);
}

/** Runs latency-client.mjs pinned like nothing else: its own process, one call at a time. */
function leanClientLatencies(url, sessionId, queries) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, 'latency-client.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`latency client exited with ${code}`))));
    child.stdin.end(JSON.stringify({ url, sessionId, queries, passes: LATENCY_PASSES }));
  });
}

const text = (result) => result.content?.[0]?.text ?? '';
const pct = (v, full) => `${((100 * v) / full).toFixed(2)}%`;
const round = (v, digits = 3) => Number(v.toFixed(digits));

async function main() {
  const startedAt = Date.now();
  const gateway = await startGateway();
  try {
    await waitForCatalog(gateway);
    const readyMs = Date.now() - startedAt;

    // ---- tokens of tools/list per mode, as each client receives it -------
    const lists = {};
    for (const mode of ['full', 'compact', 'search']) {
      const client = await connect(gateway.url, mode);
      lists[mode] = (await client.listTools()).tools;
      await client.close();
    }
    const full = listTokens(lists.full);

    // ---- find calls over MCP: recall, find-result tokens, latency ----------
    const client = await connect(gateway.url, 'search');
    const find = async (query, limit) => {
      const t0 = process.hrtime.bigint();
      const result = await client.callTool({ name: 'only1mcp__find_tools', arguments: { query, limit } });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (result.isError) throw new Error(`find_tools failed for "${query.slice(0, 60)}": ${text(result)}`);
      return { result, ms };
    };
    const ks = [1, 3, 5, 10];
    const sums = Object.fromEntries(ks.map((k) => [k, 0]));
    let mrr = 0;
    const find5 = [];
    const latencies = [];
    for (const task of tasks) {
      const { result } = await find(task.question, 10);
      const body = JSON.parse(text(result));
      // Ranked names: full definitions first, then those listed under "more" for size.
      const ranked = [...body.tools.map((t) => t.name), ...(body.more ?? []).map((line) => line.split(':')[0])].map((n) => originalOf.get(n) ?? n);
      const relevant = new Set(task.tools_in_catalog);
      for (const k of ks) sums[k] += ranked.slice(0, k).filter((n) => relevant.has(n)).length / relevant.size;
      const first = ranked.findIndex((n) => relevant.has(n));
      mrr += first < 0 ? 0 : 1 / (first + 1);
      find5.push(countTokens(JSON.stringify((await find(task.question, 5)).result)));
    }
    for (let pass = 0; pass < LATENCY_PASSES; pass++) {
      for (const task of tasks) latencies.push((await find(task.question, 10)).ms);
    }
    // The same calls from a separate minimal client process: the gateway's share, without the SDK's result
    // validation and without this process's tokenizer and index (and their GC pauses) in the figures.
    const raw = await leanClientLatencies(gateway.url, client.transport.sessionId, tasks.map((t) => t.question));
    raw.sort((a, b) => a - b);
    await client.close();
    latencies.sort((a, b) => a - b);
    find5.sort((a, b) => a - b);

    // ---- the index on its own, same tools and queries ----------------------
    const index = new ToolIndex(indexedTools(catalog));
    const indexMs = [];
    for (let pass = 0; pass < LATENCY_PASSES; pass++) {
      for (const task of tasks) {
        const t0 = process.hrtime.bigint();
        index.search(task.question, 10);
        indexMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    indexMs.sort((a, b) => a - b);

    const n = tasks.length;
    const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
    const report = {
      generatedAt: new Date().toISOString(),
      machine: { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model },
      catalog: { file: 'livemcpbench-tools.json', servers: servers.length, tools: catalog.length, tasks: n, readyMs },
      method: 'gateway (1 worker, embedded Redis) in front of one catalog fixture process per server; MCP SDK client over Streamable HTTP; tokens = o200k_base of each tool as JSON (src/context/tokens.ts)',
      tokens: {
        full,
        compact: listTokens(lists.compact),
        search: listTokens(lists.search),
        find5: Math.round(mean(find5)),
        find5Max: find5.at(-1),
        ratio: {
          compact: round(listTokens(lists.compact) / full, 4),
          search: round(listTokens(lists.search) / full, 4),
          find5: round(mean(find5) / full, 4),
          find5Max: round(find5.at(-1) / full, 4),
        },
      },
      recall: Object.fromEntries(ks.map((k) => [`at${k}`, round(sums[k] / n)])),
      mrr: round(mrr / n),
      // p50/p99: find over MCP's Streamable HTTP from a minimal client process; sdk_*: the same through the SDK client.
      latency_ms: {
        p50: round(percentile(raw, 50)),
        p99: round(percentile(raw, 99)),
        samples: raw.length,
        sdk_p50: round(percentile(latencies, 50)),
        sdk_p99: round(percentile(latencies, 99)),
        index_p50: round(percentile(indexMs, 50), 4),
        index_p99: round(percentile(indexMs, 99), 4),
      },
    };

    const t = report.tokens;
    console.log(`\nContext swapping through the gateway: ${catalog.length} tools of ${servers.length} servers (ready in ${(readyMs / 1000).toFixed(1)} s)`);
    console.log(`  tools/list full       ${String(t.full).padStart(7)} tokens  100%`);
    console.log(`  tools/list compact    ${String(t.compact).padStart(7)} tokens  ${pct(t.compact, full)}`);
    console.log(`  tools/list search     ${String(t.search).padStart(7)} tokens  ${pct(t.search, full)}`);
    console.log(`  find, 5 schemas       ${String(t.find5).padStart(7)} tokens  ${pct(t.find5, full)} mean, largest ${t.find5Max} (${pct(t.find5Max, full)})`);
    console.log(`\n  ${n} tasks via only1mcp__find_tools: recall@1 ${report.recall.at1}  @3 ${report.recall.at3}  @5 ${report.recall.at5}  @10 ${report.recall.at10}  MRR ${report.mrr}`);
    console.log(`  find round trip, minimal client: p50 ${report.latency_ms.p50} ms  p99 ${report.latency_ms.p99} ms  (${raw.length} calls)`);
    console.log(`  same calls, MCP SDK client:      p50 ${report.latency_ms.sdk_p50} ms  p99 ${report.latency_ms.sdk_p99} ms`);
    console.log(`  index search alone:       p50 ${report.latency_ms.index_p50} ms  p99 ${report.latency_ms.index_p99} ms`);

    const out = path.join(repoRoot, 'bench/results/context.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
  } finally {
    gateway.proc.kill('SIGTERM');
    const timer = setTimeout(() => gateway.proc.kill('SIGKILL'), 20_000);
    await gateway.exited;
    clearTimeout(timer);
  }
}

main().catch((err) => {
  console.error(err.stack ?? err);
  process.exitCode = 1;
});
