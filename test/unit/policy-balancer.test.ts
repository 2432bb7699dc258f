/**
 * Each balancing algorithm checked against its definition over many picks.
 * Random draws come from a seeded generator, so a run is reproducible; the
 * tolerances are several standard deviations wide for the sample sizes used.
 */
import { describe, expect, it } from 'vitest';
import { createBalancer } from '../../src/policy/balancer/create-balancer.js';
import type { Pickable, RandomSource } from '../../src/policy/balancer/balancer.js';
import { ConsistentHash, RING_POINTS_PER_REPLICA } from '../../src/policy/balancer/consistent-hash.js';
import { WeightedRandom } from '../../src/policy/balancer/random.js';
import { hash32 } from '../../src/policy/balancer/hash.js';

/** mulberry32: a small seeded PRNG, good enough for sampling. */
function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const replica = (id: string, weight = 1, inflight = 0): Pickable => ({ id, weight, inflight });

function shares(picks: readonly (Pickable | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of picks) out[p!.id] = (out[p!.id] ?? 0) + 1 / picks.length;
  return out;
}

function expectShares(actual: Record<string, number>, expected: Record<string, number>, relative: number): void {
  for (const [id, share] of Object.entries(expected)) {
    expect(Math.abs((actual[id] ?? 0) - share), `${id}: ${actual[id]} vs ${share}`).toBeLessThanOrEqual(share * relative);
  }
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).filter((id) => (expected[id] as number) > 0).sort());
}

