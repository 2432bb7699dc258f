// Scenario 5 — the same calls through the peers, in front of the same
// fixtures, on the same SUT core, driven by the same generator where their
// transport allows:
//   mcp-proxy, supergateway: Streamable HTTP → autocannon, like the gateway;
//   mcp-hub: its MCP endpoint is legacy HTTP+SSE only → the SSE driver
//   (lib/sse-driver.mjs), and the gateway's own legacy SSE endpoint is
//   measured with that same driver so the pair compares like with like.
// What a peer cannot do is recorded as a fact, not measured. Quick mode
// keeps the rows the targets read (every peer at concurrency 100).
import { startHttpFixture } from '../lib/fixtures.mjs';
import { startGateway, stdioFixture } from '../lib/gateway.mjs';
import { startMcpHub, startMcpProxy, startSupergateway, hubStdioServer } from '../lib/peers.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyCall, openSession } from '../lib/mcp-client.mjs';
import { BACKEND_CPUS, SUT_CPUS } from '../lib/layout.mjs';
import { pin } from '../lib/proc.mjs';

export const title = 'the same tools/call through the peers (mcp-proxy, supergateway, mcp-hub)';

const OK = '"text":"ok"';
const CALL = { name: 'fx__echo', arguments: { text: 'hello' } };

function pinBackends(system) {
  for (const p of system.processes()) if (p.role === 'backend') pin(p.pid, BACKEND_CPUS);
}

async function streamablePeer(ctx, start, { system, via, session, levels }) {
  const peer = await start();
  try {
    const headers = session ? await openSession(`${peer.base}/mcp`) : { 'mcp-protocol-version': '2025-11-25' };
    pinBackends(peer); // supergateway --stateful spawns its child at initialize
    const call = legacyCall(headers, 'echo');
    const rows = await runCells(ctx, { system, via, job: { driver: 'http', url: `${peer.base}/mcp`, headers: call.headers, body: call.body, contains: OK }, processes: peer.processes(), extra: { command: peer.command } }, levels);
    return rows;
  } finally {
    await peer.stop();
  }
}

async function ssePeer(ctx, peer, { system, via, ssePath, levels, method = 'tools/call', params = CALL, contains = OK, extraProcesses = [] }) {
  pinBackends(peer);
  const job = { driver: 'sse', base: peer.base, ssePath, method, params, contains };
  return runCells(ctx, { system, via, job, processes: [...peer.processes(), ...extraProcesses], extra: { command: peer.command } }, levels);
}

/** The gateway as a "peer": processes named like the others' so rows line up. */
function gatewayAsPeer(gateway) {
  return { base: gateway.base, command: 'only1mcp start --workers 1 --redis memory', processes: () => gateway.processes() };
}

