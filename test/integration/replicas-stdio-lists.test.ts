/**
 * Replicas beyond one HTTP server:
 *
 * - a stdio server with `replicas: 3` runs as three children, one host each
 *   in the primary: shared calls go round-robin over the three processes,
 *   each pinged through its host; one SIGKILLed is restarted by its host and
 *   back in rotation, its siblings serving meanwhile. With the default
 *   isolation, a client's own child stays the same process across calls.
 * - a replica whose tools differ from its siblings' is reported (log, admin
 *   view, metric), not merged: clients see the list the others agree on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { connect } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { replicatedServer, startReplica, textOf, until, type ReplicaProc } from '../helpers/replicas.js';

const clients: Client[] = [];

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await stopAll();
});

async function client(gateway: Gateway): Promise<Client> {
  const c = await connect(gateway.url);
  clients.push(c);
  return c;
}

async function metricLine(gateway: Gateway, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const text = await (await fetch(`${gateway.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('a stdio server run three times', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    const health = '    health: { intervalMs: 300, timeoutMs: 300, healthyThreshold: 1, unhealthyThreshold: 2 }\n';
    gateway = await startGateway(
      `servers:\n${fixtureServer('st', 'toolbox-server.js', [], `    replicas: 3\n    isolation: shared\n${health}`)}${fixtureServer('ss', 'toolbox-server.js', ['--era', 'legacy'], '    replicas: 2\n')}`,
    );
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it('spreads shared calls round-robin over three processes, each pinged through its host', async () => {
    const c = await client(gateway);
    const pids: string[] = [];
    for (let i = 0; i < 30; i++) pids.push(textOf(await c.callTool({ name: 'st__whoami', arguments: {} })));
    const counts = new Map<string, number>();
    for (const pid of pids) counts.set(pid, (counts.get(pid) ?? 0) + 1);
    expect([...counts.values()]).toEqual([10, 10, 10]);
    for (const id of ['1', '2', '3']) {
      await until(`st/${id} judged healthy`, async () => (await metricLine(gateway, 'only1mcp_replica_up', { server: 'st', replica: id })) === 1);
    }
  }, 30_000);

  it('keeps serving from the others while one is SIGKILLed, and takes it back once its host restarted it', async () => {
    const c = await client(gateway);
    const before = new Set<string>();
    for (let i = 0; i < 3; i++) before.add(textOf(await c.callTool({ name: 'st__whoami', arguments: {} })));
    expect(before.size).toBe(3);
    const victim = [...before][0]!;
    process.kill(Number(victim), 'SIGKILL');
    const seen = new Set<string>();
    let failures = 0;
    await until('a new process in rotation', async () => {
      const pid = await c.callTool({ name: 'st__whoami', arguments: {} }).then(textOf, () => {
        failures++;
        return '';
      });
      if (pid) seen.add(pid);
      return [...seen].some((p) => !before.has(p));
    });
    expect(seen.has(victim)).toBe(false);
    // At most the call that met the dying process (it was in flight as the pipe closed).
    expect(failures).toBeLessThanOrEqual(1);
    const after = new Set<string>();
    for (let i = 0; i < 6; i++) after.add(textOf(await c.callTool({ name: 'st__whoami', arguments: {} })));
    expect(after.size).toBe(3);
  }, 30_000);

  it('keeps a client\'s own child (isolation session) across its calls', async () => {
    const one = await client(gateway);
    const two = await client(gateway);
    const ones = new Set<string>();
    const twos = new Set<string>();
    for (let i = 0; i < 10; i++) {
      ones.add(textOf(await one.callTool({ name: 'ss__whoami', arguments: {} })));
      twos.add(textOf(await two.callTool({ name: 'ss__whoami', arguments: {} })));
    }
    expect(ones.size).toBe(1);
    expect(twos.size).toBe(1);
    expect([...ones][0]).not.toBe([...twos][0]);
  }, 30_000);
});

describe('replicas whose lists differ', () => {
  let gateway: Gateway;
  let a: ReplicaProc;
  let b: ReplicaProc;
  let c: ReplicaProc;

  beforeAll(async () => {
    [a, b, c] = await Promise.all([startReplica('A'), startReplica('B'), startReplica('C', ['--extra-tool', 'only_on_c'])]);
    gateway = await startGateway(replicatedServer([a, b, c]));
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it('serves the list the others agree on and reports the odd one: log once, admin view, metric', async () => {
    const cl = await client(gateway);
    const names = (await cl.listTools()).tools.map((t) => t.name);
    expect(names).toContain('fx__whoami');
    expect(names).not.toContain('fx__only_on_c');
    await until('the difference reported', async () => (await metricLine(gateway, 'only1mcp_replica_list_mismatch', { server: 'fx', replica: c.url, kind: 'tools' })) === 1);
    expect(await metricLine(gateway, 'only1mcp_replica_list_mismatch', { server: 'fx', replica: a.url })).toBeUndefined();
    const catalog = (await (await fetch(`${gateway.base}/admin/catalog`)).json()) as { servers: Array<{ replicas: Array<{ id: string; listsDiffer?: string[] }> }> };
    const replicas = catalog.servers[0]!.replicas;
    expect(replicas.find((r) => r.id === c.url)?.listsDiffer).toEqual(['tools']);
    expect(replicas.find((r) => r.id === a.url)?.listsDiffer).toBeUndefined();
    const warnings = gateway.proc.output().split('\n').filter((l) => l.includes('lists other tools than the replicas that agree'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('only_on_c');
    // It stays in rotation: its calls of the names they share work.
    const who = new Set<string>();
    for (let i = 0; i < 6; i++) who.add(textOf(await cl.callTool({ name: 'fx__whoami', arguments: {} })));
    expect([...who].sort()).toEqual(['A', 'B', 'C']);
  }, 30_000);
});
