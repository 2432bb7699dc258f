/**
 * The admin API (/api/v1/admin/, docs/admin-api.md) on one node with two
 * workers and authentication off: every route answers with real data from
 * whichever worker takes the connection; the recent-request and log rings
 * cover both workers; actions (restart, disable, enable, reload) work, a
 * disabled server's tools vanish (list_changed) and calls to it say why,
 * and a respawned worker still has it disabled.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { adminCall, adminGet, adminPost, modernCall, modernTools, serverReadyOnWorkers } from '../helpers/admin.js';
import { waitUntil } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';
import { startReplica } from '../helpers/replicas.js';
import { documentedRoutes, responseChecker } from '../helpers/admin-openapi.js';

const config = (webUrl: string) => `servers:\n${fixtureServer('box', 'toolbox-server.js')}\n${fixtureServer('bad', 'failing-server.js')}\n  web:\n    url: ${webUrl}\n`;
/** Every GET route, with the field its body must have and its path in docs/admin-api.openapi.json. */
const GETS: Array<[string, string, string]> = [
  ['servers', 'servers', '/servers'],
  ['servers/box', 'tools', '/servers/{name}'],
  ['tools', 'tools', '/tools'],
  ['sessions', 'sessions', '/sessions'],
  ['health', 'checks', '/health'],
  ['system', 'workers', '/system'],
  ['requests/recent', 'requests', '/requests/recent'],
  ['logs/recent', 'lines', '/logs/recent'],
  ['metrics', 'requests', '/metrics'],
];
const conforms = responseChecker();

let gw: Gateway;

beforeAll(async () => {
  // An HTTP server given by URL only: each worker probes its transport when it (re)connects, and logs it.
  const web = await startReplica('web');
  gw = await startGateway(config(web.url), { workers: 2 });
  // Both workers listen and have box ready.
  await serverReadyOnWorkers(gw.base, 'box', 2);
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await stopAll();
});

/** Calls `fn` over fresh connections until both workers answered (bounded). */
async function onBothWorkers<T extends { worker: string }>(fn: (i: number) => Promise<T>, check: (r: T) => void): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < 60 && seen.size < 2; i++) {
    const r = await fn(i);
    check(r);
    seen.add(r.worker);
  }
  expect(seen.size).toBe(2);
}

