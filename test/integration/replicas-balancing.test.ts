/**
 * Balancing through the real gateway over real replica processes
 * (test/fixtures/replica-server.ts): the spread of each algorithm over 1,000
 * tools/call matches its definition. Which replica answered is what its
 * whoami says. round-robin is exact (±2%), with or without weights; the
 * random ones are within ±5% of their weights; least-connections keeps
 * calls off a slow replica; consistent-hash keeps a key on one replica and,
 * when a replica is removed from the config, moves only that replica's keys
 * (about 1/N). One worker: balancer state is per worker.
 */
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { replicatedServer, startReplica, textOf, until, type ReplicaProc } from '../helpers/replicas.js';

const CALLS = 1_000;

let a: ReplicaProc;
let b: ReplicaProc;
let c: ReplicaProc;
let gateway: Gateway | undefined;
const clients: Client[] = [];

beforeAll(async () => {
  [a, b, c] = await Promise.all([startReplica('A'), startReplica('B'), startReplica('C')]);
}, 30_000);

afterEach(async () => {
  await Promise.all(clients.splice(0).map((cl) => cl.close().catch(() => undefined)));
  await gateway?.stop();
  gateway = undefined;
});

afterAll(async () => {
  await stopAll();
});

async function client(): Promise<Client> {
  const cl = await connect(gateway!.url);
  clients.push(cl);
  return cl;
}

/** `count` calls of fx__whoami, `concurrency` at a time; answers by replica name. */
async function spread(cl: Client, count = CALLS, concurrency = 10, args: (i: number) => Record<string, unknown> = () => ({})): Promise<Record<string, number>> {
  const answers: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const who = textOf(await cl.callTool({ name: 'fx__whoami', arguments: args(i) }));
        answers[who] = (answers[who] ?? 0) + 1;
      }
    }),
  );
  return answers;
}

const share = (answers: Record<string, number>, name: string) => (answers[name] ?? 0) / Object.values(answers).reduce((s, n) => s + n, 0);

describe('round-robin', () => {
  it('gives each of three replicas a third of 1,000 calls (±2%)', async () => {
    gateway = await startGateway(replicatedServer([a, b, c], '    balance: round-robin\n'));
    const answers = await spread(await client());
    expect(Object.keys(answers).sort()).toEqual(['A', 'B', 'C']);
    for (const name of ['A', 'B', 'C']) expect(Math.abs(share(answers, name) - 1 / 3), JSON.stringify(answers)).toBeLessThanOrEqual(0.02);
  }, 60_000);

  it('follows weights 1:3 (±2%: smooth weighted round-robin is exact)', async () => {
    gateway = await startGateway(replicatedServer([{ url: a.url, weight: 1 }, { url: b.url, weight: 3 }], '    balance: round-robin\n'));
    const answers = await spread(await client());
    expect(Math.abs(share(answers, 'A') - 0.25), JSON.stringify(answers)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(share(answers, 'B') - 0.75), JSON.stringify(answers)).toBeLessThanOrEqual(0.02);
  }, 60_000);
});

describe('random picks', () => {
  it('weighted-random follows weights 1:2:3 (±5%)', async () => {
    gateway = await startGateway(replicatedServer([{ url: a.url, weight: 1 }, { url: b.url, weight: 2 }, { url: c.url, weight: 3 }], '    balance: weighted-random\n'));
    const answers = await spread(await client());
    expect(Math.abs(share(answers, 'A') - 1 / 6), JSON.stringify(answers)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(share(answers, 'B') - 2 / 6), JSON.stringify(answers)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(share(answers, 'C') - 3 / 6), JSON.stringify(answers)).toBeLessThanOrEqual(0.05);
  }, 60_000);

  it('random is uniform over three replicas (±5%)', async () => {
    gateway = await startGateway(replicatedServer([a, b, c], '    balance: random\n'));
    const answers = await spread(await client());
    for (const name of ['A', 'B', 'C']) expect(Math.abs(share(answers, name) - 1 / 3), JSON.stringify(answers)).toBeLessThanOrEqual(0.05);
  }, 60_000);
});

describe('least-connections', () => {
  it('sends fewer calls to a replica that answers slowly (more calls in flight there)', async () => {
    const slow = await startReplica('S', ['--delay-ms', '150']);
    gateway = await startGateway(replicatedServer([slow, b, c], '    balance: least-connections\n'));
    const answers = await spread(await client(), CALLS, 20);
    // Round-robin would give it a third; two random choices compared by load leave it far less.
    expect(share(answers, 'S'), JSON.stringify(answers)).toBeLessThan(0.2);
    expect(share(answers, 'B') + share(answers, 'C')).toBeGreaterThan(0.8);
    await slow.proc.stop();
  }, 60_000);
});

describe('consistent-hash', () => {
  it('keeps each argument key on one replica; removing a replica moves only its keys (about 1/N)', async () => {
    gateway = await startGateway(replicatedServer([a, b, c], '    balance: consistent-hash\n    hashKey: argument:key\n'));
    const cl = await client();
    const keys = Array.from({ length: 300 }, (_, i) => `key-${i}`);
    const placed = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (const key of keys) {
        const who = textOf(await cl.callTool({ name: 'fx__whoami', arguments: { key } }));
        if (round === 0) placed.set(key, who);
        else expect(who, key).toBe(placed.get(key));
      }
    }
    const onC = keys.filter((k) => placed.get(k) === 'C');
    // ~160 points per replica keep each share near a third.
    expect(onC.length / keys.length).toBeGreaterThan(1 / 3 - 0.1);
    expect(onC.length / keys.length).toBeLessThan(1 / 3 + 0.1);

    // C leaves the config; the gateway reloads (SIGHUP).
    fs.writeFileSync(gateway.configFile, replicatedServer([a, b], '    balance: consistent-hash\n    hashKey: argument:key\n'));
    gateway.proc.child.kill('SIGHUP');
    await until('the reload', async () => {
      const catalog = (await (await fetch(`${gateway!.base}/admin/catalog`)).json()) as { servers: Array<{ replicas?: Array<{ state: string }> }> };
      const replicas = catalog.servers[0]?.replicas ?? [];
      return replicas.length === 2 && replicas.every((r) => r.state === 'ready');
    });
    const moved: string[] = [];
    for (const key of keys) {
      const who = textOf(await cl.callTool({ name: 'fx__whoami', arguments: { key } }));
      if (who !== placed.get(key)) moved.push(key);
      expect(who === 'A' || who === 'B', `${key} → ${who}`).toBe(true);
    }
    // Exactly C's keys moved: nobody else's.
    expect(moved.sort()).toEqual(onC.sort());
  }, 120_000);

  it('keys a 2025 client by its session: all its calls on one replica', async () => {
    gateway = await startGateway(replicatedServer([a, b, c], '    balance: consistent-hash\n'));
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const cl = await client();
      const answers = await spread(cl, 30, 3);
      expect(Object.keys(answers), JSON.stringify(answers)).toHaveLength(1);
      seen.add(Object.keys(answers)[0] as string);
    }
    // Ten sessions over three replicas: not all on one (the odds of that are 3 × (1/3)^10).
    expect(seen.size).toBeGreaterThan(1);
  }, 60_000);
});
