import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/state/memory-store.js';
import { GatewayError } from '../../src/mcp/errors.js';
import { SessionAdmission } from '../../src/worker/limits/session-admission.js';
import type { LimitsConfig } from '../../src/config/model.js';

const LIMITS: LimitsConfig = { maxJsonDepth: 128, sessionsPerAddress: 4, sessionsTotal: 6, sessionCreatesPerSecond: 1, sessionCreateBurst: 100, concurrentRequestsPerAddress: 10 };

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(GatewayError);
  return err as GatewayError;
}

describe('SessionAdmission', () => {
  it('holds each worker to its share of the per-address and per-node caps, naming the limit', async () => {
    const admission = new SessionAdmission(new MemoryStore(), LIMITS, 0.5);
    (await admission.admit('a')).bind('s1');
    (await admission.admit('a')).bind('s2');
    const perAddress = await refusal(admission.admit('a'));
    expect(perAddress.errorName).toBe('GW_ERR_CLIENT_LIMIT');
    expect(perAddress.spec.http).toBe(429);
    expect(perAddress.data).toMatchObject({ limit: 'limits.sessionsPerAddress' });
    (await admission.admit('b')).bind('s3');
    const total = await refusal(admission.admit('c'));
    expect(total.errorName).toBe('GW_ERR_SESSION_CAPACITY');
    expect(total.spec.http).toBe(503);
    expect(total.data).toMatchObject({ limit: 'limits.sessionsTotal' });
    admission.forgot('s1');
    admission.forgot('s1');
    expect(admission.held('a')).toEqual({ address: 1, total: 2 });
    (await admission.admit('c')).bind('s4');
  });

  it('a cancelled ticket frees its slot at once', async () => {
    const admission = new SessionAdmission(new MemoryStore(), { ...LIMITS, sessionsPerAddress: 1 }, 1);
    const ticket = await admission.admit('a');
    await refusal(admission.admit('a'));
    ticket.cancel();
    ticket.cancel();
    expect(admission.held('a')).toEqual({ address: 0, total: 0 });
    (await admission.admit('a')).bind('s');
  });

  it('refuses creations past the burst with the time until the next token', async () => {
    const admission = new SessionAdmission(new MemoryStore(), { ...LIMITS, sessionsPerAddress: 100, sessionsTotal: 100, sessionCreateBurst: 3 }, 1);
    for (let i = 0; i < 3; i++) (await admission.admit('a')).bind(`s${i}`);
    const rate = await refusal(admission.admit('a'));
    expect(rate.data).toMatchObject({ limit: 'limits.sessionCreatesPerSecond' });
    expect(rate.data!.retryAfterMs as number).toBeGreaterThan(0);
    // The refused creation holds no session slot.
    expect(admission.held('a').address).toBe(3);
    // Another address has a bucket of its own.
    (await admission.admit('b')).bind('t');
  });
});
