/**
 * Legacy HTTP+SSE replicas (protocol 2024-11-05): two
 * @modelcontextprotocol/server-everything processes in `sse` mode behind one
 * server entry, checked with an HTTP GET of their stream path. On this
 * transport the gateway's session is the stream itself: a replica that dies
 * takes its link down, and the link backs off between reconnects. Calls keep
 * going to the other replica, and the restarted replica is back in rotation
 * within two check intervals, because passing checks make its link
 * reconnect at once instead of waiting out its backoff. Which replica
 * answered is what its environment says (get-env).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForLine, type Proc } from '../helpers/processes.js';
import { textOf, until } from '../helpers/replicas.js';

const EVERYTHING = path.join(ROOT, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const CHECK_INTERVAL_MS = 750;

let gateway: Gateway;
let client: Client;
const ports: Record<string, number> = {};
const procs: Record<string, Proc> = {};

async function startEverything(name: string): Promise<void> {
  ports[name] ??= await freePort();
  procs[name] = start(process.execPath, [EVERYTHING, 'sse'], { PORT: String(ports[name]), REPLICA_NAME: name });
  await waitForLine(procs[name]!, /running on port/);
}

async function whoAnswers(): Promise<string> {
  const env = JSON.parse(textOf(await client.callTool({ name: 'ev__get-env', arguments: {} }))) as Record<string, string>;
  return env.REPLICA_NAME ?? '?';
}

beforeAll(async () => {
  await Promise.all([startEverything('A'), startEverything('B')]);
  const url = (n: string) => `http://127.0.0.1:${ports[n]}/sse`;
  gateway = await startGateway(
    `servers:\n  ev:\n    type: sse\n    isolation: shared\n    replicas:\n      - url: ${url('A')}\n      - url: ${url('B')}\n` +
      `    health: { type: http, path: /sse, intervalMs: ${CHECK_INTERVAL_MS}, timeoutMs: 400, healthyThreshold: 1, unhealthyThreshold: 2 }\n`,
  );
  client = await connect(gateway.url);
}, 60_000);

afterAll(async () => {
  await client?.close().catch(() => undefined);
  await gateway?.stop();
  await stopAll();
});

describe('legacy SSE replicas', () => {
  it('alternate; one SIGKILLed leaves rotation; restarted, it is back within two check intervals', async () => {
    const first = new Set<string>();
    for (let i = 0; i < 4; i++) first.add(await whoAnswers());
    expect([...first].sort()).toEqual(['A', 'B']);

    procs.A!.child.kill('SIGKILL');
    await procs.A!.exited;
    // Long enough for the link to back off past two check intervals (250 ms, doubling: the attempt
    // after the one at 3.75 s comes at 7.75 s); only the passing checks bring it back sooner.
    const during = new Set<string>();
    const downUntil = Date.now() + 5_500;
    while (Date.now() < downUntil) {
      during.add(await whoAnswers().catch(() => 'failed'));
      await new Promise((r) => setTimeout(r, 100));
    }
    expect([...during].filter((w) => w !== 'failed')).toEqual(['B']);

    await startEverything('A');
    const listening = Date.now();
    await until('A answers again', async () => (await whoAnswers().catch(() => '')) === 'A', 10_000, 25);
    expect(Date.now() - listening).toBeLessThanOrEqual(2 * CHECK_INTERVAL_MS);
  }, 60_000);
});
