/**
 * The admin API on two nodes (two workers each) sharing one Redis, with authentication on
 * (the identity contract, test/fixtures/auth.yaml: an admin and a reader
 * role). Every route answers an admin on both nodes and refuses a reader
 * (403) and an anonymous caller (401); an action taken on one node reaches
 * the other through the store, and a node that starts later finds a server
 * disabled. Then the same actions without authentication, on two nodes
 * sharing a 3-master Redis Cluster (sharded pub/sub, the key in one slot).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { startRedis, waitUntil, type TestRedis } from '../helpers/redis.js';
import { TestIdentityProvider } from '../helpers/jwks.js';
import { adminCall, adminGet, adminPost, modernCall, modernTools, serverReadyOnWorkers } from '../helpers/admin.js';
import { ROOT, stopAll } from '../helpers/processes.js';
import { fixtureServer } from '../helpers/gateway.js';

const FIXTURE = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'auth.yaml'), 'utf8');
const READS = ['servers', 'servers/ev', 'tools', 'sessions', 'health', 'system', 'requests/recent', 'logs/recent', 'metrics'];
const ACTIONS = ['servers/ev/restart', 'servers/ev/disable', 'servers/ev/enable', 'config/reload'];

let idp: TestIdentityProvider;
let redis: TestRedis;
let a: Gateway;
let b: Gateway;
let admin: Record<string, string>;
let reader: Record<string, string>;
let options: Parameters<typeof startGateway>[1];

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256']);
  redis = await startRedis();
  // Two workers a node: the role check and the actions hold whichever worker takes the connection.
  options = { workers: 2, extraArgs: ['--redis', redis.url], env: { ...idp.fixtureEnv(), ONLY1MCP_NODE: process.execPath } };
  [a, b] = await Promise.all([startGateway(FIXTURE, options), startGateway(FIXTURE, options)]);
  admin = { authorization: `Bearer ${await idp.token({ sub: 'ops-alice', roles: ['admin'] })}` };
  reader = { authorization: `Bearer ${await idp.token({ sub: 'ops-reader', roles: ['reader'] })}` };
  await Promise.all([a, b].map((g) => serverReadyOnWorkers(g.base, 'ev', 2, admin)));
}, 90_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await idp?.stop();
  await stopAll();
});

const evOn = async (g: Gateway) => (await adminGet(g.base, 'servers/ev', admin)).body;

describe('admin API with authentication, two nodes', () => {
  it('every route answers an admin on both nodes', async () => {
    for (const g of [a, b]) {
      for (const route of READS) {
        const r = await adminGet(g.base, route, admin);
        expect(r.status, `${route}: ${JSON.stringify(r.body)}`).toBe(200);
      }
    }
    expect((await adminGet(a.base, 'servers', admin)).body.servers[0]).toMatchObject({ name: 'ev', state: 'ready' });
    expect((await adminGet(b.base, 'system', admin)).body.store).toEqual({ kind: 'redis', state: 'up' });
  });

  it('a reader is refused every route and action (403), an anonymous caller too (401); nothing happens', async () => {
    for (const route of READS) {
      const r = await adminGet(a.base, route, reader);
      expect(r.status, route).toBe(403);
      expect(r.body.error.code).toBe('forbidden');
      expect((await adminGet(b.base, route)).status, route).toBe(401);
    }
    for (const route of ACTIONS) {
      expect((await adminPost(b.base, route, reader)).status, route).toBe(403);
      expect((await adminPost(a.base, route)).status, route).toBe(401);
    }
    expect((await evOn(a)).disabled).toBe(false);
    expect((await evOn(b)).restarts).toBe(0);
  });

  it('recent requests name the principal that made them', async () => {
    const call = await modernCall(a.url, 'ev__echo', { message: 'who' }, reader);
    expect(JSON.stringify(call.body)).toContain('who');
    await waitUntil('the reader\'s call in the ring', async () =>
      (await adminGet(a.base, 'requests/recent?limit=1000', admin)).body.requests.some((r: any) => r.principal === 'ops-reader' && r.target === 'ev__echo'),
    );
  });

  it('disable on one node: the other drops the tools and refuses calls; enable on the other brings them back on both', async () => {
    expect((await modernTools(b.url, admin)).names).toContain('ev__echo');
    expect((await adminPost(a.base, 'servers/ev/disable', admin)).status).toBe(202);
    await waitUntil('node b has ev disabled', async () => (await evOn(b)).state === 'disabled');
    expect((await modernTools(b.url, admin)).names).not.toContain('ev__echo');
    const refused = await modernCall(b.url, 'ev__echo', { message: 'x' }, admin);
    expect(refused.body.error.message).toMatch(/server ev is disabled by an operator/);

    // A node that starts now finds ev disabled (the store keeps the set).
    const c = await startGateway(FIXTURE, options);
    try {
      expect((await evOn(c)).disabled).toBe(true);
      expect((await modernTools(c.url, admin)).names).not.toContain('ev__echo');
    } finally {
      await c.stop();
    }

    expect((await adminPost(b.base, 'servers/ev/enable', admin)).status).toBe(202);
    await waitUntil('ev back on node a', async () => (await evOn(a)).state === 'ready');
    await waitUntil('ev back on node b', async () => (await evOn(b)).state === 'ready');
    const back = await modernCall(a.url, 'ev__echo', { message: 'back' }, admin);
    expect(JSON.stringify(back.body)).toContain('back');
  });

  it('restart on one node restarts the server\'s child on the other too', async () => {
    const pidOn = async (g: Gateway) => (await adminGet(g.base, 'health', admin)).body.servers.find((s: any) => s.name === 'ev').pid as number;
    const before = { a: await pidOn(a), b: await pidOn(b), restarts: (await evOn(b)).restarts as number };
    const r = await adminPost(a.base, 'servers/ev/restart', admin);
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ ok: true, action: 'restart', server: 'ev' });
    await waitUntil('ev restarted on node b', async () => (await pidOn(b)) !== before.b && (await evOn(b)).state === 'ready');
    await waitUntil('ev restarted on node a', async () => (await pidOn(a)) !== before.a && (await evOn(a)).state === 'ready');
    expect((await evOn(b)).restarts).toBe(before.restarts + 1);
    expect((await adminGet(b.base, 'logs/recent?limit=1000', admin)).body.lines.some((l: any) => /admin: restart ev \(asked on another node\)/.test(l.msg))).toBe(true);
  });

  it('config/reload on one node reloads the other', async () => {
    const gen = async (g: Gateway) => (await adminGet(g.base, 'system', admin)).body.config.generation as number;
    const before = await gen(b);
    const r = await adminPost(a.base, 'config/reload', admin);
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    await waitUntil('node b reloaded', async () => (await gen(b)) > before);
  });

  it('an unknown server is a 404 for an admin on either node, a wrong method a 405', async () => {
    expect((await adminPost(b.base, 'servers/nope/disable', admin)).status).toBe(404);
    expect((await adminCall(a.base, 'PUT', 'config/reload', admin)).status).toBe(405);
  });
});

describe('admin API without authentication, two nodes on a Redis Cluster', () => {
  const CONFIG = `servers:\n${fixtureServer('box', 'toolbox-server.js')}\n`;
  let cluster: TestRedis;
  let x: Gateway;
  let y: Gateway;

  beforeAll(async () => {
    cluster = await startRedis('cluster');
    [x, y] = await Promise.all([startGateway(CONFIG, { extraArgs: ['--redis', cluster.url] }), startGateway(CONFIG, { extraArgs: ['--redis', cluster.url] })]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all([x?.stop(), y?.stop()]);
    await cluster?.stop();
  });

  it('every read answers on both nodes; disable, enable, restart and reload reach the other node', async () => {
    for (const g of [x, y]) for (const route of ['servers', 'servers/box', 'tools', 'sessions', 'health', 'system', 'requests/recent', 'logs/recent', 'metrics']) expect((await adminGet(g.base, route)).status, route).toBe(200);
    expect((await adminGet(y.base, 'system')).body.store).toEqual({ kind: 'redis', state: 'up' });

    expect((await adminPost(x.base, 'servers/box/disable')).status).toBe(202);
    await waitUntil('node y has box disabled', async () => (await adminGet(y.base, 'servers/box')).body.state === 'disabled');
    expect((await modernCall(y.url, 'box__echo', { message: 'x' })).body.error.message).toMatch(/disabled by an operator/);
    const z = await startGateway(CONFIG, { extraArgs: ['--redis', cluster.url] });
    try {
      expect((await adminGet(z.base, 'servers/box')).body.disabled).toBe(true);
    } finally {
      await z.stop();
    }
    expect((await adminPost(y.base, 'servers/box/enable')).status).toBe(202);
    await waitUntil('box back on node x', async () => (await adminGet(x.base, 'servers/box')).body.state === 'ready');

    const restarts = (await adminGet(y.base, 'servers/box')).body.restarts as number;
    expect((await adminPost(x.base, 'servers/box/restart')).status).toBe(202);
    await waitUntil('box restarted on node y', async () => (await adminGet(y.base, 'servers/box')).body.restarts === restarts + 1);

    const generation = (await adminGet(y.base, 'system')).body.config.generation as number;
    expect((await adminPost(x.base, 'config/reload')).status).toBe(200);
    await waitUntil('node y reloaded', async () => (await adminGet(y.base, 'system')).body.config.generation > generation);
  });
});
