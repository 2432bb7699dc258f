/**
 * A server with several replicas between the router and its links
 * (ReplicaRouting): fake links behind the BackendLink interface, the real
 * Backend, routing policies, breakers and health over an in-process store.
 * Calls go round-robin; a non-idempotent call goes elsewhere only when
 * nothing reached its replica; a client's own session stays on the replica
 * its reference names while that one may take calls; a replica the checks
 * bring back is readmitted at once; lists are asked of every replica and
 * settled by ListAgreement.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { Backend, type CallContext } from '../../src/backends/backend.js';
import { Replica } from '../../src/backends/replica.js';
import { ScopedLinks } from '../../src/backends/scoped-links.js';
import type { BackendLink, LinkCall, LinkStatus, ScopeHome, ScopedLink, UpstreamRef } from '../../src/backends/link.js';
import { GatewayError, UNSENT } from '../../src/mcp/errors.js';
import type { JsonObject } from '../../src/mcp/jsonrpc.js';
import { parseConfigText } from '../../src/config/load.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { CircuitBreakers } from '../../src/policy/circuit-breaker.js';
import { HealthView } from '../../src/policy/health-view.js';
import { OUTLIER_CONSECUTIVE_FAULTS } from '../../src/policy/outlier-detector.js';
import { ReplicaRouting } from '../../src/gateway/replica-routing.js';
import { ListAgreement } from '../../src/gateway/list-agreement.js';
import { scopeFor, type UpstreamScope } from '../../src/gateway/upstream-scope.js';
import type { ServerConfig } from '../../src/config/model.js';

const READY: LinkStatus = { state: 'ready', identity: { era: 'legacy', protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: {}, instructions: undefined }, lastError: undefined, generation: 1 };

/** One replica's shared link: answers with its name, or fails as told. */
class FakeLink implements BackendLink {
  readonly calls: LinkCall[] = [];
  status_: LinkStatus = READY;
  failWith: (() => unknown) | undefined;
  tools: JsonObject[] = [{ name: 'whoami' }];
  constructor(readonly name: string) {}
  status(): LinkStatus {
    return this.status_;
  }
  async call(call: LinkCall): Promise<JsonObject> {
    this.calls.push(call);
    if (this.failWith) throw this.failWith();
    if (call.method === 'tools/list') return { tools: this.tools };
    return { content: [{ type: 'text', text: this.name }] };
  }
  notify(): void {}
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  setLogLevel(): void {}
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

/** A client's own session on one replica: records calls, answers `<replica>/<scope>`. */
class FakeScopedLink extends FakeLink implements ScopedLink {
  lastUsed = Date.now();
  constructor(replica: string, readonly scope: UpstreamScope) {
    super(`${replica}/${scope.key}`);
  }
  async release(): Promise<void> {}
}

const lines: string[] = [];
const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }));
const closers: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  lines.length = 0;
});

function server(extra = ''): ServerConfig {
  const yaml = `servers:\n  fx:\n    replicas:\n      - url: http://a/mcp\n      - url: http://b/mcp\n      - url: http://c/mcp\n${extra}`;
  return parseConfigText(yaml, 'config.yaml', { env: {} }).servers[0]!;
}

/** The real Backend over three fake replicas, with ReplicaRouting; `refs` plays the clients' homes. */
function setup(config = server(), refs = new Map<string, UpstreamRef>()) {
  const store = new MemoryStore();
  const breakers = new CircuitBreakers(store, logger, { threshold: 5, openMs: 60_000 });
  const health = new HealthView(store);
  const agreement = new ListAgreement(logger);
  const links = new Map<string, FakeLink>();
  const scopedLinks = new Map<string, FakeScopedLink>();
  const replicas = config.replicas.map((r) => {
    const link = new FakeLink(r.id.replace(/^http:\/\/(\w)\/mcp$/, '$1'));
    links.set(link.name, link);
    const scoped = new ScopedLinks((scope) => {
      const l = new FakeScopedLink(link.name, scope);
      scopedLinks.set(l.name, l);
      return l;
    }, 60_000);
    return new Replica(r.id, link, scoped);
  });
  const backend = new Backend(config, replicas[0]!.link, replicas[0]!.scoped, replicas);
  const home = (scope: UpstreamScope): ScopeHome => ({
    ref: async () => refs.get(scope.key),
    saveRef: (_s, ref) => void (ref ? refs.set(scope.key, ref) : refs.delete(scope.key)),
    reset: () => undefined,
  });
  const routing = new ReplicaRouting(backend, { breakers, health, agreement, home, readmitted: () => readmitted++ });
  let readmitted = 0;
  backend.routing = routing;
  closers.push(() => routing.close(), () => breakers.close(), () => health.close(), () => store.close(), () => Promise.all(replicas.map((r) => r.close())));
  return { backend, routing, links, scopedLinks, store, breakers, health, agreement, refs, readmitted: () => readmitted };
}

