/**
 * The embedded default: with no Redis configured the primary runs a private
 * redis-server on a unix socket and supervises it; without the binary it
 * runs one worker on in-process state. The log says which.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway } from '../helpers/gateway.js';
import { stopAll, waitForLine } from '../helpers/processes.js';
import { KeySpace, SCOPE } from '../../src/state/redis/key-space.js';
import { REDIS_KEY_PREFIX } from '../../src/config/defaults.js';

afterAll(stopAll);

const sessionKey = (sid: string) => new KeySpace(REDIS_KEY_PREFIX).key(SCOPE.session(sid), 'rec');
const CONFIG = `servers:\n${fixtureServer('box', 'toolbox-server.js')}\n`;

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not reached within ${timeoutMs} ms`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded redis-server', () => {
  it('runs by default, comes back when killed (sessions written back), and goes away with the gateway', async () => {
    const gateway = await startGateway(CONFIG, { workers: 2, env: { REDIS_URL: '' } });
    const line = await waitForLine(gateway.proc, /\{[^\n]*shared state: embedded redis-server[^\n]*\}/);
    const { redisPid, socket } = JSON.parse(line[0]) as { redisPid: number; socket: string };
    const path_ = socket.replace(/^unix:\/\//, '');
    const sid = await rawSession(gateway.url);
    const redis = new Redis({ path: path_ });
    expect(await redis.exists(sessionKey(sid))).toBe(1);
    redis.disconnect();

    process.kill(redisPid, 'SIGKILL');
    await waitForLine(gateway.proc, /the embedded redis-server is back/);
    await until(async () => ((await (await fetch(`${gateway.base}/health`)).json()) as { status: string }).status === 'up', 10_000);
    // The workers wrote back the session they hold; it keeps working.
    const again = new Redis({ path: path_ });
    await until(async () => (await again.exists(sessionKey(sid))) === 1, 5_000);
    again.disconnect();
    const call = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'still here' } } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(call.body).toContain('still here');

    const restarted = Number(/"redisPid":(\d+)[^\n]*the embedded redis-server is back/.exec(gateway.proc.output())?.[1]);
    expect(alive(restarted)).toBe(true);
    await gateway.stop();
    expect(alive(restarted)).toBe(false);
    expect(fs.existsSync(path.dirname(path_))).toBe(false);
  });

  it('without redis-server on PATH, runs one worker on in-process state and says why', async () => {
    // A PATH holding node and nothing else.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'only1mcp-path-'));
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const gateway = await startGateway(CONFIG, { workers: 2, env: { PATH: bin, REDIS_URL: '' } });
    await waitForLine(gateway.proc, /shared state: in-process, one worker \(no Redis configured, and no redis-server on PATH\)/);
    const sid = await rawSession(gateway.url);
    const call = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'in process' } } }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
    expect(call.body).toContain('in process');
    const health = (await (await fetch(`${gateway.base}/health`)).json()) as { status: string };
    expect(health.status).toBe('up');
    await gateway.stop();
  });
});
