/**
 * Rate limits across processes' worth of store clients on a real Redis
 * (one server, a 3-master cluster, a Sentinel-managed master): two
 * RedisStore connections (two workers, or two nodes)
 * share every bucket, so the limit holds in total within the token-bucket
 * bound (burst + limit × elapsed / window); the bucket is one hash-tagged
 * key with a TTL; and when Redis dies (one server killed, a cluster master
 * lost) each limiter falls back to its local share, then returns to the
 * shared bucket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter, type RateOutcome } from '../../src/auth/rate-limiter.js';
import { makePrincipal } from '../../src/auth/principal.js';
import { parseConfigText } from '../../src/config/load.js';
import { RedisStore } from '../../src/state/redis/redis-store.js';
import { startRedis, testTopologies, type TestRedis } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';

/** The contract's limit: role reader, 20 tool calls per 10 seconds per principal. */
const READER_LIMIT = parseConfigText(
  `auth:\n  apiKeys:\n    - { principal: k, hash: "sha256:${'A'.repeat(43)}" }\n  roles:\n    reader: {}\n  rateLimits:\n    - { name: reader-calls, roles: [reader], per: principal, limit: 20, windowSeconds: 10 }\n`,
  'c.yaml',
  { env: {} },
).auth.rateLimits;

const reader = makePrincipal('rita', ['reader'], 'jwt');
const call = { method: 'tools/call' as const, tool: 'ev__echo' };
const admittedOf = (o: RateOutcome[]) => o.filter((x) => x.ok).length;

afterAll(stopAll);

describe.each(testTopologies())('%s Redis', (topology) => {
  let redis: TestRedis;
  const stores: RedisStore[] = [];

  beforeAll(async () => {
    redis = await startRedis(topology);
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    stores.length = 0;
    await redis?.stop();
  });

  async function twoWorkers(prefix: string): Promise<[RedisStore, RedisStore]> {
    const a = new RedisStore(redis.url, prefix);
    const b = new RedisStore(redis.url, prefix);
    stores.push(a, b);
    await Promise.all([a.ready(2_000), b.ready(2_000)]);
    return [a, b];
  }

  describe('rate limits on Redis', () => {
    it('holds 20 per 10 s per principal across two store clients hammering at once, within the bucket bound', async () => {
      const [a, b] = await twoWorkers('rl1:');
      const limiters = [new RateLimiter(READER_LIMIT, a), new RateLimiter(READER_LIMIT, b)];
      const started = Date.now();
      const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => (limiters[i % 2] as RateLimiter).check(reader, call)));
      const elapsedMs = Date.now() - started;
      // Token bucket: at most burst + refill over the time the burst took (2 tokens per second).
      const bound = 20 + Math.floor((elapsedMs * 20) / 10_000);
      expect(admittedOf(outcomes)).toBeGreaterThanOrEqual(20);
      expect(admittedOf(outcomes)).toBeLessThanOrEqual(bound);
      const refused = outcomes.find((o) => !o.ok);
      expect(refused && !refused.ok && refused.retryAfterMs).toBeGreaterThan(0);
      // Another principal is not touched by rita's calls.
      expect((await limiters[1]!.check(makePrincipal('other', ['reader'], 'jwt'), call)).ok).toBe(true);
    });

    it('leases a large bucket in batches across two store clients: never more than the limit, a trip per batch', async () => {
      const [a, b] = await twoWorkers('rl4:');
      const big = parseConfigText(
        `auth:\n  allowUnauthenticated: true\n  rateLimits:\n    - { name: big, limit: 3200, windowSeconds: 86400 }\n`,
        'c.yaml',
        { env: {} },
      ).auth.rateLimits;
      const limiters = [new RateLimiter(big, a, { localShare: 0.5 }), new RateLimiter(big, b, { localShare: 0.5 })];
      const outcomes = await Promise.all(Array.from({ length: 4000 }, (_, i) => limiters[i % 2]!.check(reader, call)));
      expect(admittedOf(outcomes)).toBeLessThanOrEqual(3200);
      expect(admittedOf(outcomes)).toBeGreaterThanOrEqual(3200 - 2 * 99);
      // Batches of 100 while tokens last; every refusal past the limit asks the store.
      expect(limiters[0]!.storeCommands + limiters[1]!.storeCommands).toBeLessThan(4000 - 3200 + 3200 / 10);
    });

    it('keeps each bucket in one hash-tagged key that expires once the bucket would be full', async () => {
      const [a] = await twoWorkers('rl2:');
      await new RateLimiter(READER_LIMIT, a).check(reader, call);
      const keys = await a.keyNames();
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^rl2:\{rl:[A-Za-z0-9_-]{22}\}:bucket$/);
      const ttl = await redis.admin.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10_000);
      expect(Number(await redis.admin.hget(keys[0]!, 't'))).toBeCloseTo(19, 1);
    });

    // Sentinel's fault is a failover, not an outage: nothing to fall back for.
    it.runIf(topology !== 'sentinel')('falls back to local buckets of its share while Redis is down (never unlimited), then shares again', async () => {
      const [a, b] = await twoWorkers('rl3:');
      const degraded: boolean[] = [];
      const limiters = [a, b].map((s) => new RateLimiter(READER_LIMIT, s, { localShare: 0.5, onDegraded: (d) => degraded.push(d) }));
      await redis.fault.inject();
      try {
        const outcomes: RateOutcome[] = [];
        for (let i = 0; i < 40; i++) outcomes.push(await limiters[i % 2]!.check(reader, call));
        // Each of the two holds half the limit: the pair admits no more than one shared bucket would (+ refill).
        expect(admittedOf(outcomes)).toBeGreaterThanOrEqual(20);
        expect(admittedOf(outcomes)).toBeLessThanOrEqual(22);
        expect(limiters.every((l) => l.degraded)).toBe(true);
      } finally {
        await redis.fault.heal();
      }
      await Promise.all([a.ready(10_000), b.ready(10_000)]);
      const after: RateOutcome[] = [];
      for (let i = 0; i < 30; i++) after.push(await limiters[i % 2]!.check(reader, call));
      expect(admittedOf(after)).toBeGreaterThanOrEqual(20);
      expect(admittedOf(after)).toBeLessThanOrEqual(22);
      expect(limiters.every((l) => !l.degraded)).toBe(true);
      expect(degraded).toEqual([true, true, false, false]);
    });
  });
});
