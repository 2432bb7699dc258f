/**
 * Failover through the real gateway, loaded with the contract fixture
 * test/fixtures/replicas.yaml (fx: two Streamable HTTP replicas, round-robin,
 * pinged every second, back after one passing probe), with real replica
 * processes behind it:
 *
 * - a replica SIGKILLed under a steady load of 20 clients costs at most 1%
 *   of the calls, and no non-idempotent call reaches a replica twice: every
 *   `append` carries a unique id and each replica prints the ids it served
 *   (stdout to a pipe is written synchronously, so a killed replica's lines
 *   are all there);
 * - the replica started again on its port is back in rotation within two
 *   check intervals, and the health metrics tell the story.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { CLI, tempDir } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, start, stopAll, waitForHttp, type Proc } from '../helpers/processes.js';
import { startReplica, textOf, until, type ReplicaProc } from '../helpers/replicas.js';

/** The contract fixture's check interval (health.intervalMs). */
const CHECK_INTERVAL_MS = 1_000;
const CLIENTS = 20;

let a: ReplicaProc;
let b: ReplicaProc;
let gateway: Proc;
let base: string;
const clients: Client[] = [];

beforeAll(async () => {
  [a, b] = await Promise.all([startReplica('A', ['--log-calls']), startReplica('B', ['--log-calls'])]);
  const port = await freePort();
  const dir = tempDir();
  gateway = start(
    process.execPath,
    [CLI, 'start', '--foreground', '--config', path.join(ROOT, 'test', 'fixtures', 'replicas.yaml'), '--port', String(port), '--workers', '1'],
    { XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir, ONLY1MCP_TEST_REPLICA_A: a.url, ONLY1MCP_TEST_REPLICA_B: b.url },
    dir,
  );
  base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/health`, gateway);
  for (let i = 0; i < CLIENTS; i++) clients.push(await connect(`${base}/mcp`));
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop(20_000);
  await stopAll();
});

interface Outcome {
  tool: 'append' | 'whoami';
  id: string;
  ok: boolean;
  who?: string;
  error?: string;
}

async function metric(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

let unhealthyBefore = 0;
let healthyBefore = 0;

describe('a replica SIGKILLed under load (test/fixtures/replicas.yaml)', () => {
  it('costs at most 1% of calls, and no non-idempotent call is sent twice', async () => {
    const outcomes: Outcome[] = [];
    let running = true;
    const loops = clients.map(async (client, k) => {
      for (let i = 0; running; i++) {
        const tool = i % 2 === 0 ? 'append' : 'whoami';
        const id = `c${k}-${i}`;
        try {
          const who = textOf(await client.callTool({ name: `fx__${tool}`, arguments: tool === 'append' ? { id } : {} }));
          outcomes.push({ tool, id, ok: true, who: who.split(' ')[0] });
        } catch (err) {
          outcomes.push({ tool, id, ok: false, error: (err as Error).message });
        }
      }
    });
    await until('load on both replicas', () => outcomes.length >= 400 && outcomes.some((o) => o.who === 'A'), 30_000);
    // Counted from here: a loaded machine may have seen a probe time out before.
    unhealthyBefore = (await metric('only1mcp_replica_health_transitions_total', { server: 'fx', replica: a.url, to: 'unhealthy' })) ?? 0;
    healthyBefore = (await metric('only1mcp_replica_health_transitions_total', { server: 'fx', replica: a.url, to: 'healthy' })) ?? 0;
    a.proc.child.kill('SIGKILL');
    const killedAt = outcomes.length;
    const deadline = Date.now() + 3_000;
    // Enough calls that the few in flight on A when it died (at most one per client) stay under 1%.
    await until('calls after the kill', () => Date.now() > deadline && outcomes.length - killedAt >= 2_000, 60_000);
    running = false;
    await Promise.all(loops);
    await a.proc.exited;

    const failed = outcomes.filter((o) => !o.ok);
    expect(outcomes.length).toBeGreaterThan(2_000);
    expect(failed.length, `${failed.length} of ${outcomes.length} failed: ${[...new Set(failed.map((f) => f.error))].slice(0, 5).join(' | ')}`).toBeLessThanOrEqual(outcomes.length * 0.01);
    // After the kill, B took everything.
    expect(outcomes.slice(killedAt + 100).filter((o) => o.ok).every((o) => o.who === 'B')).toBe(true);

    // What reached the replicas: each append id at most once, and every answered one exactly once.
    const reached = [...a.loggedIds('append'), ...b.loggedIds('append')];
    const counts = new Map<string, number>();
    for (const id of reached) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts].filter(([, n]) => n > 1);
    expect(twice, `sent twice: ${JSON.stringify(twice.slice(0, 5))}`).toEqual([]);
    for (const o of outcomes.filter((x) => x.tool === 'append' && x.ok)) expect(counts.get(o.id), o.id).toBe(1);
    expect(a.loggedIds('append').length).toBeGreaterThan(0);
  }, 120_000);

  it('is back in rotation within two check intervals once it listens again; health metrics record it', async () => {
    await until('A judged unhealthy', async () => (await metric('only1mcp_replica_up', { server: 'fx', replica: a.url })) === 0, 10_000);
    a = await startReplica('A', ['--log-calls'], a.port);
    const listening = Date.now();
    const probe = clients[0]!;
    let backAfterMs = Infinity;
    while (Date.now() - listening < 10_000) {
      const who = await probe.callTool({ name: 'fx__whoami', arguments: {} }).then(textOf, () => '');
      if (who === 'A') {
        backAfterMs = Date.now() - listening;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(backAfterMs).toBeLessThanOrEqual(2 * CHECK_INTERVAL_MS);
    // Round-robin again: both replicas answer.
    const answers = new Set<string>();
    for (let i = 0; i < 10; i++) answers.add(textOf(await probe.callTool({ name: 'fx__whoami', arguments: {} })));
    expect([...answers].sort()).toEqual(['A', 'B']);

    expect(await metric('only1mcp_replica_up', { server: 'fx', replica: a.url })).toBe(1);
    expect(await metric('only1mcp_replica_health_transitions_total', { server: 'fx', replica: a.url, to: 'unhealthy' })).toBeGreaterThan(unhealthyBefore);
    expect(await metric('only1mcp_replica_health_transitions_total', { server: 'fx', replica: a.url, to: 'healthy' })).toBeGreaterThan(healthyBefore);
    expect(await metric('only1mcp_health_probe_seconds_count', { server: 'fx', replica: a.url, outcome: 'fail' })).toBeGreaterThanOrEqual(2);
    expect(await metric('only1mcp_replica_up', { server: 'fx', replica: b.url })).toBe(1);
  }, 60_000);
});
