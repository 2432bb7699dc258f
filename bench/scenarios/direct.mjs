// Scenario 1 — the limit: tools/call straight to the HTTP fixture, with the
// fixture alone on the system-under-test core. Every gateway figure is read
// against this one, measured in the same run.
import { startHttpFixture } from '../lib/fixtures.mjs';
import { runCells } from '../lib/cell.mjs';
import { legacyCall } from '../lib/mcp-client.mjs';
import { SUT_CPUS } from '../lib/layout.mjs';

export const title = 'tools/call direct to the HTTP fixture (the limit)';

export async function run(ctx) {
  const fixture = await startHttpFixture({ cpus: SUT_CPUS });
  try {
    const { headers, body } = legacyCall({ 'mcp-protocol-version': '2025-11-25', 'mcp-session-id': 'bench' }, 'echo');
    const rows = await runCells(ctx, {
      system: 'direct',
      via: 'HTTP fixture, no gateway',
      job: { driver: 'http', url: fixture.url, headers, body, contains: '"text":"ok"' },
      processes: [{ role: 'backend', pid: fixture.pid }],
    }, ctx.settings.concurrencies);
    return { title, rows };
  } finally {
    await fixture.stop();
  }
}
