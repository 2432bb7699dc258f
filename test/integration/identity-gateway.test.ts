/**
 * The identity layer through the real gateway (issue 12): the contract
 * fixture test/fixtures/auth.yaml with a real identity provider
 * (test/helpers/jwks.ts), two workers on the shared store, and the MCP SDK
 * client. Who may call (401 without a valid JWT), what they may use (admin
 * everything; reader only ev__echo and ev__get-sum, in lists, search results
 * and calls), how much (20 calls per 10 s per reader, across workers), and
 * whose sessions are whose (10,000 hijack attempts on sessions, streams,
 * DELETE and client answers: none gets through).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { post } from '../helpers/clients.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { TestIdentityProvider } from '../helpers/jwks.js';
import { ROOT, stopAll } from '../helpers/processes.js';

const FIXTURE = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'auth.yaml'), 'utf8');

let idp: TestIdentityProvider;
let gateway: Gateway;
const clients: Client[] = [];

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256']);
  gateway = await startGateway(FIXTURE, { workers: 2, env: { ...idp.fixtureEnv(), ONLY1MCP_NODE: process.execPath } });
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await gateway?.stop();
  await idp?.stop();
  await stopAll();
});

const bearer = async (sub: string, roles: string[]) => `Bearer ${await idp.token({ sub, roles })}`;

async function client(authorization: string, url = gateway.url): Promise<Client> {
  const c = new Client({ name: 'identity-test', version: '1' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization } } }));
  clients.push(c);
  return c;
}

async function session(authorization: string): Promise<string> {
  const init = await post(gateway.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, { authorization });
  const sid = init.headers.get('mcp-session-id');
  if (!sid) throw new Error(`initialize: ${init.status} ${init.body}`);
  await post(gateway.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { authorization, 'mcp-session-id': sid });
  return sid;
}

const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

const text = (r: unknown) => ((r as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

describe('authentication at the front door', () => {
  it('refuses a request without a valid token with 401 and a Bearer challenge, before any session', async () => {
    const none = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((none.json() as { error: { data: { code: string } } }).error.data.code).toBe('GW_ERR_UNAUTHENTICATED');
    const forged = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: `${await bearer('mallory', ['admin'])}x` });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const sse = await fetch(`${gateway.base}/sse`, { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(401);
    const admin = await fetch(`${gateway.base}/admin/catalog`);
    expect(admin.status).toBe(401);
  });

  it('the admin views need the admin role', async () => {
    expect((await fetch(`${gateway.base}/admin/catalog`, { headers: { authorization: await bearer('rita', ['reader']) } })).status).toBe(403);
    const ok = await fetch(`${gateway.base}/admin/catalog`, { headers: { authorization: await bearer('ada', ['admin']) } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { servers: Array<{ name: string }> }).servers.map((s) => s.name)).toEqual(['ev']);
  });
});

describe('authorization: one check for lists, search and calls', () => {
  it('admin sees and calls every tool; reader sees exactly ev__echo and ev__get-sum', async () => {
    const admin = await client(await bearer('ada', ['admin']));
    const adminTools = (await admin.listTools()).tools.map((t) => t.name);
    expect(adminTools).toEqual(expect.arrayContaining(['ev__echo', 'ev__get-sum', 'ev__get-env']));
    expect(text(await admin.callTool({ name: 'ev__echo', arguments: { message: 'hi' } }))).toContain('hi');

    const reader = await client(await bearer('rita', ['reader']));
    expect((await reader.listTools()).tools.map((t) => t.name).sort()).toEqual(['ev__echo', 'ev__get-sum']);
    expect((await reader.listPrompts()).prompts).toEqual([]);
    expect(text(await reader.callTool({ name: 'ev__get-sum', arguments: { a: 2, b: 3 } }))).toContain('5');
  });

  it('a denied call gets an error naming the missing permission and never reaches the backend', async () => {
    const sid = await session(await bearer('rita2', ['reader']));
    const res = await post(gateway.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'ev__get-env', arguments: {} } }, { authorization: await bearer('rita2', ['reader']), 'mcp-session-id': sid });
    const body = res.json() as { error?: { code: number; message: string; data: { code: string; permission: string } }; result?: unknown };
    expect(body.result).toBeUndefined();
    expect(body.error?.data.code).toBe('GW_ERR_PERMISSION_DENIED');
    expect(body.error?.data.permission).toBe('tools/call ev__get-env');
    expect(body.error?.message).toMatch(/missing permission "tools\/call ev__get-env"/);
    const read = await post(gateway.url, { jsonrpc: '2.0', id: 6, method: 'resources/read', params: { uri: 'demo://resource/static/document/architecture.md' } }, { authorization: await bearer('rita2', ['reader']), 'mcp-session-id': sid });
    expect((read.json() as { error?: { data: { code: string } } }).error?.data.code).toBe('GW_ERR_PERMISSION_DENIED');
  });

  it('search mode never finds or loads a tool the caller may not call', async () => {
    const reader = await client(await bearer('rita3', ['reader']), `${gateway.url}?context=search`);
    const found = JSON.parse(text(await reader.callTool({ name: 'only1mcp__find_tools', arguments: { query: 'environment variables get env', limit: 10 } }))) as { tools: Array<{ name: string }> };
    expect(found.tools.map((t) => t.name).every((n) => n === 'ev__echo' || n === 'ev__get-sum')).toBe(true);
    const loaded = text(await reader.callTool({ name: 'only1mcp__load_tools', arguments: { names: ['ev__get-env'] } }));
    expect(loaded).toMatch(/unknown: ev__get-env/);
    await expect(reader.callTool({ name: 'only1mcp__call_tool', arguments: { name: 'ev__get-env', arguments: {} } })).rejects.toThrow(/missing permission/);
  });
});

describe('rate limits held across workers', () => {
  it('a reader gets at most its burst of 20 (plus one per 500 ms) however its calls spread over the workers', async () => {
    const authorization = await bearer('rate-reader', ['reader']);
    const started = Date.now();
    // Separate connections (fetch opens them as needed) land on both workers.
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(gateway.url, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'ev__echo', arguments: { message: 'x' }, _meta: MODERN_META } }, {
          authorization,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'ev__echo',
        }).catch((err: unknown) => ({ status: 0, body: String(err), headers: new Headers(), json: () => ({}) })),
      ),
    );
    const workers = new Set(answers.map((a) => a.headers.get('x-only1mcp-worker')).filter(Boolean));
    const elapsed = Date.now() - started;
    const bodies = answers.map((a) => a.json() as { result?: unknown; error?: { data?: { code?: string; retryAfterMs?: number } } });
    const ok = bodies.filter((b) => b.result !== undefined).length;
    const limited = bodies.filter((b) => b.error?.data?.code === 'GW_ERR_RATE_LIMITED');
    expect(workers.size, 'the calls reached both workers').toBe(2);
    expect(ok).toBeLessThanOrEqual(20 + Math.ceil(elapsed / 500));
    expect(limited.length, JSON.stringify(bodies.find((b) => b.result === undefined && b.error?.data?.code !== 'GW_ERR_RATE_LIMITED'))).toBe(40 - ok);
    expect(limited.every((b) => typeof b.error?.data?.retryAfterMs === 'number' && b.error.data.retryAfterMs > 0)).toBe(true);
  });
});

describe('sessions belong to their principal', () => {
  it('10,000 tries with another principal\'s credentials on a session, its stream, DELETE and client answers: none gets through', async () => {
    const alice = await bearer('alice', ['admin']);
    const mallory = await bearer('mallory', ['admin']);
    const sid = await session(alice);
    let leaks = 0;
    const attempts = [
      () => post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ev__echo', arguments: { message: 'hijack' } } }, { authorization: mallory, 'mcp-session-id': sid }),
      () => post(gateway.url, { jsonrpc: '2.0', id: 'o1m-x-1', result: { role: 'assistant', content: { type: 'text', text: 'forged' }, model: 'm' } }, { authorization: mallory, 'mcp-session-id': sid }),
      () => fetch(gateway.url, { headers: { authorization: mallory, accept: 'text/event-stream', 'mcp-session-id': sid, 'last-event-id': `g0_1` } }).then(async (r) => ({ status: r.status, body: await r.text() })),
      () => fetch(gateway.url, { method: 'DELETE', headers: { authorization: mallory, 'mcp-session-id': sid } }).then(async (r) => ({ status: r.status, body: await r.text() })),
    ];
    const total = 10_000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const attempt = attempts[next++ % attempts.length]!;
          const r = await attempt();
          if (r.status !== 404) leaks++;
        }
      }),
    );
    expect(leaks).toBe(0);
    // The session is untouched and still its owner's.
    const mine = await post(gateway.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ev__echo', arguments: { message: 'still mine' } } }, { authorization: alice, 'mcp-session-id': sid });
    expect(mine.body).toContain('still mine');
  }, 180_000);

  it('a 2026-07-28 retry carrying another principal\'s requestState is refused', async () => {
    const headers = (authorization: string) => ({ authorization, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'ev__trigger-sampling-request' });
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };
    const first = await post(gateway.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'ev__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 }, _meta: meta } }, headers(await bearer('alice', ['admin'])));
    const state = (first.json() as { result: { resultType: string; requestState: string } }).result;
    expect(state.resultType).toBe('input_required');
    const stolen = await post(
      gateway.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ev__trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 }, requestState: state.requestState, inputResponses: {}, _meta: meta } },
      headers(await bearer('mallory', ['admin'])),
    );
    expect((stolen.json() as { error: { data: { code: string }; message: string } }).error.message).toMatch(/another principal/);
  });
});