const ctx = (extra: Partial<CallContext> = {}): CallContext => ({
  clientCapabilities: {},
  logLevel: undefined,
  hooks: { onNotification: () => undefined, onServerRequest: () => Promise.reject(new Error('no')) },
  acceptInputRequired: false,
  signal: undefined,
  group: 'g',
  ...extra,
});
const text = (r: JsonObject) => (r.content as Array<{ text: string }>)[0]!.text;

describe('ReplicaRouting: shared calls', () => {
  it('go round-robin over the replicas, each attempt on the picked replica\'s link', async () => {
    const { routing } = setup(server('    isolation: shared\n'));
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push(text(await routing.call('tools/call', { name: 'whoami' }, ctx())));
    expect(got).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('send a non-idempotent call elsewhere only when nothing reached its replica', async () => {
    const { routing, links } = setup(server('    isolation: shared\n'));
    links.get('a')!.failWith = () => new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'ECONNREFUSED', UNSENT);
    expect(text(await routing.call('tools/call', { name: 'append' }, ctx()))).toBe('b');
    links.get('c')!.failWith = () => new GatewayError('GW_ERR_BACKEND_CRASHED', 'died mid-call');
    // c is next in turn: it fails after the request reached it, so the call fails and goes nowhere else.
    await expect(routing.call('tools/call', { name: 'append' }, ctx())).rejects.toMatchObject({ errorName: 'GW_ERR_BACKEND_CRASHED' });
    expect(links.get('c')!.calls).toHaveLength(1);
    expect(links.get('b')!.calls).toHaveLength(1);
  });

  it('retry an idempotent call (a read-only tool the config trusts) on another replica', async () => {
    const { routing, links } = setup(server('    isolation: shared\n    retry: { attempts: 2, idempotentTools: true }\n'));
    links.get('a')!.failWith = () => new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'slow');
    const result = await routing.call('tools/call', { name: 'whoami' }, ctx(), { name: 'whoami', annotations: { readOnlyHint: true } });
    expect(text(result)).toBe('b');
  });

  it('readmit a replica the active checks bring back: its ejection ends and its circuit closes', async () => {
    const { routing, links, store, breakers, readmitted } = setup(server('    isolation: shared\n'));
    links.get('a')!.failWith = () => new GatewayError('GW_ERR_BACKEND_UNAVAILABLE', 'ECONNREFUSED', UNSENT);
    for (let i = 0; i < 3 * OUTLIER_CONSECUTIVE_FAULTS; i++) await routing.call('tools/call', { name: 'whoami' }, ctx());
    await breakers.record('fx/http://a/mcp', false);
    expect(routing.view().find((r) => r.id === 'http://a/mcp')).toMatchObject({ ejectedUntil: expect.any(Number) });
    links.get('a')!.failWith = undefined;
    const policy = { healthyThreshold: 1, unhealthyThreshold: 1, ttlMs: 60_000 };
    await store.healthProbe('fx/http://a/mcp', false, policy, Date.now());
    await store.healthProbe('fx/http://a/mcp', true, policy, Date.now());
    await new Promise((r) => setImmediate(r));
    const a = routing.view().find((r) => r.id === 'http://a/mcp')!;
    expect(a.ejectedUntil).toBeUndefined();
    expect(a.circuit).toBe('closed');
    expect(readmitted()).toBeGreaterThanOrEqual(1);
    const got = new Set<string>();
    for (let i = 0; i < 3; i++) got.add(text(await routing.call('tools/call', { name: 'whoami' }, ctx())));
    expect(got.has('a')).toBe(true);
  });
});

