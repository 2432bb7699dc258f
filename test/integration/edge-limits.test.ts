/**
 * Caps at the edge (issue 10, finding 9) against the real gateway: sessions
 * per client address, the session-creation rate per address, sessions per
 * node, requests and streams open per address, and uWS's header timeout
 * against slow-header sockets. The gateway trusts its peer as a proxy
 * (listen.trustProxy: true), so each test speaks for its own client address
 * in X-Forwarded-For — which also shows that only the right-most entry
 * counts: what a client writes further left is ignored.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { connect, post } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';

let gateway: Gateway;

const LIMITS = { sessionsPerAddress: 4, sessionsTotal: 12, sessionCreatesPerSecond: 1, sessionCreateBurst: 8, concurrentRequestsPerAddress: 3 };

beforeAll(async () => {
  const limits = Object.entries(LIMITS).map(([k, v]) => `  ${k}: ${v}`).join('\n');
  gateway = await startGateway(`listen:\n  trustProxy: true\nlimits:\n${limits}\nservers:\n${fixtureServer('box', 'toolbox-server.js')}\n`, { workers: 1 });
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAll();
});

const INIT = { jsonrpc: '2.0', id: 7, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'capped', version: '1' } } };

function initFrom(forwardedFor: string) {
  return post(gateway.url, INIT, { 'x-forwarded-for': forwardedFor });
}

async function end(sid: string, forwardedFor: string): Promise<void> {
  const res = await request(gateway.url, { method: 'DELETE', headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', 'x-forwarded-for': forwardedFor } });
  await res.body.text();
  expect(res.statusCode).toBe(200);
}

type Refusal = { id: unknown; error: { code: number; message: string; data: { code: string; limit: string; retryAfterMs: number } } };

describe('sessions per client address', () => {
  it('the address over its cap gets 429 with Retry-After and an error naming the limit; another address is unaffected; ending one frees a slot', async () => {
    const sids: string[] = [];
    for (let i = 0; i < LIMITS.sessionsPerAddress; i++) {
      const res = await initFrom('10.0.0.1');
      expect(res.status).toBe(200);
      sids.push(res.headers.get('mcp-session-id')!);
    }
    // A forged entry on the left changes nothing: the right-most entry, written by the trusted peer, is the client.
    const over = await initFrom('203.0.113.9, 10.0.0.1');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(over.json()).toMatchObject({ id: 7, error: { code: -31023, data: { code: 'GW_ERR_CLIENT_LIMIT', limit: 'limits.sessionsPerAddress' } } });
    expect((over.json() as Refusal).error.message).toMatch(/sessionsPerAddress/);
    // The legacy transport opens its session with GET /sse: the same cap.
    const sse = await request(`${gateway.base}/sse`, { headers: { accept: 'text/event-stream', 'x-forwarded-for': '10.0.0.1' } });
    expect(sse.statusCode).toBe(429);
    expect(sse.headers['retry-after']).toBe('60');
    expect(((await sse.body.json()) as Refusal).error.data.limit).toBe('limits.sessionsPerAddress');

    expect((await initFrom('10.0.0.1, 10.0.0.99')).status).toBe(200);
    await end(sids.pop()!, '10.0.0.1');
    expect((await initFrom('10.0.0.1')).status).toBe(200);
  });
});

describe('session-creation rate per client address', () => {
  it('opening sessions faster than the rate (after the burst) gets 429 naming limits.sessionCreatesPerSecond', async () => {
    let refusal: Refusal | undefined;
    let retryAfter: string | null = null;
    let opened = 0;
    // Each session is ended at once, so only the rate can refuse; 20 attempts far outrun 8 + 1/s.
    for (let i = 0; i < 20 && !refusal; i++) {
      const res = await initFrom('10.0.0.2');
      if (res.status === 200) {
        opened++;
        await end(res.headers.get('mcp-session-id')!, '10.0.0.2');
      } else {
        expect(res.status).toBe(429);
        refusal = res.json() as Refusal;
        retryAfter = res.headers.get('retry-after');
      }
    }
    expect(refusal?.error.data).toMatchObject({ code: 'GW_ERR_CLIENT_LIMIT', limit: 'limits.sessionCreatesPerSecond' });
    expect(refusal!.error.data.retryAfterMs).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(opened).toBeGreaterThanOrEqual(LIMITS.sessionCreateBurst);
  });
});

describe('requests and streams open per client address', () => {
  it('past the cap the address gets 429 until one of its streams closes; other addresses are served meanwhile', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await initFrom('10.0.0.3');
      expect(res.status).toBe(200);
      sids.push(res.headers.get('mcp-session-id')!);
    }
    const streams = await Promise.all(
      sids.map(async (sid) => {
        const res = await request(gateway.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', 'x-forwarded-for': '10.0.0.3' } });
        expect(res.statusCode).toBe(200);
        return res;
      }),
    );
    const refused = await request(`${gateway.base}/health`, { headers: { 'x-forwarded-for': '10.0.0.3' } });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(((await refused.body.json()) as Refusal).error.data.limit).toBe('limits.concurrentRequestsPerAddress');
    const other = await request(`${gateway.base}/health`, { headers: { 'x-forwarded-for': '10.0.0.4' } });
    expect(other.statusCode).toBe(200);
    await other.body.text();

    streams[0]!.body.destroy();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      const res = await request(`${gateway.base}/health`, { headers: { 'x-forwarded-for': '10.0.0.3' } });
      status = res.statusCode;
      await res.body.text();
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    for (const s of streams.slice(1)) s.body.destroy();
    for (const sid of sids) await end(sid, '10.0.0.3');
  });
});

describe('sessions per node', () => {
  it('past the node cap a new session gets 503 with Retry-After naming limits.sessionsTotal', async () => {
    let refusal: { status: number; retryAfter: string | null; body: Refusal } | undefined;
    for (let i = 0; i < LIMITS.sessionsTotal + 1 && !refusal; i++) {
      const res = await initFrom(`10.0.1.${i}`);
      if (res.status !== 200) refusal = { status: res.status, retryAfter: res.headers.get('retry-after'), body: res.json() as Refusal };
    }
    expect(refusal?.status).toBe(503);
    expect(Number(refusal!.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(refusal!.body.error).toMatchObject({ code: -31024, data: { code: 'GW_ERR_SESSION_CAPACITY', limit: 'limits.sessionsTotal' } });
  });
});

describe('slow-header sockets (slowloris)', () => {
  it('are closed by the header timeout while a normal client keeps working', async () => {
    const SLOW = 200;
    const closed: Array<Promise<void>> = [];
    const sockets: net.Socket[] = [];
    for (let i = 0; i < SLOW; i++) {
      const socket = net.connect(gateway.port, '127.0.0.1');
      sockets.push(socket);
      socket.on('error', () => undefined);
      closed.push(new Promise((resolve) => socket.on('close', () => resolve())));
      socket.on('connect', () => {
        socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        // One more header byte every second: a head that never completes.
        const drip = setInterval(() => socket.writable && socket.write('X'), 1_000);
        socket.on('close', () => clearInterval(drip));
      });
    }
    const client = await connect(gateway.url, 'modern');
    try {
      for (let i = 0; i < 5; i++) {
        const r = (await client.callTool({ name: 'box__echo', arguments: { message: `normal ${i}` } })) as { content: Array<{ text: string }> };
        expect(r.content[0]!.text).toContain(`normal ${i}`);
      }
      await Promise.all(closed);
      expect(sockets.every((s) => s.destroyed)).toBe(true);
      // And the gateway still serves after all of them went.
      expect(((await client.callTool({ name: 'box__echo', arguments: { message: 'after' } })) as { content: Array<{ text: string }> }).content[0]!.text).toContain('after');
    } finally {
      for (const s of sockets) s.destroy();
      await client.close();
    }
  }, 60_000);
});
