/**
 * DNS rebinding (issue 10, finding 3): look-alikes of loopback names —
 * names that start with `127.`, that embed `127.0.0.1` or `localhost`, or
 * that a resolver might read as 127.0.0.1 (`0x7f.1`) — are refused with 403
 * on every route the gateway serves, in Host and in Origin, while genuine
 * loopback names pass. `/health` tells an anonymous caller its status only;
 * the details are the admin view's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(`servers:\n${fixtureServer('box', 'toolbox-server.js')}\n`);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAll();
});

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });

/** Every route: MCP (both eras' transports), admin (today's and the REST API's prefix), metrics, health, resource metadata, the catch-all. */
const ROUTES: Array<{ method: 'GET' | 'POST' | 'DELETE' | 'PUT'; path: string; body?: string }> = [
  { method: 'POST', path: '/mcp', body: INIT },
  { method: 'GET', path: '/mcp' },
  { method: 'DELETE', path: '/mcp' },
  { method: 'PUT', path: '/mcp' },
  { method: 'GET', path: '/sse' },
  { method: 'POST', path: '/messages?sessionId=x', body: INIT },
  { method: 'GET', path: '/admin/catalog' },
  { method: 'GET', path: '/admin/tokens' },
  { method: 'GET', path: '/admin/health' },
  { method: 'GET', path: '/api/v1/admin/health' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/health' },
  { method: 'GET', path: '/.well-known/oauth-protected-resource' },
  { method: 'GET', path: '/.well-known/oauth-protected-resource/mcp' },
  { method: 'GET', path: '/no-such-route' },
];

const LOOK_ALIKES = ['127.evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', '0x7f.1', '[::1].evil'];

async function send(route: (typeof ROUTES)[number], headers: Record<string, string>) {
  const res = await request(`${gateway.base}${route.path}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': route.method === 'DELETE' ? 'x' : '', ...headers },
    body: route.body,
  });
  // An admitted GET /sse opens a stream that never ends: its status is all this test needs.
  if (String(res.headers['content-type']).includes('event-stream')) {
    res.body.destroy();
    return { status: res.statusCode, text: '' };
  }
  const text = await res.body.text();
  return { status: res.statusCode, text };
}

describe('rebinding look-alikes on every route', () => {
  it('a look-alike Host is refused with 403, with and without a matching Origin', async () => {
    const failures: string[] = [];
    for (const route of ROUTES) {
      for (const name of LOOK_ALIKES) {
        for (const headers of [{ host: `${name}:${gateway.port}` }, { host: name }, { host: `${name}:${gateway.port}`, origin: `http://${name}:${gateway.port}` }] as Record<string, string>[]) {
          const r = await send(route, headers);
          if (r.status !== 403 || !/Forbidden: (Host|Origin)|admin API is served to local/.test(r.text)) failures.push(`${route.method} ${route.path} ${JSON.stringify(headers)} → ${r.status} ${r.text.slice(0, 120)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('a look-alike Origin is refused with 403 even with a genuine loopback Host', async () => {
    const failures: string[] = [];
    for (const route of ROUTES) {
      for (const name of LOOK_ALIKES) {
        const r = await send(route, { host: `127.0.0.1:${gateway.port}`, origin: `http://${name}:${gateway.port}` });
        if (r.status !== 403) failures.push(`${route.method} ${route.path} origin ${name} → ${r.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('genuine loopback names pass on every route (whatever the route then answers, it is not 403)', async () => {
    const failures: string[] = [];
    for (const route of ROUTES) {
      for (const host of [`localhost:${gateway.port}`, `127.0.0.1:${gateway.port}`, `127.3.2.1:${gateway.port}`, `[::1]:${gateway.port}`, 'LOCALHOST']) {
        const r = await send(route, { host });
        if (r.status === 403) failures.push(`${route.method} ${route.path} host ${host} → 403 ${r.text.slice(0, 120)}`);
      }
      // Browsers on loopback pages send an Origin; the admin API refuses any Origin by design.
      if (route.path.includes('admin')) continue;
      const r = await send(route, { host: `localhost:${gateway.port}`, origin: 'http://127.0.0.1:3000' });
      if (r.status === 403) failures.push(`${route.method} ${route.path} with a loopback Origin → 403`);
    }
    expect(failures).toEqual([]);
  });
});

describe('/health', () => {
  it('tells an anonymous caller its status only; the admin view has the details', async () => {
    const res = await request(`${gateway.base}/health`);
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ status: 'up' });
    const detail = await request(`${gateway.base}/admin/health`);
    expect(detail.statusCode).toBe(200);
    const body = (await detail.body.json()) as { status: string; pid: number; backends: Array<{ name: string; state: string; pid?: number }> };
    expect(body.status).toBe('up');
    expect(body.backends.map((b) => [b.name, b.state])).toEqual([['box', 'ready']]);
    expect(body.backends[0]!.pid).toBeGreaterThan(0);
  });
});
