/**
 * test/fixtures/auth.yaml, the contract of issue 12, through the real
 * loader: it names the everything server so that it starts on this machine
 * (with and without the variables test helpers set), and the identity layer
 * built from it does what the contract says: RS256 JWTs from the JWKS,
 * principal from sub, roles from "roles"; admin uses everything, reader only
 * ev__echo and ev__get-sum, 20 tool calls per 10 s per reader.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Authorizer } from '../../src/auth/authorizer.js';
import { AuthGate } from '../../src/auth/gate.js';
import type { Principal } from '../../src/auth/principal.js';
import { RateLimiter } from '../../src/auth/rate-limiter.js';
import { loadConfigFile } from '../../src/config/load.js';
import type { GatewayConfig, StdioServerConfig } from '../../src/config/model.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { TestIdentityProvider } from '../helpers/jwks.js';
import { ROOT } from '../helpers/processes.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'auth.yaml');
let idp: TestIdentityProvider;
let config: GatewayConfig;
let toolNames: string[];

beforeAll(async () => {
  idp = await TestIdentityProvider.start(['RS256', 'ES256']);
  // Only the three contract variables: no ONLY1MCP_ROOT, no ONLY1MCP_NODE.
  config = await loadConfigFile(FIXTURE, { env: { ...idp.fixtureEnv(), PATH: process.env.PATH } });
  const ev = config.servers[0] as StdioServerConfig;
  const client = new Client({ name: 'fixture-test', version: '1' });
  // The config's own command, args and cwd; node from PATH, as the gateway would find it.
  await client.connect(new StdioClientTransport({ command: ev.command === 'node' ? process.execPath : ev.command, args: [...ev.args], cwd: ev.cwd, stderr: 'ignore' }));
  try {
    toolNames = (await client.listTools()).tools.map((t) => `${ev.common.prefix}${config.naming.separator}${t.name}`);
  } finally {
    await client.close();
  }
});

afterAll(async () => {
  await idp.stop();
});

async function principal(gate: AuthGate, claims: Record<string, unknown>): Promise<Principal> {
  const o = await gate.authenticate({ authorization: `Bearer ${await idp.token(claims)}` });
  if (!o.ok) throw new Error(o.error.message);
  return o.principal;
}

describe('test/fixtures/auth.yaml', () => {
  it('loads with the real loader: server ev over stdio from node_modules, found relative to the fixture', () => {
    const ev = config.servers[0] as StdioServerConfig;
    expect(config.servers.map((s) => [s.name, s.type])).toEqual([['ev', 'stdio']]);
    expect(ev).toMatchObject({ command: 'node', args: ['node_modules/@modelcontextprotocol/server-everything/dist/index.js', 'stdio'], cwd: ROOT });
    expect(ev.common).toMatchObject({ naming: 'prefix', prefix: 'ev' });
    expect(config.auth.jwt).toMatchObject({ keys: { kind: 'jwks', url: idp.url }, algorithms: ['RS256'], issuers: [idp.issuer], audiences: [idp.audience], principalClaim: ['sub'], rolesClaim: ['roles'] });
  });

  it('uses ONLY1MCP_NODE and ONLY1MCP_ROOT when a test sets them', async () => {
    const cfg = await loadConfigFile(FIXTURE, { env: { ...idp.fixtureEnv(), ONLY1MCP_NODE: process.execPath, ONLY1MCP_ROOT: '/opt/only1mcp' } });
    expect(cfg.servers[0]).toMatchObject({ command: process.execPath, cwd: '/opt/only1mcp' });
  });

  it('names the tools the contract names', () => {
    expect(toolNames).toEqual(expect.arrayContaining(['ev__echo', 'ev__get-sum']));
    expect(toolNames.length).toBeGreaterThan(5);
  });

  it('admits RS256 tokens of the JWKS only, with principal from sub and roles from "roles"', async () => {
    const gate = new AuthGate(config.auth);
    expect(await gate.warm()).toBe(true);
    expect(await principal(gate, { sub: 'ann', roles: ['admin'] })).toMatchObject({ id: 'ann', roles: ['admin'], via: 'jwt' });
    const es = await idp.token({ sub: 'ann', roles: ['admin'] }, { key: idp.keys.find((k) => k.alg === 'ES256') });
    expect(await gate.authenticate({ authorization: `Bearer ${es}` })).toMatchObject({ ok: false, status: 401 });
    expect(await gate.authenticate({})).toMatchObject({ ok: false, status: 401 });
  });

  it('lets admin use every tool and the admin API, and reader only ev__echo and ev__get-sum', async () => {
    const gate = new AuthGate(config.auth);
    const az = new Authorizer(config.auth);
    const admin = await principal(gate, { sub: 'ann', roles: ['admin'] });
    const reader = await principal(gate, { sub: 'rob', roles: ['reader'] });
    const nobody = await principal(gate, { sub: 'nel' });
    const target = (name: string) => ({ server: 'ev', name, original: name.slice('ev__'.length) });
    expect(az.filter(admin, 'tools/call', toolNames, target)).toEqual(toolNames);
    expect(az.filter(reader, 'tools/call', toolNames, target)).toEqual(toolNames.filter((n) => n === 'ev__echo' || n === 'ev__get-sum'));
    expect(az.filter(nobody, 'tools/call', toolNames, target)).toEqual([]);
    expect(az.authorize(admin, 'resources/read', { server: 'ev', uri: 'demo://resource/static/document/architecture.md' }).allowed).toBe(true);
    expect(az.authorize(reader, 'resources/read', { server: 'ev', uri: 'demo://resource/static/document/architecture.md' }).allowed).toBe(false);
    expect(az.authorize(reader, 'prompts/get', { server: 'ev', name: 'ev__simple-prompt', original: 'simple-prompt' }).allowed).toBe(false);
    expect([az.authorize(admin, 'admin').allowed, az.authorize(reader, 'admin').allowed]).toEqual([true, false]);
  });

  it('limits each reader to 20 tool calls per 10 s, and admins not at all', async () => {
    const gate = new AuthGate(config.auth);
    const limiter = new RateLimiter(config.auth.rateLimits, new MemoryStore());
    const count = async (p: Principal, n: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if ((await limiter.check(p, { method: 'tools/call', tool: 'ev__echo' })).ok) ok++;
      return ok;
    };
    expect(await count(await principal(gate, { sub: 'rob', roles: ['reader'] }), 25)).toBe(20);
    expect(await count(await principal(gate, { sub: 'rae', roles: ['reader'] }), 25)).toBe(20);
    expect(await count(await principal(gate, { sub: 'ann', roles: ['admin'] }), 25)).toBe(25);
  });
});
