/**
 * A rate limit holds across nodes: two gateways on one Redis with the
 * identity contract (test/fixtures/auth.yaml: 20 tool calls per 10 s per
 * reader), a reader's calls alternating between them, and no more admitted
 * than the bucket allows (its burst, plus one per 500 ms of the test). A
 * session opened on one node is refused to another principal on the other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../helpers/clients.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { TestIdentityProvider } from '../helpers/jwks.js';
import { ROOT, stopAll } from '../helpers/processes.js';

const FIXTURE = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'auth.yaml'), 'utf8');
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

let idp: TestIdentityProvider;
let redis: TestRedis;
let a: Gateway;
let b: Gateway;

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256']);
  redis = await startRedis();
  const options = { extraArgs: ['--redis', redis.url], env: { ...idp.fixtureEnv(), ONLY1MCP_NODE: process.execPath } };
  [a, b] = await Promise.all([startGateway(FIXTURE, options), startGateway(FIXTURE, options)]);
}, 90_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await idp?.stop();
  await stopAll();
});

describe('identity across two nodes', () => {
  it('a reader\'s 20-per-10-s limit holds over both nodes together', async () => {
    const authorization = `Bearer ${await idp.token({ sub: 'node-reader', roles: ['reader'] })}`;
    const headers = { authorization, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'ev__echo' };
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => post((i % 2 === 0 ? a : b).url, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'ev__echo', arguments: { message: 'x' }, _meta: META } }, headers)),
    );
    const elapsed = Date.now() - started;
    const bodies = answers.map((r) => r.json() as { result?: unknown; error?: { data?: { code?: string } } });
    const ok = bodies.filter((x) => x.result !== undefined).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(20 + Math.ceil(elapsed / 500));
    expect(bodies.filter((x) => x.error?.data?.code === 'GW_ERR_RATE_LIMITED').length).toBe(40 - ok);
  });

  it('a session opened on one node is another principal\'s 404 on the other', async () => {
    const alice = `Bearer ${await idp.token({ sub: 'alice', roles: ['admin'] })}`;
    const mallory = `Bearer ${await idp.token({ sub: 'mallory', roles: ['admin'] })}`;
    const init = await post(a.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }, { authorization: alice });
    const sid = init.headers.get('mcp-session-id')!;
    const stolen = await post(b.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: mallory, 'mcp-session-id': sid });
    expect(stolen.status).toBe(404);
    const own = await post(b.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { authorization: alice, 'mcp-session-id': sid });
    expect(own.status).toBe(200);
  });
});
