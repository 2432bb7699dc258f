/**
 * The TUI's admin API client over a real socket (a node:http server in the
 * test stands for the gateway): paths, the bearer token, decoding of
 * untrusted bodies, the gateway's error message, and the named limits on
 * time and size.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpAdminApi, UnreachableError } from '../../src/tui/http-admin-api.js';
import { AdminHttpError } from '../../src/tui/admin-api.js';
import { TUI_MAX_FIELD_CHARS, TUI_MAX_RESPONSE_BYTES } from '../../src/tui/defaults.js';
import { freePort } from '../helpers/ports.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler;
const seen: Array<{ method: string; url: string; auth: string | undefined }> = [];
let server: http.Server;
let base: string;

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HttpAdminApi', () => {
  it('reads the admin routes under the base with the bearer token, asking for entries after a seq', async () => {
    seen.length = 0;
    handler = (req, res) => {
      if (req.url!.includes('servers')) return json(res, 200, { servers: [{ name: 'a', type: 'stdio', state: 'ready', tools: 3, requests: { total: 9, errors: 1, inflight: 0 }, stderr: ['x'] }] });
      if (req.url!.includes('requests/recent')) return json(res, 200, { requests: [{ seq: 5, time: 't', method: 'tools/call', target: 'a__t', latencyMs: 2, outcome: 'ok', worker: 1 }] });
      json(res, 200, { lines: [{ seq: 9, time: 't', level: 'warn', msg: 'm' }] });
    };
    const api = new HttpAdminApi(base, { authorization: 'Bearer s3cret' });
    const servers = await api.servers();
    expect(servers).toEqual([{ name: 'a', type: 'stdio', state: 'ready', era: '', disabled: false, disabledBy: '', tools: 3, restarts: 0, lastError: '', stderr: ['x'], health: '', replicas: 0, requests: { total: 9, errors: 1, inflight: 0 } }]);
    expect((await api.recentRequests(4, 50))[0]).toMatchObject({ seq: 5, target: 'a__t', code: '', principal: '' });
    expect((await api.recentLogs(8, 50))[0]).toMatchObject({ seq: 9, level: 'warn', worker: '' });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'GET /prefix/api/v1/admin/servers',
      'GET /prefix/api/v1/admin/requests/recent?after=4&limit=50',
      'GET /prefix/api/v1/admin/logs/recent?after=8&limit=50',
    ]);
    expect(seen.every((s) => s.auth === 'Bearer s3cret')).toBe(true);
  });

  it('posts an action to the server named in the path (encoded) and returns the status', async () => {
    seen.length = 0;
    handler = (_req, res) => json(res, 202, { accepted: true });
    expect(await new HttpAdminApi(base, {}).act('a/b c', 'disable')).toBe(202);
    expect(seen).toEqual([{ method: 'POST', url: '/prefix/api/v1/admin/servers/a%2Fb%20c/disable', auth: undefined }]);
  });

  it("rejects an error answer with the gateway's own message", async () => {
    handler = (_req, res) => json(res, 404, { jsonrpc: '2.0', id: null, error: { code: -32601, message: 'no server "zz"' } });
    const err = await new HttpAdminApi(base, {}).act('zz', 'restart').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdminHttpError);
    expect((err as AdminHttpError).message).toBe('POST servers/zz/restart: HTTP 404: no server "zz"');
    handler = (_req, res) => json(res, 403, { error: 'admin role required' });
    await expect(new HttpAdminApi(base, {}).servers()).rejects.toThrow('GET servers: HTTP 403: admin role required');
  });

  it('turns mistyped or hostile fields into empty values, and cuts long ones', async () => {
    handler = (_req, res) =>
      json(res, 200, {
        requests: { total: 'many' },
        servers: { a: { requests: 4, errors: null }, b: 'x' },
        cache: [],
        sessions: { active: Infinity },
      });
    expect(await new HttpAdminApi(base, {}).metrics()).toEqual({
      requests: { total: 0, errors: 0, perSecond: 0, errorRate: 0, p50Ms: 0, p99Ms: 0 },
      sessions: { active: 0 },
      cache: { hits: 0, misses: 0, hitRate: 0 },
      servers: { a: { total: 4, errors: 0, inflight: 0 }, b: { total: 0, errors: 0, inflight: 0 } },
    });
    handler = (_req, res) => json(res, 200, { servers: [{ name: 'n'.repeat(10_000) }, { state: 'nameless' }, 7, null] });
    const servers = await new HttpAdminApi(base, {}).servers();
    expect(servers).toHaveLength(1);
    expect(servers[0]!.name).toHaveLength(TUI_MAX_FIELD_CHARS);
    handler = (_req, res) => {
      res.writeHead(200);
      res.end('<html>not json</html>');
    };
    await expect(new HttpAdminApi(base, {}).system()).rejects.toThrow('system: the answer is not JSON');
  });

  it(`refuses an answer larger than TUI_MAX_RESPONSE_BYTES (${TUI_MAX_RESPONSE_BYTES})`, async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const more = () => {
        while (sent <= TUI_MAX_RESPONSE_BYTES + chunk.length && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    };
    await expect(new HttpAdminApi(base, {}).servers()).rejects.toThrow(`servers: answer larger than ${TUI_MAX_RESPONSE_BYTES} bytes`);
  });

  it('is unreachable when nothing listens, or when the gateway does not answer in time', async () => {
    const closed = await freePort();
    const refused = await new HttpAdminApi(`http://127.0.0.1:${closed}`, {}).servers().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnreachableError);
    expect((refused as Error).message).toBe('ECONNREFUSED');
    handler = () => undefined; // never answers
    const slow = await new HttpAdminApi(base, {}, 300).servers().catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(UnreachableError);
    expect((slow as Error).message).toBe('no answer within 0.3 s');
  });
});

describe('the views of what a gateway answers', () => {
  it('reads times given as epoch ms, a log line with its fields, and counts as {requests} or {total}', async () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    handler = (req, res) => {
      if (req.url!.includes('logs')) return json(res, 200, { lines: [{ seq: 3, time: at, level: 'warn', msg: 'backend stderr', fields: { backend: 'files', n: 2, nested: { no: 1 } } }] });
      json(res, 200, { servers: [{ name: 'a', requests: { requests: 7, errors: 1, inflight: 2 }, replicas: [{ id: '1' }, { id: '2' }], health: { state: 'degraded' } }] });
    };
    const api = new HttpAdminApi(base, {});
    expect((await api.recentLogs(0, 10))[0]).toEqual({ seq: 3, time: '2026-01-02T03:04:05.000Z', level: 'warn', msg: 'backend stderr backend=files n=2', worker: '' });
    expect((await api.servers())[0]).toMatchObject({ requests: { total: 7, errors: 1, inflight: 2 }, replicas: 2, health: 'degraded' });
  });
});
