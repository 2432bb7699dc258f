/**
 * The routing policies composed around a fake `send` (ServerRouting): the
 * same composition the router uses, with real breakers and health records
 * in an in-process store. A dead replica costs a few calls at most, and a
 * call that is not idempotent is never sent twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { GatewayError, NOT_READY } from '../../src/mcp/errors.js';
import { parseConfigText } from '../../src/config/load.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { CircuitBreakers } from '../../src/policy/circuit-breaker.js';
import { HealthView } from '../../src/policy/health-view.js';
import { ServerRouting } from '../../src/policy/replicated-call.js';
import { OUTLIER_CONSECUTIVE_FAULTS } from '../../src/policy/outlier-detector.js';
import type { ReplicaState } from '../../src/policy/replica-set.js';
import type { ServerConfig } from '../../src/config/model.js';

const logger = pino({ level: 'silent' });
const flush = () => new Promise((r) => setImmediate(r));
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

function server(extra = ''): ServerConfig {
  const yaml = `servers:\n  fx:\n    replicas:\n      - url: http://a/mcp\n      - url: http://b/mcp\n      - url: http://c/mcp\n${extra}`;
  return parseConfigText(yaml, 'config.yaml', { env: {} }).servers[0]!;
}

function routing(config: ServerConfig, store = new MemoryStore(), down = new Set<string>()) {
  const breakers = new CircuitBreakers(store, logger, { threshold: 5, openMs: 60_000 });
  const health = new HealthView(store);
  closers.push(() => breakers.close(), () => health.close(), () => store.close());
  return { r: new ServerRouting(config, { breakers, health, ready: (id) => !down.has(id) }), store, breakers, health };
}

/** A backend per replica: `dead` ones fail with a backend fault; every send is recorded. */
function backends(dead: Set<string>) {
  const sent: string[] = [];
  const send = async (replica: ReplicaState) => {
    sent.push(replica.id);
    if (dead.has(replica.id)) throw new GatewayError('GW_ERR_BACKEND_CRASHED', `${replica.id} died`);
    return replica.id;
  };
  return { sent, send };
}

const short = (id: string) => id.replace(/^http:\/\/(\w)\/mcp$/, '$1');

describe('ServerRouting', () => {
  it('spreads calls round-robin over healthy replicas', async () => {
    const { r } = routing(server());
    const { send } = backends(new Set());
    const got: string[] = [];
    for (let i = 0; i < 999; i++) got.push(short(await r.call('tools/call', send)()));
    expect(['a', 'b', 'c'].map((id) => got.filter((g) => g === id).length)).toEqual([333, 333, 333]);
  });

  it('a dead replica: idempotent calls all succeed (retried elsewhere), and it is ejected after a few faults', async () => {
    const { r } = routing(server());
    const { sent, send } = backends(new Set(['http://b/mcp']));
    for (let i = 0; i < 300; i++) await expect(r.call('tools/list', send)()).resolves.toBeDefined();
    expect(sent.filter((id) => id === 'http://b/mcp')).toHaveLength(OUTLIER_CONSECUTIVE_FAULTS);
  });

  it('a dead replica: a call that is not idempotent is never sent twice, and only the few before ejection fail', async () => {
    const { r } = routing(server());
    const { sent, send } = backends(new Set(['http://b/mcp']));
    let failed = 0;
    for (let i = 0; i < 1_000; i++) await r.call('tools/call', send, { tool: { name: 'append' } })().catch(() => failed++);
    expect(sent).toHaveLength(1_000);
    expect(failed).toBe(OUTLIER_CONSECUTIVE_FAULTS);
    expect(failed / 1_000).toBeLessThanOrEqual(0.01);
  });

  it('retries a read-only tool only when the server trusts tool annotations', async () => {
    const readOnly = { name: 'whoami', annotations: { readOnlyHint: true } };
    for (const [extra, expectFail] of [['', true], ['    retry: { idempotentTools: true }\n', false]] as const) {
      const { r } = routing(server(extra));
      const { send } = backends(new Set(['http://a/mcp']));
      // Round-robin starts at a: the first call lands on the dead replica.
      const outcome = await r.call('tools/call', send, { tool: readOnly })().then(() => 'ok', () => 'failed');
      expect(outcome).toBe(expectFail ? 'failed' : 'ok');
    }
  });

  it('skips replicas that are not ready, even for calls that are not idempotent, without sending twice', async () => {
    const down = new Set(['http://a/mcp', 'http://b/mcp']);
    const { r } = routing(server(), new MemoryStore(), down);
    const { sent, send } = backends(new Set());
    for (let i = 0; i < 10; i++) expect(short(await r.call('tools/call', send)())).toBe('c');
    expect(sent).toHaveLength(10);
    down.add('http://c/mcp');
    await expect(r.call('tools/call', send)()).rejects.toMatchObject({ errorName: 'GW_ERR_BACKEND_UNAVAILABLE', data: NOT_READY });
  });

  it('leaves replicas the probes found unhealthy out of rotation; with all of them unhealthy, uses every ready one', async () => {
    const store = new MemoryStore();
    const { r, health } = routing(server(), store);
    const policy = { healthyThreshold: 1, unhealthyThreshold: 1, ttlMs: 60_000 };
    await store.healthProbe('fx/http://a/mcp', false, policy, Date.now());
    await health.load(r.keys);
    const { send } = backends(new Set());
    const picked = new Set<string>();
    for (let i = 0; i < 20; i++) picked.add(short(await r.call('tools/call', send)()));
    expect(picked).toEqual(new Set(['b', 'c']));
    for (const id of ['b', 'c']) await store.healthProbe(`fx/http://${id}/mcp`, false, policy, Date.now());
    await flush();
    picked.clear();
    for (let i = 0; i < 30; i++) picked.add(short(await r.call('tools/call', send)()));
    expect(picked).toEqual(new Set(['a', 'b', 'c']));
  });

  it('shares a replica\'s open circuit with every worker through the store', async () => {
    const store = new MemoryStore();
    const one = routing(server('    retry: { attempts: 1 }\n'), store);
    const two = routing(server(), store);
    const { send } = backends(new Set(['http://a/mcp']));
    // Five faults on a open its circuit (the outlier detector ejects it locally first, so go through the breaker directly).
    for (let i = 0; i < 5; i++) await one.breakers.record('fx/http://a/mcp', false);
    await flush();
    expect(two.breakers.admits('fx/http://a/mcp')).toBe(false);
    const picked = new Set<string>();
    for (let i = 0; i < 20; i++) picked.add(short(await two.r.call('tools/call', send)()));
    expect(picked).toEqual(new Set(['b', 'c']));
  });

  it('consistent-hash keeps one argument value on one replica, and a pinned replica wins while it may take calls', async () => {
    const { r } = routing(server('    balance: consistent-hash\n    hashKey: argument:repo\n'));
    const { send } = backends(new Set());
    const first = await r.call('tools/call', send, { key: { sessionId: 's1', args: { repo: 'o/r' } } })();
    for (let i = 0; i < 50; i++) expect(await r.call('tools/call', send, { key: { sessionId: `s${i}`, args: { repo: 'o/r' } } })()).toBe(first);
    const other = ['http://a/mcp', 'http://b/mcp', 'http://c/mcp'].find((id) => id !== first)!;
    expect(await r.call('tools/call', send, { key: { args: { repo: 'o/r' } }, pinned: other })()).toBe(other);
  });
});