describe('ReplicaRouting: a client\'s own backend session', () => {
  const client = { sessionId: 'sess-1', principal: 'anonymous', clientCapabilities: {} };

  it('stays on the replica its reference names, and goes elsewhere once that one is not ready', async () => {
    const refs = new Map<string, UpstreamRef>([['s:sess-1', { k: 'http', sid: 'x', pv: '2025-11-25', caps: {}, info: {}, r: 'http://b/mcp' }]]);
    const { routing, links } = setup(server(), refs);
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push(text(await routing.call('tools/call', { name: 'whoami' }, ctx({ client }))));
    expect(got).toEqual(['b/s:sess-1', 'b/s:sess-1', 'b/s:sess-1', 'b/s:sess-1']);
    links.get('b')!.status_ = { ...READY, state: 'restarting' };
    const moved = text(await routing.call('tools/call', { name: 'whoami' }, ctx({ client })));
    expect(moved).not.toBe('b/s:sess-1');
    expect(moved.endsWith('/s:sess-1')).toBe(true);
  });

  it('takes a reference without a replica (stored before the server had replicas) as the first one\'s', async () => {
    const refs = new Map<string, UpstreamRef>([['s:sess-1', { k: 'http', sid: 'x', pv: '2025-11-25', caps: {}, info: {} }]]);
    const { routing, backend } = setup(server(), refs);
    expect(text(await routing.call('tools/call', { name: 'whoami' }, ctx({ client })))).toBe('a/s:sess-1');
    const scope = scopeFor('session', client)!;
    expect((await routing.scopedReplica(scope, client)).id).toBe(backend.replicas[0]!.id);
  });

  it('places a new session by the consistent-hash key (its session id), the same way every time', async () => {
    const { routing } = setup(server('    balance: consistent-hash\n'));
    const scope = (id: string) => scopeFor('session', { ...client, sessionId: id })!;
    const first = new Map<string, string>();
    for (const id of ['s1', 's2', 's3', 's4', 's5', 's6']) first.set(id, (await routing.scopedReplica(scope(id), { ...client, sessionId: id })).id);
    for (const [id, replica] of first) expect((await routing.scopedReplica(scope(id), { ...client, sessionId: id })).id).toBe(replica);
    expect(new Set(first.values()).size).toBeGreaterThan(1);
  });
});

describe('lists of a replicated server', () => {
  it('are asked of every replica that may take calls; the odd one is reported once and not merged', async () => {
    const { routing, links, backend } = setup(server('    isolation: shared\n'));
    links.get('c')!.tools = [{ name: 'whoami' }, { name: 'extra' }];
    const fetch = (replica: Replica) => backend.call('tools/list', undefined, ctx(), replica).then((r) => r.tools as JsonObject[]);
    expect(await routing.list('tools', fetch)).toEqual([{ name: 'whoami' }]);
    expect(await routing.list('tools', fetch)).toEqual([{ name: 'whoami' }]);
    expect([...links.values()].map((l) => l.calls.length)).toEqual([2, 2, 2]);
    expect(routing.view().map((r) => r.listsDiffer)).toEqual([undefined, undefined, ['tools']]);
    expect(lines.filter((l) => l.includes('lists other tools')).length).toBe(1);
    expect(lines.find((l) => l.includes('lists other tools'))).toContain('"only":["extra"]');
    // It agrees again: said once, and the report clears.
    links.get('c')!.tools = [{ name: 'whoami' }];
    await routing.list('tools', fetch);
    expect(routing.view().map((r) => r.listsDiffer)).toEqual([undefined, undefined, undefined]);
    expect(lines.filter((l) => l.includes('lists the same tools')).length).toBe(1);
  });

  it('leave out a replica that fails to answer, and a replica that is not ready changes the cached set', async () => {
    const { routing, links, backend } = setup(server('    isolation: shared\n'));
    const scopeAll = routing.listScope();
    links.get('b')!.failWith = () => new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'slow');
    const fetch = (replica: Replica) => backend.call('tools/list', undefined, ctx(), replica).then((r) => r.tools as JsonObject[]);
    expect(await routing.list('tools', fetch)).toEqual([{ name: 'whoami' }]);
    links.get('c')!.status_ = { ...READY, state: 'restarting' };
    expect(routing.listScope()).not.toBe(scopeAll);
    for (const l of links.values()) l.failWith = () => new GatewayError('GW_ERR_BACKEND_TIMEOUT', 'slow');
    await expect(routing.list('tools', fetch)).rejects.toMatchObject({ errorName: 'GW_ERR_BACKEND_TIMEOUT' });
  });

  it('settle a tie by the replica first in the config', () => {
    const agreement = new ListAgreement(logger);
    expect(agreement.settle('fx', 'tools', [{ replica: '1', items: [{ name: 'x' }] }, { replica: '2', items: [{ name: 'y' }] }])).toEqual([{ name: 'x' }]);
    expect(agreement.differences('fx')).toEqual({ '2': ['tools'] });
    agreement.forget('fx');
    expect(agreement.differences('fx')).toEqual({});
  });

  it('compare items whatever the order of their fields', () => {
    const agreement = new ListAgreement(logger);
    agreement.settle('fx', 'tools', [{ replica: '1', items: [{ name: 'x', description: 'd' }] }, { replica: '2', items: [{ description: 'd', name: 'x' }] }]);
    expect(agreement.differences('fx')).toEqual({});
  });
});