export async function run(ctx) {
  const levels = ctx.settings.secondary;
  const rows = [];
  // Streamable HTTP peers in front of the stdio fixture.
  rows.push(...(await streamablePeer(ctx, () => startMcpProxy({ cpus: SUT_CPUS }), { system: 'mcp-proxy', via: 'stdio fixture, Streamable HTTP, 2025 session', session: true, levels })));
  rows.push(...(await streamablePeer(ctx, () => startSupergateway({ cpus: SUT_CPUS, stateful: true }), { system: 'supergateway --stateful', via: 'stdio fixture, Streamable HTTP, 2025 session', session: true, levels })));
  rows.push(...(await streamablePeer(ctx, () => startSupergateway({ cpus: SUT_CPUS, stateful: false }), { system: 'supergateway (stateless default)', via: 'stdio fixture, Streamable HTTP, a child process per POST', session: false, levels: ctx.settings.quick ? [1] : levels })));

  // Legacy HTTP+SSE: mcp-hub, and the gateway through the same driver. Its REST call first, on a fresh hub:
  // after a hundred SSE sessions have come and gone, the hub may stop answering it.
  const full = !ctx.settings.quick;
  const hub = await startMcpHub({ cpus: SUT_CPUS, servers: { fx: hubStdioServer('fx') } });
  try {
    if (full) {
      const rest = { driver: 'http', url: `${hub.base}/api/servers/tools`, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ server_name: 'fx', tool: 'echo', arguments: { text: 'hello' } }), contains: OK };
      rows.push(...(await runCells(ctx, { system: 'mcp-hub REST API', via: 'stdio fixture, POST /api/servers/tools (not MCP)', job: rest, processes: hub.processes(), extra: { command: hub.command } }, levels)));
    }
    rows.push(...(await ssePeer(ctx, hub, { system: 'mcp-hub', via: 'stdio fixture, HTTP+SSE', ssePath: '/mcp', levels })));
  } finally {
    await hub.stop();
  }
  if (full) {
    const gateway = await startGateway({ servers: { fx: stdioFixture('fx') }, workers: 1, redis: 'memory', cpus: SUT_CPUS });
    try {
      rows.push(...(await ssePeer(ctx, gatewayAsPeer(gateway), { system: 'only1mcp 1 worker', via: 'stdio fixture, HTTP+SSE', ssePath: '/sse', levels })));
    } finally {
      await gateway.stop();
    }
  }

  // In front of the HTTP fixture: only mcp-hub of the peers can do this.
  const fixture = await startHttpFixture({ cpus: BACKEND_CPUS });
  try {
    const hubHttp = await startMcpHub({ cpus: SUT_CPUS, servers: { fx: { url: fixture.url } } });
    try {
      rows.push(...(await ssePeer(ctx, hubHttp, { system: 'mcp-hub', via: 'HTTP fixture, HTTP+SSE', ssePath: '/mcp', levels, extraProcesses: [{ role: 'backend', pid: fixture.pid }] })));
    } finally {
      await hubHttp.stop();
    }
    if (full) {
      const gw = await startGateway({ servers: { fx: { url: fixture.url } }, workers: 1, redis: 'memory', cpus: SUT_CPUS });
      try {
        rows.push(...(await ssePeer(ctx, gatewayAsPeer(gw), { system: 'only1mcp 1 worker', via: 'HTTP fixture, HTTP+SSE', ssePath: '/sse', levels, extraProcesses: [{ role: 'backend', pid: fixture.pid }] })));
      } finally {
        await gw.stop();
      }
    }
  } finally {
    await fixture.stop();
  }

  if (!full) return { title, rows, facts: FACTS };
  // tools/list merged over 10 backends: mcp-hub aggregates too.
  const servers = {};
  for (let i = 1; i <= 10; i++) servers[`fx${i}`] = hubStdioServer(`fx${i}`, 10);
  const hub10 = await startMcpHub({ cpus: SUT_CPUS, servers });
  try {
    rows.push(...(await ssePeer(ctx, hub10, { system: 'mcp-hub', via: 'tools/list, 10 stdio backends, HTTP+SSE', ssePath: '/mcp', method: 'tools/list', params: {}, contains: 'fx10__tool_9', levels: [100] })));
  } finally {
    await hub10.stop();
  }
  return { title, rows, facts: FACTS };
}

/** What the peers cannot do, from their READMEs (bench/node_modules/<peer>/README.md). */
export const FACTS = [
  'mcp-proxy fronts exactly one stdio server per process ("a streamable HTTP and SSE proxy for MCP servers that use stdio transport"): it cannot front the HTTP fixture or merge 10 backends.',
  'supergateway fronts exactly one server per process; its stdio→Streamable HTTP mode (the HTTP-output mode measured here) cannot front an HTTP server, and it merges nothing. In its default stateless mode it spawns a new child process for every POST; --stateful keeps one child per session.',
  'mcp-hub fronts stdio and Streamable HTTP servers and merges them, but its MCP endpoint for clients is the legacy HTTP+SSE transport only (GET /mcp, POST /messages); it has no Streamable HTTP endpoint, so it cannot be driven by autocannon and is measured with the SSE driver.',
  'mcp-hub also offers a non-MCP REST call (POST /api/servers/tools), measured with autocannon for reference in full mode; MCP clients cannot use it.',
];
