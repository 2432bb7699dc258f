/**
 * Sticky backend sessions over replicas, through two workers on one Redis:
 * a 2025 backend that keeps sessions (replica-server --sessions: each
 * session its own memory, known only to the replica that opened it), with
 * the default isolation (each client session its own backend session).
 *
 * A client's backend session lives on one replica, and every request of the
 * client reaches it there whichever worker takes it (fresh connections, so
 * the kernel spreads them over both workers). When that replica is
 * SIGKILLed, the next request opens a new session on the other replica, and
 * the client is told its backend state was reset; it then stays there, even
 * once the first replica is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';
import { replicatedServer, startReplica, textOf, until, type ReplicaProc } from '../helpers/replicas.js';

let redis: TestRedis;
let p: ReplicaProc;
let q: ReplicaProc;
let gateway: Gateway;
const clients: Client[] = [];

beforeAll(async () => {
  redis = await startRedis();
  [p, q] = await Promise.all([startReplica('P', ['--sessions']), startReplica('Q', ['--sessions'])]);
  gateway = await startGateway(
    replicatedServer([p, q], '    protocol: legacy\n    health: { intervalMs: 500, timeoutMs: 400, healthyThreshold: 1, unhealthyThreshold: 2 }\n'),
    { workers: 2, extraArgs: ['--redis', redis.url] },
  );
  // /health answered by one worker says nothing of the other's links: wait until both have both replicas ready.
  const ready = new Set<string>();
  await until('both workers with both replicas ready', async () => {
    const res = await request(`${gateway.base}/admin/catalog`, { headers: { connection: 'close' } });
    const catalog = (await res.body.json()) as { servers: Array<{ replicas?: Array<{ state: string }> }> };
    if (catalog.servers[0]?.replicas?.every((r) => r.state === 'ready')) ready.add(String(res.headers['x-only1mcp-worker']));
    return ready.size === 2;
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await stopAll();
});

interface Person {
  client: Client;
  sid: string;
  warnings: string[];
}

async function person(): Promise<Person> {
  const client = new Client({ name: 'sticky', version: '1' });
  const transport = new StreamableHTTPClientTransport(new URL(gateway.url));
  const warnings: string[] = [];
  client.setNotificationHandler('notifications/message', (n) => {
    if (n.params.level === 'warning') warnings.push(String(n.params.data));
  });
  await client.connect(transport);
  clients.push(client);
  return { client, sid: transport.sessionId!, warnings };
}

let nextId = 1;
/** tools/call on a fresh connection (either worker may take it); the answer's text and the worker that gave it. */
async function fresh(sid: string, name: string, args: Record<string, unknown> = {}): Promise<{ text: string; worker: string }> {
  const res = await request(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', connection: 'close' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } }),
  });
  const raw = await res.body.text();
  const json = raw.trim().startsWith('{') ? raw : (raw.split('\n').find((l) => l.startsWith('data: {') && l.includes('"result"'))?.slice(6) ?? raw);
  const body = JSON.parse(json) as { result?: unknown; error?: { message: string } };
  if (!body.result) throw new Error(`tools/call ${name} failed: ${body.error?.message ?? raw}`);
  return { text: textOf(body.result), worker: String(res.headers['x-only1mcp-worker']) };
}

/** only1mcp_replica_health_transitions_total of a replica of fx (the primary's, served by every worker). */
async function transitions(replica: string, to: string): Promise<number> {
  const text = await (await fetch(`${gateway.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('only1mcp_replica_health_transitions_total{') && l.includes(`replica="${replica}"`) && l.includes(`to="${to}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('a client\'s backend session on replicas', () => {
  it('stays on its replica whichever worker serves the client', async () => {
    const one = await person();
    const two = await person();
    const holder = textOf(await one.client.callTool({ name: 'fx__remember', arguments: { value: 'apple' } })).split(' ')[0]!;
    await two.client.callTool({ name: 'fx__remember', arguments: { value: 'pear' } });
    const workers = new Set<string>();
    const recalled = new Set<string>();
    for (let i = 0; i < 30 && !(workers.size >= 2 && i >= 12); i++) {
      const answer = await fresh(one.sid, 'fx__recall');
      workers.add(answer.worker);
      recalled.add(answer.text);
    }
    expect(workers.size).toBe(2);
    // One replica, one backend session, the value it was told.
    expect(recalled.size, [...recalled].join(' | ')).toBe(1);
    const [who, backendSession, value] = [...recalled][0]!.split(' ');
    expect(who).toBe(holder);
    expect(backendSession).toMatch(/^[0-9a-f-]{36}$/);
    expect(value).toBe('apple');
    // The other client has a session of its own.
    expect(textOf(await two.client.callTool({ name: 'fx__recall', arguments: {} }))).toMatch(/ pear$/);
    expect(one.warnings).toEqual([]);
  }, 60_000);

  it('is re-established on the other replica when its replica dies, with notice, and stays there', async () => {
    const one = await person();
    const holder = textOf(await one.client.callTool({ name: 'fx__remember', arguments: { value: 'plum' } })).split(' ')[0]!;
    const [dying, other] = holder === 'P' ? [p, q] : [q, p];
    const before = (await fresh(one.sid, 'fx__recall')).text.split(' ');
    expect(before[0]).toBe(dying.name);

    // Counted from here: a loaded machine may have seen a probe time out before.
    const unhealthyBefore = await transitions(dying.url, 'unhealthy');
    dying.proc.child.kill('SIGKILL');
    await dying.proc.exited;
    let after: string[] = [];
    await until('a recall answered by the other replica', async () => {
      after = await fresh(one.sid, 'fx__recall').then((a) => a.text.split(' '), () => []);
      return after[0] === other.name;
    });
    // A new backend session: its memory is empty, not the dead replica's (never mixed).
    expect(after[1]).not.toBe(before[1]);
    expect(after[2] ?? '').toBe('');
    await until('the reset notice', () => one.warnings.length > 0);
    expect(one.warnings[0]).toContain('Your session with backend fx was reset');
    expect(one.warnings[0]).toContain('left rotation');

    // From either worker, the client's calls now reach its new session.
    await one.client.callTool({ name: 'fx__remember', arguments: { value: 'fig' } });
    await until('the dead replica judged unhealthy', async () => (await transitions(dying.url, 'unhealthy')) > unhealthyBefore);
    const healthyBefore = await transitions(dying.url, 'healthy');
    const restarted = await startReplica(dying.name, ['--sessions'], dying.port);
    if (dying === p) p = restarted;
    else q = restarted;
    await until('the restarted replica healthy again', async () => (await transitions(dying.url, 'healthy')) > healthyBefore);
    for (let i = 0; i < 12; i++) expect((await fresh(one.sid, 'fx__recall')).text).toBe(`${other.name} ${after[1]} fig`);
    expect(one.warnings).toHaveLength(1);
  }, 60_000);
});
