/**
 * Issue 10, finding 5: a stalled worker (SIGSTOP) used to hold every client
 * connected to it for as long as it was stopped. The primary's watchdog now
 * notices that the worker's event loop does not answer its heartbeats,
 * kills it and starts another; the client's session, kept in the shared
 * Redis, carries on through a new connection.
 *
 * Waits are polls with a bound, never timing assertions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';
import { alive, untilWorkersAnswer, workerPids } from '../helpers/process-table.js';

afterAll(stopAll);

/** What the test sets: short, so that the test is quick; the defaults are WORKER_HEARTBEAT_MS / WORKER_STALL_TIMEOUT_MS. */
const HEARTBEAT_MS = 200;
const STALL_TIMEOUT_MS = 1_500;
/** How long the test waits for the replacement before failing: many times the stall timeout. */
const REPLACEMENT_WAIT_MS = 30_000;
/** One attempt of a client call: a connection the stopped worker accepted hangs, and the client retries on a new one. */
const ATTEMPT_TIMEOUT_MS = 3_000;




describe('worker watchdog', () => {
  let redis: TestRedis;
  let gateway: Gateway;
  let victim: number | undefined;

  beforeAll(async () => {
    redis = await startRedis('single');
    const config = `watchdog:\n  heartbeatMs: ${HEARTBEAT_MS}\n  stallTimeoutMs: ${STALL_TIMEOUT_MS}\nservers:\n${fixtureServer('box', 'toolbox-server.js')}\n`;
    gateway = await startGateway(config, { workers: 2, extraArgs: ['--redis', redis.url] });
    await untilWorkersAnswer(gateway.base, 2);
  }, 60_000);

  afterAll(async () => {
    if (victim !== undefined && alive(victim)) process.kill(victim, 'SIGKILL');
    await gateway?.stop();
    await redis?.stop();
  });

  /** One call on a fresh connection (the kernel may hand it to either worker); undefined when the attempt failed. */
  async function call(sid: string, id: number, message: string): Promise<{ worker: string; text: string | undefined } | undefined> {
    try {
      const res = await request(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, connection: 'close' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'box__echo', arguments: { message } } }),
        headersTimeout: ATTEMPT_TIMEOUT_MS,
        bodyTimeout: ATTEMPT_TIMEOUT_MS,
      });
      const body = (await res.body.json()) as { result?: { content?: Array<{ text: string }> } };
      return { worker: String(res.headers['x-only1mcp-worker']), text: body.result?.content?.[0]?.text };
    } catch {
      return undefined;
    }
  }

  it('replaces a stopped worker and the session carries on at the others', async () => {
    const primary = gateway.proc.child.pid!;
    const before = workerPids(primary);
    expect(before).toHaveLength(2);
    const sid = await rawSession(gateway.url);
    expect((await call(sid, 1, 'before'))?.text).toBe('before');

    victim = before[0]!;
    process.kill(victim, 'SIGSTOP');

    // The primary kills the stopped worker and forks another: a new pid beside the survivor.
    const deadline = Date.now() + REPLACEMENT_WAIT_MS;
    let now = workerPids(primary);
    while (Date.now() < deadline && (alive(victim) || now.length < 2)) {
      await new Promise((r) => setTimeout(r, 100));
      now = workerPids(primary);
    }
    expect(alive(victim), gateway.proc.output().slice(-3000)).toBe(false);
    expect(now).toHaveLength(2);
    expect(now).not.toContain(victim);
    expect(now).toContain(before[1]);
    expect(gateway.proc.output()).toMatch(new RegExp(`worker \\d \\(pid ${victim}\\) is being replaced: its event loop did not answer a heartbeat`));

    // The same session, on new connections: every call answers, whichever worker takes it.
    const served = new Set<string>();
    let failed = 0;
    for (let i = 0; i < 40 && (served.size < 2 || i < 10); i++) {
      const a = await call(sid, 100 + i, `after ${i}`);
      if (!a) {
        failed++;
        continue;
      }
      expect(a.text).toBe(`after ${i}`);
      served.add(a.worker);
    }
    expect(failed).toBe(0);
    expect([...served].every((pid) => now.includes(Number(pid)))).toBe(true);
  }, 90_000);
});
