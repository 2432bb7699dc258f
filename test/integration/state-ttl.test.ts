/**
 * Every key the gateway writes to Redis carries a TTL set in the same
 * command (SET … PX, or a Lua script that writes and expires together), so
 * a process killed at any moment leaves nothing that lives forever. Proof by
 * 1,000+ lock acquisitions in processes SIGKILLed at random moments, in each
 * topology; on Sentinel, with one failover in the middle of it.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/gateway.js';
import { start, stopAll, waitForLine } from '../helpers/processes.js';
import { startRedis, testTopologies } from '../helpers/redis.js';
import { prng } from '../helpers/fuzz-cases.js';

afterAll(stopAll);

const TARGET_ACQUISITIONS = 1_000;
/**
 * How long a crasher runs after its first acquisition before it is killed, at most. A crasher
 * on a cluster or Sentinel opens several connections before it works (seed, slots, every
 * master, or the sentinels then the master), so it runs longer there: still dozens of kills,
 * in a minute rather than several on a busy machine.
 */
const RUN_BEFORE_KILL_MS = { single: 60, cluster: 250, sentinel: 250 } as const;

describe.each(testTopologies())('Redis keys always expire (%s)', (topology) => {
  it(`${TARGET_ACQUISITIONS} crash-injected lock acquisitions leave no key without a TTL`, async () => {
    const redis = await startRedis(topology);
    const prefix = 'o1mttl:';
    const random = prng(7);
    let acquisitions = 0;
    let kills = 0;
    let failover: Promise<void> | undefined;
    while (acquisitions < TARGET_ACQUISITIONS) {
      // Sentinel: one failover while the crashers keep writing (on the other topologies the fault is an outage, tested elsewhere).
      if (!redis.fault.outage && !failover && acquisitions >= TARGET_ACQUISITIONS / 2) failover = redis.fault.inject();
      const proc = start(process.execPath, [path.join(FIXTURES, 'state-crasher.js'), redis.url, prefix]);
      // Once it is working, let it run a random while, then kill it wherever it is.
      await waitForLine(proc, /^acquired /m);
      await new Promise((r) => setTimeout(r, random() * RUN_BEFORE_KILL_MS[topology]));
      proc.child.kill('SIGKILL');
      await proc.exited;
      kills++;
      acquisitions += (proc.output().match(/^acquired /gm) ?? []).length;
    }
    await failover;
    const keys = await redis.scan(prefix);
    const ttls = await Promise.all(keys.map(async (k) => [k, await redis.admin.pttl(k)] as const));
    expect(kills).toBeGreaterThan(5);
    expect(keys.length).toBeGreaterThan(10);
    // The crasher's long-lived kinds of key are there (session record and log, cached value,
    // breaker); locks and claims live for 200-500 ms and may all have expired by now.
    for (const part of [':rec', ':log', ':val']) expect(keys.some((k) => k.endsWith(part)), part).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}{br}:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}{hc}:`))).toBe(true);
    // PTTL -1: a key without an expiry (the defect looked for). -2: the key expired between the
    // scan and the PTTL, which short lock TTLs make likely; it had an expiry.
    expect(ttls.filter(([, ttl]) => ttl === -1)).toEqual([]);
    await redis.stop();
  }, 180_000);
});
