/**
 * Issue 10, finding 6: a primary killed outright (SIGKILL) used to leave its
 * embedded redis-server, its temp folder and any stdio backend that ignores
 * stdin EOF running forever. The next primary on the same state directory
 * now reclaims them from the ledger the dead one kept
 * (src/primary/child-ledger.ts); a clean stop leaves no ledger behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureServer, startGateway, tempDir, type Gateway } from '../helpers/gateway.js';
import { connect } from '../helpers/clients.js';
import { stopAll } from '../helpers/processes.js';
import { descendants } from '../../src/cli/process-tree.js';
import { alive, cmdline } from '../helpers/process-table.js';

afterAll(stopAll);

/** How long the test waits for a killed process to be gone before failing (a poll, not a timing assertion). */
const GONE_WAIT_MS = 15_000;



async function untilGone(pids: number[]): Promise<number[]> {
  const deadline = Date.now() + GONE_WAIT_MS;
  let left = pids.filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(alive);
  }
  return left;
}

/** The gateway's children by role, found under its primary. */
function children(primary: number): { redis: number | undefined; redisDir: string | undefined; backend: number | undefined } {
  let redis: number | undefined;
  let redisDir: string | undefined;
  let backend: number | undefined;
  for (const pid of descendants(primary)) {
    const cmd = cmdline(pid);
    if (cmd.includes('redis-server')) {
      redis = pid;
      // redis-server rewrites its command line, but it works in its --dir: the embedded one's temp folder.
      try {
        redisDir = fs.readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        redisDir = undefined;
      }
    } else if (cmd.includes('flood-server.js')) backend = pid;
  }
  return { redis, redisDir, backend };
}

describe('a primary killed with SIGKILL', () => {
  const stateHome = tempDir('only1mcp-orphans-');
  const config = `servers:\n${fixtureServer('stubborn', 'flood-server.js', ['--ignore-eof'], '    isolation: shared\n')}\n`;
  let second: Gateway | undefined;
  const strays: number[] = [];

  afterAll(async () => {
    await second?.stop();
    // Whatever a failing run left behind is this test's own to end.
    for (const pid of strays) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(stateHome, { recursive: true, force: true });
  });

  it('leaves nothing running once the next primary starts on the same state directory', async () => {
    const first = await startGateway(config, { workers: 2, env: { XDG_STATE_HOME: stateHome } });
    const primary = first.proc.child.pid!;
    let found = children(primary);
    for (let i = 0; i < 100 && (found.backend === undefined || found.redis === undefined); i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = children(primary);
    }
    const { redis, redisDir, backend } = found;
    expect(redis, 'an embedded redis-server').toBeDefined();
    expect(backend, 'the stdio backend').toBeDefined();
    expect(redisDir && fs.existsSync(redisDir)).toBe(true);
    strays.push(redis!, backend!);

    first.proc.child.kill('SIGKILL');
    await first.proc.exited;
    // The backend ignores stdin EOF and SIGTERM: nothing of the dead primary's ends it.
    expect(alive(backend!)).toBe(true);

    second = await startGateway(config, { workers: 1, env: { XDG_STATE_HOME: stateHome } });
    expect(await untilGone([backend!, redis!])).toEqual([]);
    expect(fs.existsSync(redisDir!)).toBe(false);
    expect(second.proc.output()).toMatch(/reclaimed \d+ process\(es\) and 1 folder\(s\) left by a primary that did not stop cleanly/);

    // The new gateway serves, with a backend of its own.
    const client = await connect(second.url);
    const result = (await client.callTool({ name: 'stubborn__echo', arguments: { text: 'still here' } })) as { content: Array<{ text: string }> };
    expect(result.content[0]!.text).toBe('still here');
    await client.close();

    // A clean stop ends its children itself and leaves no ledger to reclaim.
    const own = children(second.proc.child.pid!);
    strays.push(...[own.backend, own.redis].filter((p): p is number => p !== undefined));
    await second.stop();
    second = undefined;
    expect(fs.readdirSync(path.join(stateHome, 'only1mcp', 'children')).filter((n) => n.endsWith('.json'))).toEqual([]);
  }, 90_000);
});
