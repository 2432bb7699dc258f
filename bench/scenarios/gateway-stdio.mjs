// Scenario 3 — tools/call through the gateway to the stdio fixture: client
// → worker → primary (msgpackr frames) → child's stdin, and back. The
// gateway (primary + worker) is on the SUT core; the child is re-pinned to
// the backend core once it runs.
import { startGateway, stdioFixture } from '../lib/gateway.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyCall, modernCall, openSession } from '../lib/mcp-client.mjs';
import { BACKEND_CPUS, SUT_CPUS } from '../lib/layout.mjs';
import { pin } from '../lib/proc.mjs';

export const title = 'tools/call through the gateway to the stdio fixture';

export async function run(ctx) {
  const gateway = await startGateway({ servers: { fx: stdioFixture('fx') }, workers: 1, redis: 'memory', cpus: SUT_CPUS });
  try {
    const processes = gateway.processes();
    for (const p of processes) if (p.role === 'backend') pin(p.pid, BACKEND_CPUS);
    const legacy = legacyCall(await openSession(gateway.url), 'fx__echo');
    const modern = modernCall('fx__echo');
    const job = (call) => ({ driver: 'http', url: gateway.url, headers: call.headers, body: call.body, contains: '"text":"ok"' });
    const rows = await runCells(ctx, { system: 'only1mcp 1 worker', via: 'stdio fixture, 2025 session', job: job(legacy), processes, extra: { workers: 1, form: '2025' } }, ctx.settings.concurrencies);
    if (!ctx.settings.quick) rows.push(...(await runCells(ctx, { system: 'only1mcp 1 worker', via: 'stdio fixture, stateless 2026-07-28', job: job(modern), processes, extra: { workers: 1, form: '2026' } }, ctx.settings.secondary)));
    return { title, rows };
  } finally {
    await gateway.stop();
  }
}
