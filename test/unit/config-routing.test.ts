/**
 * The routing and shaping keys as the gateway runs with them (the
 * normalised model), and the contract fixture test/fixtures/replicas.yaml
 * through the real loader.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { DEFAULT_MAX_CALL_MS } from '../../src/config/defaults.js';
import type { HttpServerConfig, StdioServerConfig } from '../../src/config/model.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const load = (yaml: string) => parseConfigText(yaml, 'config.yaml', { env: {} }).servers;

describe('the routing model', () => {
  it('gives a plain server one replica and the defaults', () => {
    const [http, stdio] = load('servers:\n  a:\n    url: https://u:p@a.example/mcp\n  b:\n    command: x\n') as [HttpServerConfig, StdioServerConfig];
    expect(http.replicas).toEqual([{ id: 'https://a.example/mcp', url: 'https://u:p@a.example/mcp', headers: {}, weight: 1 }]);
    expect(stdio.replicas).toEqual([{ id: '1', weight: 1 }]);
    expect(http.common.routing).toEqual({ balance: 'round-robin', hashKey: { from: 'session' }, health: undefined, retry: { attempts: 2, budgetPercent: 20, idempotentTools: false } });
    expect(http.common.maxCallMs).toBe(DEFAULT_MAX_CALL_MS);
    expect(http.common.shaping).toEqual({ tools: { allow: undefined, deny: [], rename: {}, descriptions: {} }, prompts: { allow: undefined, deny: [] }, resources: { allow: undefined, deny: [] } });
  });

  it('lists enabled replicas in file order, with their weights and merged headers; url is the first one\'s', () => {
    const [s] = load(
      'servers:\n  fx:\n    headers: { A: server, B: server }\n    balance: weighted-random\n    replicas:\n      - { url: "http://r1/mcp", enabled: false }\n      - { url: "http://r2/mcp", weight: 2.5, headers: { B: replica } }\n      - { url: "http://r3/mcp" }\n',
    ) as [HttpServerConfig];
    expect(s.type).toBe('streamable-http');
    expect(s.url).toBe('http://r2/mcp');
    expect(s.replicas).toEqual([
      { id: 'http://r2/mcp', url: 'http://r2/mcp', headers: { A: 'server', B: 'replica' }, weight: 2.5 },
      { id: 'http://r3/mcp', url: 'http://r3/mcp', headers: { A: 'server', B: 'server' }, weight: 1 },
    ]);
    expect(s.common.routing.balance).toBe('weighted-random');
  });

  it('runs a stdio command N times as replicas 1..N', () => {
    const [s] = load('servers:\n  ev:\n    command: x\n    replicas: 3\n    balance: least-connections\n') as [StdioServerConfig];
    expect(s.replicas.map((r) => r.id)).toEqual(['1', '2', '3']);
  });

  it('reads the hash key, health check, retry and long-call settings', () => {
    const [s] = load(
      'servers:\n  fx:\n    url: http://a/mcp\n    balance: consistent-hash\n    hashKey: argument:repo\n    health: { type: http, path: /healthz, intervalMs: 1000 }\n    retry: { attempts: 3, budgetPercent: 10, idempotentTools: true }\n    timeoutMs: 700000\n',
    ) as [HttpServerConfig];
    expect(s.common.routing).toEqual({
      balance: 'consistent-hash',
      hashKey: { from: 'argument', name: 'repo' },
      health: { type: 'http', path: '/healthz', intervalMs: 1000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3 },
      retry: { attempts: 3, budgetPercent: 10, idempotentTools: true },
    });
    // A call timeout above the default total: the total follows it.
    expect(s.common.maxCallMs).toBe(700_000);
  });

  it('merges disabledTools into tools.deny', () => {
    const [s] = load('servers:\n  ev:\n    command: x\n    disabledTools: [a, b]\n    tools: { deny: [b, "c*"], rename: { d: e }, descriptions: { d: "D" } }\n');
    expect(s!.common.shaping.tools).toEqual({ allow: undefined, deny: ['b', 'c*', 'a'], rename: { d: 'e' }, descriptions: { d: 'D' } });
  });

  it('is frozen', () => {
    const [s] = load('servers:\n  fx:\n    replicas: [{ url: "http://a/mcp" }]\n') as [HttpServerConfig];
    expect(Object.isFrozen(s.replicas[0])).toBe(true);
    expect(Object.isFrozen(s.common.routing.retry)).toBe(true);
  });
});

describe('test/fixtures/replicas.yaml (the contract of issue 13)', () => {
  const fixture = path.join(ROOT, 'test', 'fixtures', 'replicas.yaml');
  const env = { ONLY1MCP_TEST_REPLICA_A: 'http://127.0.0.1:40001/mcp', ONLY1MCP_TEST_REPLICA_B: 'http://127.0.0.1:40002/mcp', PATH: process.env.PATH };

  it('loads with the real loader: fx is one Streamable HTTP server over the two replicas, round-robin, checked every second', async () => {
    const config = await loadConfigFile(fixture, { env });
    const fx = config.servers.find((s) => s.name === 'fx') as HttpServerConfig;
    expect(fx.type).toBe('streamable-http');
    expect(fx.replicas.map((r) => r.url)).toEqual([env.ONLY1MCP_TEST_REPLICA_A, env.ONLY1MCP_TEST_REPLICA_B]);
    expect(fx.common.routing.balance).toBe('round-robin');
    expect(fx.common.routing.health).toMatchObject({ type: 'ping', intervalMs: 1000 });
  });

  it('runs ev, server-everything from this repository\'s node_modules over stdio, with get-env hidden', async () => {
    const config = await loadConfigFile(fixture, { env });
    const ev = config.servers.find((s) => s.name === 'ev') as StdioServerConfig;
    expect(ev.type).toBe('stdio');
    expect(ev.command).toBe('node');
    expect(ev.cwd).toBe(ROOT);
    expect(ev.args[1]).toBe('stdio');
    expect(existsSync(path.resolve(ev.cwd!, ev.args[0]!))).toBe(true);
    expect(ev.common.shaping.tools.deny).toEqual(['get-env']);
    expect((await loadConfigFile(fixture, { env: { ...env, ONLY1MCP_TEST_NODE: process.execPath } })).servers.find((s) => s.name === 'ev')).toMatchObject({ command: process.execPath });
  });

  it('says which variables a test must set', async () => {
    const err = await loadConfigFile(fixture, { env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.message).join('\n')).toMatch(/ONLY1MCP_TEST_REPLICA_A[\s\S]*ONLY1MCP_TEST_REPLICA_B/);
  });
});
