/**
 * Rate limits on the in-process store (the Redis store runs the same rules
 * in Lua: test/integration/auth-rate-limit-redis.test.ts): which calls a rule
 * counts, whose bucket they take from, refusals with retryAfterMs, tokens
 * given back when another bucket refuses, and the local fallback (never
 * unlimited) while the store is unreachable.
 */
import { describe, expect, it } from 'vitest';
import { RateLimiter, type RateCall, type RateOutcome } from '../../src/auth/rate-limiter.js';
import { makePrincipal } from '../../src/auth/principal.js';
import { parseConfigText } from '../../src/config/load.js';
import { MemoryStore } from '../../src/state/memory-store.js';
import { StoreUnavailable, type StateStore } from '../../src/state/store.js';
import { takeFromBucket } from '../../src/state/token-bucket.js';

const KEY_HASH = `sha256:${'A'.repeat(43)}`;

function rules(yaml: string) {
  const text = `auth:\n  apiKeys:\n    - { principal: k, hash: "${KEY_HASH}" }\n  roles:\n    reader: {}\n    writer: {}\n  rateLimits:\n${yaml}`;
  return parseConfigText(text, 'c.yaml', { env: {} }).auth.rateLimits;
}

const alice = makePrincipal('alice', ['reader'], 'jwt');
const bob = makePrincipal('bob', ['reader'], 'jwt');
const wendy = makePrincipal('wendy', ['writer'], 'jwt');
const call = (tool = 'ev__echo') => ({ method: 'tools/call' as const, tool });

async function admitted(limiter: RateLimiter, principal = alice, n = 30, c: RateCall = call()): Promise<RateOutcome[]> {
  const out: RateOutcome[] = [];
  for (let i = 0; i < n; i++) out.push(await limiter.check(principal, c));
  return out;
}

const count = (outcomes: RateOutcome[]) => outcomes.filter((o) => o.ok).length;

describe('token bucket arithmetic', () => {
  const spec = { capacity: 3, refillPerMs: 0.01 };
  it('starts full, refills continuously up to capacity, says how long until the next token', () => {
    let s = takeFromBucket(undefined, spec, 1, 1, 1000);
    expect(s.result).toEqual({ allowed: true, taken: 1, remaining: 2, retryAfterMs: 0 });
    s = takeFromBucket(s.state, spec, 2, 2, 1000);
    expect(s.result).toEqual({ allowed: true, taken: 2, remaining: 0, retryAfterMs: 0 });
    s = takeFromBucket(s.state, spec, 1, 1, 1050);
    expect(s.result).toEqual({ allowed: false, taken: 0, remaining: 0, retryAfterMs: 50 });
    s = takeFromBucket(s.state, spec, 1, 1, 1100);
    expect(s.result.allowed).toBe(true);
    expect(takeFromBucket(s.state, spec, 1, 1, 1_000_000).result.remaining).toBe(2);
    expect(takeFromBucket(s.state, spec, -5, -5, 1100).result.remaining).toBe(3);
  });

  it('leases: takes up to `want`, at least `need`, else nothing', () => {
    const full = takeFromBucket(undefined, spec, 10, 1, 0);
    expect(full.result).toMatchObject({ allowed: true, taken: 3, remaining: 0 });
    const partial = takeFromBucket({ tokens: 1.5, at: 0 }, spec, 10, 1, 0);
    expect(partial.result).toMatchObject({ allowed: true, taken: 1 });
    expect(partial.state.tokens).toBeCloseTo(0.5);
    expect(takeFromBucket({ tokens: 0.5, at: 0 }, spec, 10, 1, 0).result).toEqual({ allowed: false, taken: 0, remaining: 0, retryAfterMs: 50 });
  });
});

