// Scenario 9 — what per-client backend sessions cost (issue 11): the first
// call of a new client session (initialize, initialized, tools/call) and the
// memory each open session adds, with isolation `shared` (one backend session
// for all clients, as every throughput cell runs) and `session` (each client
// its own: a stdio child, or an HTTP Mcp-Session-Id), over the stdio and the
// HTTP fixture. Memory counts every process of the gateway (primary, worker,
// redis, children) and, for HTTP, the fixture.
import { startGateway, stdioFixture } from '../lib/gateway.mjs';
import { startHttpFixture } from '../lib/fixtures.mjs';
import { openSession, post } from '../lib/mcp-client.mjs';
import { rssKb } from '../lib/proc.mjs';
import { ALL_CPUS } from '../lib/layout.mjs';

export const title = 'per-client backend sessions: first call and memory per session';
/** Lets start-up work (JIT, first GCs) settle before RSS is read. */
const SETTLE_MS = 1_500;

function rssMb(pids) {
  return pids.reduce((sum, pid) => sum + (rssKb(pid) ?? 0), 0) / 1024;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function firstCall(url) {
  const t0 = performance.now();
  const headers = await openSession(url);
  const r = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'fx__echo', arguments: { text: 'hi' } } }, headers);
  if (!r.message?.result) throw new Error(`first call failed: ${JSON.stringify(r.message)}`);
  return { ms: performance.now() - t0, headers };
}

async function measure(ctx, { transport, isolation, sessions }) {
  const http = transport === 'http' ? await startHttpFixture({ cpus: ALL_CPUS }) : undefined;
  const server = transport === 'http' ? { url: http.url, isolation } : { ...stdioFixture('fx'), isolation, ...(isolation === 'session' ? { maxProcesses: sessions + 1 } : {}) };
  const gateway = await startGateway({ servers: { fx: server }, workers: 1, redis: 'embedded', cpus: ALL_CPUS });
  try {
    const pids = () => [...gateway.processes().map((p) => p.pid), ...(http ? [http.pid] : [])];
    // One session first, so the fixture and the gateway's own paths are warm before anything is counted.
    await firstCall(gateway.url);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const before = rssMb(pids());
    const times = [];
    for (let i = 0; i < sessions; i++) times.push((await firstCall(gateway.url)).ms);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const after = rssMb(pids());
    times.sort((a, b) => a - b);
    const round = (x) => Math.round(x * 100) / 100;
    const row = {
      system: `only1mcp, isolation ${isolation}`,
      via: `${transport} fixture`,
      transport,
      isolation,
      sessions,
      firstCallP50Ms: round(quantile(times, 0.5)),
      firstCallP95Ms: round(quantile(times, 0.95)),
      mbPerSession: round((after - before) / sessions),
      processes: gateway.processes().length,
    };
    ctx.log(`${row.via}, isolation ${isolation}: first call p50 ${row.firstCallP50Ms} ms, p95 ${row.firstCallP95Ms} ms; ${row.mbPerSession} MB per open session (${sessions} sessions)`);
    return row;
  } finally {
    await gateway.stop();
    await http?.stop();
  }
}

export async function run(ctx) {
  const sessions = ctx.settings.quick ? 10 : 40;
  const rows = [];
  for (const transport of ['stdio', 'http']) {
    for (const isolation of ['shared', 'session']) rows.push(await measure(ctx, { transport, isolation, sessions }));
  }
  return { title, rows, columns: ['via', 'isolation', 'sessions', 'firstCallP50Ms', 'firstCallP95Ms', 'mbPerSession'] };
}
