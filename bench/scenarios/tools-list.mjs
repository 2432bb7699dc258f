// Scenario 4 — tools/list merged over 10 backends (10 stdio fixtures × 10
// tools), served from the gateway's catalog, against a bare uWebSockets.js
// server that answers the same request with the very bytes the gateway
// sent: the ceiling for "serve a cached list over HTTP" on this machine.
import fs from 'node:fs';
import path from 'node:path';
import { startGateway, stdioFixture } from '../lib/gateway.mjs';
import { startBareUws } from '../lib/fixtures.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyList, openSession } from '../lib/mcp-client.mjs';
import { BACKEND_CPUS, SUT_CPUS } from '../lib/layout.mjs';
import { pin } from '../lib/proc.mjs';

export const title = 'tools/list merged over 10 backends, cached, vs a bare uWS server sending the same bytes';
export const BACKENDS = 10;
export const TOOLS_PER_BACKEND = 10;

export async function run(ctx) {
  const servers = {};
  for (let i = 1; i <= BACKENDS; i++) servers[`fx${i}`] = stdioFixture(`fx${i}`, TOOLS_PER_BACKEND);
  const gateway = await startGateway({ servers, workers: 1, redis: 'memory', cpus: SUT_CPUS });
  let bare;
  try {
    const processes = gateway.processes();
    for (const p of processes) if (p.role === 'backend') pin(p.pid, BACKEND_CPUS);
    const call = legacyList(await openSession(gateway.url));
    // The bytes the gateway answers, captured once, become the bare server's answer.
    const res = await fetch(gateway.url, { method: 'POST', headers: call.headers, body: call.body });
    const bytes = Buffer.from(await res.arrayBuffer());
    const listed = JSON.parse(bytes.toString()).result.tools.length;
    if (listed !== BACKENDS * TOOLS_PER_BACKEND) throw new Error(`gateway listed ${listed} tools, expected ${BACKENDS * TOOLS_PER_BACKEND}`);
    const file = path.join(gateway.dir, 'tools-list.json');
    fs.writeFileSync(file, bytes);
    bare = await startBareUws({ cpus: SUT_CPUS, file });
    const job = (url) => ({ driver: 'http', url, headers: call.headers, body: call.body, contains: `"name":"fx${BACKENDS}__tool_${TOOLS_PER_BACKEND - 1}"` });
    const rows = [
      ...(await runCells(ctx, { system: 'only1mcp 1 worker', via: `tools/list, ${BACKENDS} stdio backends, 2025 session`, job: job(gateway.url), processes }, ctx.settings.secondary)),
      ...(await runCells(ctx, { system: 'bare uWS, same bytes', via: 'fixed response', job: job(bare.url), processes: [{ role: 'server', pid: bare.pid }] }, ctx.settings.secondary)),
    ];
    return { title, rows, responseBytes: bytes.length, tools: listed };
  } finally {
    await bare?.stop();
    await gateway.stop();
  }
}