describe('RateLimiter on the in-process store', () => {
  it('holds a per-principal limit: a burst of `limit`, then refusals with retryAfterMs and the limit named', async () => {
    const limiter = new RateLimiter(rules('    - { name: reader-calls, roles: [reader], limit: 20, windowSeconds: 10 }\n'), new MemoryStore());
    const outcomes = await admitted(limiter);
    expect(count(outcomes)).toBe(20);
    const refusal = outcomes[25]!;
    if (refusal.ok) throw new Error('expected a refusal');
    expect(refusal.limit).toBe('reader-calls');
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(500);
    expect(refusal.error.toJsonRpc()).toMatchObject({
      code: -31053,
      message: expect.stringMatching(/^rate limit "reader-calls" \(20 per 10 s per principal\) reached; retry in \d+ ms$/),
      data: { code: 'GW_ERR_RATE_LIMITED', retryAfterMs: refusal.retryAfterMs, limit: 'reader-calls' },
    });
    // Another principal has a bucket of its own; a principal without the role is not limited.
    expect(count(await admitted(limiter, bob))).toBe(20);
    expect(count(await admitted(limiter, wendy))).toBe(30);
  });

  it('counts only the methods and tools a rule names', async () => {
    const limiter = new RateLimiter(rules('    - { name: sums, tools: ["ev__get-*"], limit: 2, windowSeconds: 60 }\n'), new MemoryStore());
    expect(count(await admitted(limiter, alice, 5, call('ev__echo')))).toBe(5);
    expect(count(await admitted(limiter, alice, 5, call('ev__get-sum')))).toBe(2);
    expect(count(await admitted(limiter, alice, 5, { method: 'resources/read', tool: undefined }))).toBe(5);
  });

  it('per tool: each tool its own bucket; per role: one bucket shared by the role; []: one for all', async () => {
    const perTool = new RateLimiter(rules('    - { name: t, per: [principal, tool], limit: 2, windowSeconds: 60 }\n'), new MemoryStore());
    expect(count(await admitted(perTool, alice, 3, call('a')))).toBe(2);
    expect(count(await admitted(perTool, alice, 3, call('b')))).toBe(2);
    const perRole = new RateLimiter(rules('    - { name: r, per: role, limit: 3, windowSeconds: 60 }\n'), new MemoryStore());
    expect(count(await admitted(perRole, alice, 2))).toBe(2);
    expect(count(await admitted(perRole, bob, 2))).toBe(1);
    expect(count(await admitted(perRole, wendy, 4))).toBe(3);
    const global = new RateLimiter(rules('    - { name: g, per: [], limit: 3, windowSeconds: 60 }\n'), new MemoryStore());
    expect(count([...(await admitted(global, alice, 2)), ...(await admitted(global, wendy, 2))])).toBe(3);
  });

  it('gives a refused call\'s tokens back to the buckets that admitted it', async () => {
    const limiter = new RateLimiter(
      rules('    - { name: wide, limit: 5, windowSeconds: 60 }\n    - { name: narrow, tools: [ev__add], limit: 1, windowSeconds: 60 }\n'),
      new MemoryStore(),
    );
    expect(count(await admitted(limiter, alice, 4, call('ev__add')))).toBe(1);
    await new Promise((r) => setTimeout(r, 10));
    // Only the one admitted call took from "wide": four left for other tools.
    expect(count(await admitted(limiter, alice, 6, call('ev__echo')))).toBe(4);
  });

  it('answers from local buckets holding its share while the store is down, never unlimited, and says so once', async () => {
    const events: [boolean, string][] = [];
    let down = true;
    const memory = new MemoryStore();
    // A fake behind the store interface: only takeTokens and healthy matter here.
    const flaky = new Proxy(memory, {
      get(target, prop, receiver) {
        if (prop === 'takeTokens') {
          return async (...args: Parameters<StateStore['takeTokens']>) => {
            if (down) throw new StoreUnavailable('connection refused');
            return target.takeTokens(...args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    }) as StateStore;
    const limiter = new RateLimiter(rules('    - { name: c, limit: 20, windowSeconds: 10 }\n'), flaky, { localShare: 0.5, onDegraded: (d, why) => events.push([d, why]) });
    expect(count(await admitted(limiter))).toBe(10);
    expect(limiter.degraded).toBe(true);
    expect(limiter.localChecks).toBe(30);
    down = false;
    // The shared bucket takes over as it was (untouched: full).
    expect(count(await admitted(limiter))).toBe(20);
    expect(events).toEqual([
      [true, 'shared state store unavailable: connection refused'],
      [false, 'the shared store is back'],
    ]);
  });

  it('leases large buckets in batches: few store trips, never more than the limit across workers', async () => {
    const store = new MemoryStore();
    // 640 a day, burst 640: each of two workers (share 1/2) leases 20 at a time.
    const big = rules('    - { name: big, per: principal, limit: 640, windowSeconds: 86400 }\n');
    const workers = [new RateLimiter(big, store, { localShare: 0.5 }), new RateLimiter(big, store, { localShare: 0.5 })];
    const trips = () => workers[0]!.storeCommands + workers[1]!.storeCommands;
    let ok = 0;
    for (let i = 0; i < 600; i++) if ((await workers[i % 2]!.check(alice, call())).ok) ok++;
    expect(ok).toBe(600);
    // One trip per batch of 20 while tokens last (a refusal, past the limit, asks the store each time).
    expect(trips()).toBe(30);
    for (let i = 600; i < 800; i++) if ((await workers[i % 2]!.check(alice, call())).ok) ok++;
    expect(ok).toBeLessThanOrEqual(640);
    // At most one batch minus one per worker can be left stranded in a lease.
    expect(ok).toBeGreaterThanOrEqual(640 - 2 * 19);
  });

  it('never leases small buckets: each call asks the store, so a limit of 20 is exactly 20 across workers', async () => {
    const store = new MemoryStore();
    const small = rules('    - { name: s, per: principal, limit: 20, windowSeconds: 86400 }\n');
    const workers = [new RateLimiter(small, store), new RateLimiter(small, store)];
    let ok = 0;
    for (let i = 0; i < 50; i++) if ((await workers[i % 2]!.check(alice, call())).ok) ok++;
    expect(ok).toBe(20);
    expect(workers[0]!.storeCommands + workers[1]!.storeCommands).toBe(50);
  });

  it('costs nothing without rules or without a matching rule', async () => {
    const none = new RateLimiter([], new MemoryStore());
    expect(await none.check(alice, call())).toEqual({ ok: true });
    const other = new RateLimiter(rules('    - { name: w, roles: [writer], limit: 1, windowSeconds: 1 }\n'), new MemoryStore());
    expect(count(await admitted(other, alice, 5))).toBe(5);
  });
});