describe('admin API reads, two workers', () => {
  it('every GET route answers 200 with its data on both workers, as docs/admin-api.openapi.json describes it', async () => {
    await rawSession(gw.url);
    await modernCall(gw.url, 'box__echo', { message: 'so the ring holds a call' });
    await waitUntil('the call in the ring', async () => (await adminGet(gw.base, 'requests/recent')).body.requests.length > 0);
    for (const [route, field, documented] of GETS) {
      await onBothWorkers(() => adminGet(gw.base, route), (r) => {
        expect(r.status, `${route}: ${JSON.stringify(r.body)}`).toBe(200);
        expect(r.headers['content-type']).toBe('application/json');
        expect(r.body).toHaveProperty(field);
        expect(conforms('GET', documented, 200, r.body), `${route}: ${JSON.stringify(r.body).slice(0, 500)}`).toBe('');
      });
    }
  });

  it('every documented route is served (no 404 for a documented path)', async () => {
    for (const op of documentedRoutes()) {
      const [method, documented] = op.split(' ') as ['GET' | 'POST', string];
      // Reads as they are; actions against a server name the config lacks (a 404 that names the server, not the route).
      const route = documented.slice(1).replace('{name}', method === 'POST' ? 'not-configured' : 'box');
      if (route === 'config/reload') continue;
      const r = await adminCall(gw.base, method, route);
      if (method === 'POST') expect(r.body.error?.code, op).toBe('unknown_server');
      else expect(r.status, op).toBe(200);
    }
  });

  it('servers: state, era, tools, restarts and a failing server\'s stderr and last error', async () => {
    const { body } = await adminGet(gw.base, 'servers');
    const box = body.servers.find((s: any) => s.name === 'box');
    const bad = body.servers.find((s: any) => s.name === 'bad');
    expect(box).toMatchObject({ type: 'stdio', state: 'ready', era: 'modern', disabled: false, health: 'unknown' });
    expect(box.tools).toBeGreaterThanOrEqual(5);
    expect(box.replicas).toEqual([expect.objectContaining({ id: '1', state: 'ready' })]);
    expect(box.requests).toEqual({ total: expect.any(Number), errors: expect.any(Number), inflight: 0 });
    expect(bad.state).not.toBe('ready');
    expect(bad.lastError).toMatch(/exited with code 1/);
    expect(bad.stderr.join('\n')).toContain('Error accessing directory /nonexistent');
    expect(bad.restarts).toBeGreaterThanOrEqual(1);
  });

  it('servers/{name} lists the server\'s tools by gateway and original name; an unknown one is a JSON 404', async () => {
    const { body } = await adminGet(gw.base, 'servers/box');
    expect(body.tools).toContainEqual({ name: 'box__echo', original: 'echo', description: 'Returns the message it was given.' });
    expect(body.tools.length).toBe((await adminGet(gw.base, 'servers')).body.servers.find((s: any) => s.name === 'box').tools);
    const unknown = await adminGet(gw.base, 'servers/nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'unknown_server', message: expect.stringContaining('nope') } });
    expect((await adminPost(gw.base, 'servers/nope/restart')).status).toBe(404);
  });

  it('tools: every tool with its backend and original name', async () => {
    const { body } = await adminGet(gw.base, 'tools');
    expect(body.tools).toContainEqual({ name: 'box__echo', backend: 'box', original: 'echo', description: 'Returns the message it was given.' });
    expect(new Set(body.tools.map((t: any) => t.backend))).toEqual(new Set(['box', 'web']));
  });

  it('system: version, node, both workers with their pids, the store and the config file', async () => {
    const { body } = await adminGet(gw.base, 'system');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.node.pid).toBe(gw.proc.child.pid);
    expect(body.workers).toHaveLength(2);
    expect(new Set(body.workers.map((w: any) => w.pid)).size).toBe(2);
    expect(body.store).toEqual({ kind: 'embedded-redis', state: 'up' });
    expect(body.config).toEqual({ path: gw.configFile, generation: expect.any(Number) });
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('health: status, the store check, and each server\'s state, last error and process', async () => {
    const { body } = await adminGet(gw.base, 'health');
    expect(body.status).toBe('degraded');
    expect(body.checks.store).toMatchObject({ kind: 'redis', state: 'up' });
    const box = body.servers.find((s: any) => s.name === 'box');
    expect(box).toMatchObject({ state: 'ready', health: 'unknown', pid: expect.any(Number) });
    expect(body.servers.find((s: any) => s.name === 'bad').lastError).toMatch(/exited/);
  });

  it('requests/recent: calls from both workers, without their arguments, paged by seq', async () => {
    const secret = `arg-${Date.now()}`;
    const workers = new Set<string>();
    for (let i = 0; i < 60 && workers.size < 2; i++) {
      const r = await modernCall(gw.url, 'box__echo', { message: secret });
      expect(r.body.result.content[0].text).toBe(secret);
      workers.add(r.worker);
    }
    expect(workers.size).toBe(2);
    let seen: any[] = [];
    await waitUntil('both workers\' calls in the ring', async () => {
      seen = (await adminGet(gw.base, 'requests/recent?limit=1000')).body.requests.filter((r: any) => r.target === 'box__echo');
      return new Set(seen.map((r) => r.worker)).size === 2;
    });
    expect(seen[0]).toMatchObject({ method: 'tools/call', target: 'box__echo', outcome: 'ok', principal: expect.any(String), latencyMs: expect.any(Number), time: expect.any(Number), seq: expect.any(Number) });
    expect(JSON.stringify((await adminGet(gw.base, 'requests/recent?limit=1000')).body)).not.toContain(secret);
    // Paging: only entries numbered after the cursor, and a new call among them.
    const last = (await adminGet(gw.base, 'requests/recent?limit=1')).body;
    expect(last.requests).toHaveLength(1);
    expect(last.requests[0].seq).toBe(last.lastSeq);
    await modernCall(gw.url, 'box__nope', {});
    let after: any[] = [];
    await waitUntil('the failed call in the ring', async () => {
      after = (await adminGet(gw.base, `requests/recent?after=${last.lastSeq}&limit=1000`)).body.requests;
      return after.some((r) => r.target === 'box__nope');
    });
    expect(after.every((r) => r.seq > last.lastSeq)).toBe(true);
    expect(after.find((r) => r.target === 'box__nope')).toMatchObject({ method: 'tools/call', outcome: 'error', code: 'GW_ERR_UNKNOWN_TOOL' });
    const lastNow = (await adminGet(gw.base, 'requests/recent?limit=1')).body.lastSeq;
    expect((await adminGet(gw.base, `requests/recent?after=${lastNow}`)).body.requests.every((r: any) => r.seq > lastNow)).toBe(true);
  });

  it('metrics: totals, rates, latency percentiles, sessions, cache and per-server counts', async () => {
    await modernCall(gw.url, 'box__echo', { message: 'x' });
    await waitUntil('metrics counted the calls', async () => (await adminGet(gw.base, 'metrics')).body.servers.box?.requests > 0);
    const { body } = await adminGet(gw.base, 'metrics');
    expect(body.requests.total).toBeGreaterThan(0);
    expect(body.requests.errors).toBeGreaterThan(0);
    expect(body.requests).toEqual(expect.objectContaining({ perSecond: expect.any(Number), errorRate: expect.any(Number), p50Ms: expect.any(Number), p99Ms: expect.any(Number) }));
    expect(body.requests.p99Ms).toBeGreaterThanOrEqual(body.requests.p50Ms);
    expect(body.sessions).toEqual({ active: expect.any(Number) });
    expect(body.cache).toEqual({ hits: expect.any(Number), misses: expect.any(Number), hitRate: expect.any(Number) });
    expect(body.servers.box).toEqual({ requests: expect.any(Number), errors: expect.any(Number), inflight: 0 });
    // The same node-wide counts in the server's own view.
    expect((await adminGet(gw.base, 'servers/box')).body.requests.total).toBeGreaterThanOrEqual(body.servers.box.requests);
  });

  it('sessions: counts by era and each session under a hash of its id, never the id', async () => {
    const ids = [await rawSession(gw.url), await rawSession(gw.url)];
    let body: any;
    await waitUntil('both sessions listed', async () => {
      body = (await adminGet(gw.base, 'sessions?limit=1000')).body;
      return body.total >= 2;
    });
    expect(body.byEra.legacy).toBeGreaterThanOrEqual(2);
    for (const s of body.sessions) {
      expect(s.id).toMatch(/^[0-9a-f]{12}$/);
      expect(s).toMatchObject({ principal: expect.any(String), era: 'legacy', createdAt: expect.any(Number), lastSeenAt: expect.any(Number) });
    }
    const text = JSON.stringify(body);
    for (const id of ids) {
      expect(text).not.toContain(id);
      expect(text).not.toContain(id.slice(0, 8));
    }
    expect((await adminGet(gw.base, 'sessions?limit=1')).body.sessions).toHaveLength(1);
  });

  it('logs/recent: lines of the primary and of both workers, paged by seq', async () => {
    const { body } = await adminGet(gw.base, 'logs/recent?limit=1000');
    expect(body.lines.some((l: any) => l.worker === undefined && /ready on/.test(l.msg))).toBe(true);
    expect(new Set(body.lines.filter((l: any) => /worker listening/.test(l.msg)).map((l: any) => l.worker))).toEqual(new Set([0, 1]));
    expect(body.lines[0]).toEqual(expect.objectContaining({ seq: expect.any(Number), time: expect.any(Number), level: expect.any(String), msg: expect.any(String) }));
    expect((await adminGet(gw.base, `logs/recent?after=${body.lastSeq + 1000}`)).body.lines).toEqual([]);
  });

  it('bad input is a JSON 400, a wrong method a 405 with Allow, an unknown route a JSON 404', async () => {
    for (const q of ['limit=0', 'limit=1001', 'limit=x', 'after=-1']) {
      const r = await adminGet(gw.base, `requests/recent?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('bad_request');
    }
    const wrong = await adminCall(gw.base, 'DELETE', 'servers');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
    expect(wrong.body.error.code).toBe('method_not_allowed');
    expect((await adminGet(gw.base, 'servers/box/restart')).status).toBe(405);
    const missing = await adminGet(gw.base, 'nothing/here');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });

  it('a browser (any Origin) is refused with a JSON 403', async () => {
    const r = await adminGet(gw.base, 'system', { origin: 'http://127.0.0.1' });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ error: { code: 'forbidden_origin', message: expect.any(String) } });
    expect((await adminPost(gw.base, 'servers/box/disable', { origin: 'http://evil.example' })).status).toBe(403);
  });
});

describe('admin API actions, two workers', () => {
  it('restart: a new child with a new pid, counted in restarts', async () => {
    const before = (await adminGet(gw.base, 'health')).body.servers.find((s: any) => s.name === 'box');
    const restartsBefore = (await adminGet(gw.base, 'servers/box')).body.restarts;
    const r = await adminPost(gw.base, 'servers/box/restart');
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ ok: true, action: 'restart', server: 'box' });
    expect(conforms('POST', '/servers/{name}/restart', 202, r.body)).toBe('');
    await waitUntil('box back with a new pid', async () => {
      const now = (await adminGet(gw.base, 'health')).body.servers.find((s: any) => s.name === 'box');
      return now.state === 'ready' && now.pid !== before.pid;
    });
    expect((await adminGet(gw.base, 'servers/box')).body.restarts).toBe(restartsBefore + 1);
    expect((await modernCall(gw.url, 'box__echo', { message: 'after restart' })).body.result.content[0].text).toBe('after restart');
    expect((await adminGet(gw.base, 'logs/recent?limit=1000')).body.lines.some((l: any) => l.msg === 'admin: restart box')).toBe(true);
  });

  it('restart of an HTTP server: every worker reconnects (and probes it again)', async () => {
    const probes = async () => (await adminGet(gw.base, 'logs/recent?limit=1000')).body.lines.filter((l: any) => l.fields?.backend === 'web' && /URL-only server: probed/.test(l.msg));
    await waitUntil('both workers probed web', async () => new Set((await probes()).map((l: any) => l.worker)).size === 2);
    const before = (await probes()).length;
    expect((await adminPost(gw.base, 'servers/web/restart')).status).toBe(202);
    await waitUntil('both workers probed web again', async () => {
      const lines = (await probes()).slice(before);
      return new Set(lines.map((l: any) => l.worker)).size === 2;
    });
    await onBothWorkers(() => adminGet(gw.base, 'servers/web'), (r) => expect(r.body.state).toBe('ready'));
  });

  it('disable: tools vanish (list_changed), calls say the server is disabled, on both workers and after a worker respawns; enable brings them back', async () => {
    const client = await connect(gw.url);
    const changed = new Promise<void>((resolve) => client.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('box__echo');

    const r = await adminPost(gw.base, 'servers/box/disable');
    expect(r.status).toBe(202);
    expect(r.body).toEqual({ ok: true, action: 'disable', server: 'box' });
    await changed;
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('box__echo');
    const disabledCall = (c: { body: any }) => {
      expect(c.body.error?.message).toMatch(/server box is disabled by an operator/);
      expect(c.body.error?.data?.code).toBe('GW_ERR_BACKEND_UNAVAILABLE');
    };
    await waitUntil('both workers refuse box', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const c = await modernCall(gw.url, 'box__echo', { message: 'x' });
        if (!/disabled by an operator/.test(c.body.error?.message ?? '')) return false;
        seen.add(c.worker);
      }
      return seen.size === 2;
    });
    await onBothWorkers(() => adminGet(gw.base, 'servers/box'), (s) => expect(s.body).toMatchObject({ state: 'disabled', disabled: true, disabledBy: 'admin', tools: [] }));
    expect((await adminGet(gw.base, 'system')).body.disabled).toEqual(['box']);

    // A worker killed and respawned is told of the disabled server with its configuration.
    const workers = (await adminGet(gw.base, 'system')).body.workers as Array<{ index: number; pid: number }>;
    process.kill(workers[0]!.pid, 'SIGKILL');
    const respawned: Array<{ body: any }> = [];
    await waitUntil('the respawned worker answers', async () => {
      const c = await modernCall(gw.url, 'box__echo', { message: 'x' });
      if (c.worker !== String(workers[1]!.pid)) respawned.push(c);
      return respawned.length > 0;
    });
    disabledCall(respawned[0]!);
    await onBothWorkers(() => modernCall(gw.url, 'box__echo', { message: 'x' }), disabledCall);
    await onBothWorkers(() => modernTools(gw.url), (t) => expect(t.names).not.toContain('box__echo'));

    const enabled = await adminPost(gw.base, 'servers/box/enable');
    expect(enabled.status).toBe(202);
    await waitUntil('box back on both workers', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const c = await modernCall(gw.url, 'box__echo', { message: 'back' });
        if (c.body.result?.content?.[0]?.text !== 'back') return false;
        seen.add(c.worker);
      }
      return seen.size === 2;
    });
    expect((await adminGet(gw.base, 'servers/box')).body).toMatchObject({ state: 'ready', disabled: false });
    await client.close();
  });

  it('config/reload: 400 with file, line and key for a broken file; 200 with a new generation once fixed', async () => {
    const good = fs.readFileSync(gw.configFile, 'utf8');
    const before = (await adminGet(gw.base, 'system')).body.config.generation;
    fs.writeFileSync(gw.configFile, `${good}  extra:\n    command: 42\n`);
    const bad = await adminPost(gw.base, 'config/reload');
    expect(bad.status).toBe(400);
    expect(conforms('POST', '/config/reload', 400, bad.body)).toBe('');
    expect(bad.body.error).toMatchObject({ code: 'config_invalid', file: gw.configFile, key: 'servers.extra.command', line: good.split('\n').length + 1 });
    expect(bad.body.error.message).toContain('servers.extra.command');
    fs.writeFileSync(gw.configFile, good);
    const ok = await adminPost(gw.base, 'config/reload');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, generation: expect.any(Number) });
    expect(conforms('POST', '/config/reload', 200, ok.body)).toBe('');
    expect(ok.body.generation).toBeGreaterThan(before);
    expect((await adminGet(gw.base, 'system')).body.config.generation).toBe(ok.body.generation);
  });
});
