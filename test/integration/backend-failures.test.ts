/**
 * A server that cannot start is visible where the user looks (issue 9,
 * finding 8): `validate --probe`, the background `start`, `list` and
 * `status` all name it with its last error and the last lines of its
 * stderr, which travel from the primary's stdio host through the backend
 * status to the loopback admin view. Real processes: the CLI, the gateway,
 * a server that fails as server-filesystem does on a missing folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { stopAll } from '../helpers/processes.js';
import { isolatedEnv, runCliAsync } from '../helpers/cli.js';
import { STDERR_TAIL_LINES } from '../../src/config/defaults.js';

/** These tests start gateways and CLI processes one after another: generous on a loaded machine. */
const SLOW_TEST_MS = 180_000;

const REASON = 'None of the specified directories are accessible';

let dir: string;
let config: string;
let port: number;
const env = () => isolatedEnv(dir);

beforeAll(async () => {
  dir = tempDir();
  port = await freePort();
  config = path.join(dir, 'gw.yaml');
  const node = JSON.stringify(process.execPath);
  const fixture = (script: string) => JSON.stringify(path.join(FIXTURES, script));
  const missing = JSON.stringify(path.join(dir, 'no-such-folder'));
  fs.writeFileSync(
    config,
    `servers:
  files:
    command: ${node}
    args: [${fixture('failing-server.js')}, --dir, ${missing}]
  chatty:
    command: ${node}
    args: [${fixture('failing-server.js')}, --dir, ${missing}, --noise, "50"]
  box:
    command: ${node}
    args: [${fixture('toolbox-server.js')}]
`,
  );
});

afterAll(async () => {
  await runCliAsync(['stop', '--port', String(port)], env());
  await stopAll();
});

describe('a server that cannot start', () => {
  it('validate checks the file; validate --probe starts each server and shows the handshake or the failure', async () => {
    const plain = await runCliAsync(['validate', '--config', config], env());
    expect(plain.code).toBe(0);
    expect(plain.stdout).toBe(`${config}: OK (3 servers: 3 stdio, 0 http)\n`);

    const probe = await runCliAsync(['validate', '--config', config, '--probe'], env());
    expect(probe.code).toBe(1);
    expect(probe.stdout).toContain('probing 3 servers:');
    expect(probe.stdout).toMatch(/^ {2}box: ok \(stdio, modern 2026-07-28, toolbox 1\.0\.0, 10 tools\)$/m);
    expect(probe.stdout).toContain('  files: FAILED (stdio)\n    last error: exited with code 1\n    stderr (last 2 lines):\n');
    expect(probe.stdout).toContain(`      | ${REASON}\n`);
    expect(probe.stdout).toContain('2 of 3 failed');
  }, SLOW_TEST_MS);

  it('start names the servers that failed with their stderr; list and status show them from the admin view', async () => {
    const started = await runCliAsync(['start', '--config', config, '--port', String(port), '--workers', '1'], env());
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(new RegExp(`only1mcp started \\(pid \\d+\\) on http://127.0.0.1:${port}/mcp`));
    expect(started.stderr).toContain('warning: 2 of 3 servers did not start:\n  files (stdio, ');
    expect(started.stderr).toContain(`      | ${REASON}\n`);
    expect(started.stderr).toContain(`status --port ${port}`);
    expect(started.stderr).not.toContain('box (');

    const list = await runCliAsync(['list', '--port', String(port)], env());
    expect(list.stdout).toMatch(/^box \(stdio, ready, modern\): 10 tools/m);
    expect(list.stdout).toMatch(/^files \(stdio, (restarting|starting)\): 0 tools/m);
    expect(list.stdout).toContain(`    | ${REASON}\n`);

    const status = await runCliAsync(['status', '--port', String(port)], env());
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^only1mcp degraded \(pid \d+\)/);
    expect(status.stdout).toMatch(/^ {2}box +ready \(modern\)$/m);
    expect(status.stdout).toContain('    last error: exited with code 1');
    expect(status.stdout).toContain(`      | ${REASON}\n`);
  }, SLOW_TEST_MS);

  it('keeps only the last lines of a chatty server, bounded', async () => {
    const status = await runCliAsync(['status', '--port', String(port), '--json'], env());
    const report = JSON.parse(status.stdout) as { servers: Array<{ name: string; stderr?: string[] }> };
    const chatty = report.servers.find((s) => s.name === 'chatty');
    // 50 filler lines and two real ones per attempt, over however many restarts: the window holds the newest.
    expect(chatty?.stderr).toHaveLength(STDERR_TAIL_LINES);
    expect(chatty?.stderr?.at(-1)).toBe(REASON);
    expect(report.servers.find((s) => s.name === 'box')?.stderr).toBeUndefined();
  }, SLOW_TEST_MS);
});
