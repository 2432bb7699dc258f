/**
 * Safety basics of the front door: DNS-rebinding protection (Origin and
 * Host), loopback bind by default, unguessable session ids, and malformed
 * JSON-RPC answered with the right JSON-RPC code and HTTP status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { builtinDefaultConfig } from '../../src/config/load.js';

let gateway: Gateway;
const MODERN = { 'mcp-protocol-version': '2026-07-28' };
const META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };

beforeAll(async () => {
  gateway = await startGateway(`
listen:
  allowedOrigins: ["https://app.example.com"]
# The session-id test opens 200 sessions at once from one address: past the default creation burst.
limits: { sessionCreateBurst: 1000, sessionCreatesPerSecond: 1000 }
servers:
${fixtureServer('box', 'toolbox-server.js')}
`);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAll();
});

const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };

async function raw(headers: Record<string, string>, body: object = init) {
  const res = await request(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, body: await res.body.text() };
}

describe('DNS-rebinding protection', () => {
  it('refuses a foreign Host with 403, before any MCP processing', async () => {
    const r = await raw({ host: 'evil.example.com' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error.message).toMatch(/Host "evil.example.com" is not allowed/);
    expect((await raw({ host: 'evil.example.com', origin: 'http://evil.example.com' })).status).toBe(403);
  });

  it('refuses a foreign Origin with 403 even with a loopback Host', async () => {
    const r = await raw({ origin: 'http://evil.example.com' });
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/Origin/);
  });

  it('accepts loopback origins, configured origins, and clients that send no Origin', async () => {
    expect((await raw({ origin: `http://localhost:${gateway.port}` })).status).toBe(200);
    expect((await raw({ origin: 'https://app.example.com' })).status).toBe(200);
    expect((await raw({})).status).toBe(200);
  });

  it('binds to 127.0.0.1 unless told otherwise', () => {
    expect(builtinDefaultConfig().listen.host).toBe('127.0.0.1');
  });
});

describe('session ids', () => {
  it('are at least 128 random bits, visible ASCII, and never repeat', async () => {
    const ids = await Promise.all(Array.from({ length: 200 }, () => rawSession(gateway.url)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[\x21-\x7e]+$/);
      expect(Buffer.from(id, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    }
  });
});

describe('malformed JSON-RPC', () => {
  it('body that is not JSON: 400 with -32700 and a null id', async () => {
    const r = await post(gateway.url, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('JSON that is not a JSON-RPC message: 400 with -32600, echoing a readable id', async () => {
    const r = await post(gateway.url, { jsonrpc: '1.0', id: 9, method: 'tools/list' });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ id: 9, error: { code: -32600 } });
  });

  it('unknown method on a session: -32601 in a 200 (legacy era)', async () => {
    const sid = await rawSession(gateway.url);
    const r = await post(gateway.url, { jsonrpc: '2.0', id: 2, method: 'no/such', params: {} }, { 'mcp-session-id': sid });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ id: 2, error: { code: -32601 } });
  });

  it('unknown method statelessly: 404 with -32601 (2026-07-28)', async () => {
    const r = await post(gateway.url, { jsonrpc: '2.0', id: 3, method: 'no/such', params: { _meta: META } }, { ...MODERN, 'mcp-method': 'no/such' });
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ id: 3, error: { code: -32601 } });
  });

  it('missing params: -32602 naming the field', async () => {
    const sid = await rawSession(gateway.url);
    const r = await post(gateway.url, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: {} }, { 'mcp-session-id': sid });
    expect(r.json()).toMatchObject({ id: 4, error: { code: -32602, message: expect.stringMatching(/params.name/) } });
  });

  it('2026-07-28 envelope errors: missing _meta → -32602/400, header mismatch → -32020/400, unknown version → -32022/400', async () => {
    const missing = await post(gateway.url, { jsonrpc: '2.0', id: 5, method: 'tools/list', params: {} }, { ...MODERN, 'mcp-method': 'tools/list' });
    expect(missing.status).toBe(400);
    expect(missing.json()).toMatchObject({ id: 5, error: { code: -32602 } });
    const mismatch = await post(gateway.url, { jsonrpc: '2.0', id: 6, method: 'tools/list', params: { _meta: META } }, { ...MODERN, 'mcp-method': 'prompts/list' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json()).toMatchObject({ id: 6, error: { code: -32020 } });
    const version = await post(gateway.url, { jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }, { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' });
    expect(version.status).toBe(400);
    expect(version.json()).toMatchObject({ id: 7, error: { code: -32022, data: { supported: ['2026-07-28'], requested: '2099-01-01' } } });
  });

  it('Mcp-Name is checked against the body, decoding the Base64 sentinel', async () => {
    const body = { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'box__echo', arguments: { message: 'é' }, _meta: META } };
    const wrong = await post(gateway.url, body, { ...MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'box__whoami' });
    expect(wrong.json()).toMatchObject({ error: { code: -32020 } });
    const encoded = `=?base64?${Buffer.from('box__echo').toString('base64')}?=`;
    const ok = await post(gateway.url, body, { ...MODERN, 'mcp-method': 'tools/call', 'mcp-name': encoded });
    expect(JSON.stringify(ok.json())).toContain('é');
  });
});