describe('round-robin', () => {
  it('rotates strictly over equal replicas: each within ±2% of an equal share over 1,000 picks', () => {
    const all = [replica('a'), replica('b'), replica('c')];
    const b = createBalancer('round-robin', all);
    const picks = Array.from({ length: 1_000 }, () => b.pick(all));
    expect(picks.slice(0, 6).map((p) => p!.id)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expectShares(shares(picks), { a: 1 / 3, b: 1 / 3, c: 1 / 3 }, 0.02);
  });

  it('follows weights, spreading the heavier replica\'s turns rather than bunching them', () => {
    const all = [replica('a', 2), replica('b', 1)];
    const b = createBalancer('round-robin', all);
    const picks = Array.from({ length: 1_200 }, () => b.pick(all));
    expect(picks.slice(0, 6).map((p) => p!.id)).toEqual(['a', 'b', 'a', 'a', 'b', 'a']);
    expectShares(shares(picks), { a: 2 / 3, b: 1 / 3 }, 0.02);
  });

  it('rotates over whichever replicas are eligible, and takes a returning one back in turn', () => {
    const [a, b, c] = [replica('a'), replica('b'), replica('c')];
    const rr = createBalancer('round-robin', [a, b, c]);
    const without = Array.from({ length: 1_000 }, () => rr.pick([a, c]));
    expectShares(shares(without), { a: 0.5, c: 0.5 }, 0.02);
    const back = Array.from({ length: 999 }, () => rr.pick([a, b, c]));
    expectShares(shares(back), { a: 1 / 3, b: 1 / 3, c: 1 / 3 }, 0.02);
  });

  it('picks nothing from nothing, and the only replica when there is one', () => {
    const rr = createBalancer('round-robin', [replica('a')]);
    expect(rr.pick([])).toBeUndefined();
    expect(rr.pick([replica('a')])?.id).toBe('a');
  });
});

describe('least-connections (power of two choices)', () => {
  it('never picks the busiest of three while the others are less busy; the idlest wins every pair it is in', () => {
    const all = [replica('idle', 1, 0), replica('some', 1, 5), replica('busy', 1, 10)];
    const b = createBalancer('least-connections', all, seeded(1));
    const picks = Array.from({ length: 30_000 }, () => b.pick(all));
    // Pairs are drawn uniformly: idle is in 2 of 3, some wins only {some, busy}, busy never wins.
    expectShares(shares(picks), { idle: 2 / 3, some: 1 / 3, busy: 0 }, 0.05);
  });

  it('weighs in-flight calls by weight: 4 calls on weight 2 is less busy than 3 on weight 1', () => {
    const all = [replica('big', 2, 4), replica('small', 1, 3)];
    const b = createBalancer('least-connections', all, seeded(2));
    expect(new Set(Array.from({ length: 1_000 }, () => b.pick(all)!.id))).toEqual(new Set(['big']));
  });

  it('spreads evenly over equally busy replicas', () => {
    const all = [replica('a'), replica('b'), replica('c'), replica('d')];
    const b = createBalancer('least-connections', all, seeded(3));
    expectShares(shares(Array.from({ length: 100_000 }, () => b.pick(all))), { a: 0.25, b: 0.25, c: 0.25, d: 0.25 }, 0.05);
  });
});

describe('random and weighted-random', () => {
  it('random: uniform within ±5% over 100,000 picks, whatever the weights', () => {
    const all = [replica('a', 1), replica('b', 5), replica('c', 1)];
    const b = createBalancer('random', all, seeded(4));
    expectShares(shares(Array.from({ length: 100_000 }, () => b.pick(all))), { a: 1 / 3, b: 1 / 3, c: 1 / 3 }, 0.05);
  });

  it('weighted-random: each replica within ±5% of its weight\'s share over 100,000 picks', () => {
    const all = [replica('a', 1), replica('b', 2), replica('c', 3), replica('d', 4)];
    const b = createBalancer('weighted-random', all, seeded(5));
    expectShares(shares(Array.from({ length: 100_000 }, () => b.pick(all))), { a: 0.1, b: 0.2, c: 0.3, d: 0.4 }, 0.05);
  });

  it('weighted-random: fractional weights are shares too', () => {
    const all = [replica('a', 0.5), replica('b', 1.5)];
    const b = createBalancer('weighted-random', all, seeded(6));
    expectShares(shares(Array.from({ length: 100_000 }, () => b.pick(all))), { a: 0.25, b: 0.75 }, 0.05);
  });
});

describe('consistent-hash', () => {
  const five = ['r1', 'r2', 'r3', 'r4', 'r5'].map((id) => replica(id));
  const keys = Array.from({ length: 10_000 }, (_, i) => `session-${i}`);

  it('sends one key to one replica, every time and on every worker (a ring built anew agrees)', () => {
    const a = createBalancer('consistent-hash', five);
    const b = createBalancer('consistent-hash', [...five].reverse());
    for (const key of keys.slice(0, 1_000)) {
      const first = a.pick(five, key)!.id;
      expect(a.pick(five, key)!.id).toBe(first);
      expect(b.pick(five, key)!.id).toBe(first);
    }
  });

  it('spreads keys over the replicas within ±25% of an equal share (virtual nodes)', () => {
    const ring = createBalancer('consistent-hash', five);
    expectShares(shares(keys.map((k) => ring.pick(five, k))), { r1: 0.2, r2: 0.2, r3: 0.2, r4: 0.2, r5: 0.2 }, 0.25);
  });

  it('when one of five leaves rotation, only its keys move (~1/5 of all); they come back when it returns', () => {
    const ring = createBalancer('consistent-hash', five);
    const before = keys.map((k) => ring.pick(five, k)!.id);
    const four = five.filter((r) => r.id !== 'r3');
    const after = keys.map((k) => ring.pick(four, k)!.id);
    const moved = keys.filter((_, i) => before[i] !== after[i]).length / keys.length;
    expect(keys.every((_, i) => before[i] === 'r3' || before[i] === after[i])).toBe(true);
    expect(after.includes('r3')).toBe(false);
    expect(Math.abs(moved - 1 / 5)).toBeLessThanOrEqual(0.05);
    expect(keys.map((k) => ring.pick(five, k)!.id)).toEqual(before);
  });

  it('when a replica is removed from the config (ring rebuilt over N-1), ~1/N of keys move and no others', () => {
    const before = createBalancer('consistent-hash', five);
    const four = five.filter((r) => r.id !== 'r5');
    const after = createBalancer('consistent-hash', four);
    const moved = keys.filter((k) => before.pick(five, k)!.id !== after.pick(four, k)!.id);
    expect(moved.every((k) => before.pick(five, k)!.id === 'r5')).toBe(true);
    expect(Math.abs(moved.length / keys.length - 1 / 5)).toBeLessThanOrEqual(0.05);
  });

  it('gives a heavier replica proportionally more of the ring', () => {
    const all = [replica('a', 1), replica('b', 3)];
    const ring = createBalancer('consistent-hash', all);
    expectShares(shares(keys.map((k) => ring.pick(all, k))), { a: 0.25, b: 0.75 }, 0.2);
  });

  it('without a key, picks by weight at random', () => {
    const all = [replica('a', 1), replica('b', 1)];
    const ring = new ConsistentHash(all, new WeightedRandom(seeded(7)));
    expectShares(shares(Array.from({ length: 10_000 }, () => ring.pick(all))), { a: 0.5, b: 0.5 }, 0.05);
  });

  it('builds about RING_POINTS_PER_REPLICA points per replica, and hashes near-identical names far apart', () => {
    expect(RING_POINTS_PER_REPLICA).toBeGreaterThanOrEqual(100);
    const h = [hash32('r#1'), hash32('r#2'), hash32('r#3')];
    expect(new Set(h).size).toBe(3);
    // Adjacent virtual-node names land in different eighths of the ring more often than not.
    const eighths = Array.from({ length: 64 }, (_, i) => Math.floor(hash32(`r#${i}`) / 2 ** 29));
    expect(new Set(eighths).size).toBe(8);
  });
});
