import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/primary/backoff.js';

const T0 = 1_700_000_000_000;

describe('Backoff', () => {
  it('doubles the delay on each failure up to the ceiling', () => {
    const b = new Backoff(250, 2_000, 60_000);
    const delays = Array.from({ length: 6 }, (_, i) => {
      b.started(T0 + i);
      return b.failed(T0 + i + 1);
    });
    expect(delays).toEqual([250, 500, 1_000, 2_000, 2_000, 2_000]);
    expect(b.consecutiveFailures).toBe(6);
  });

  it('counts a failure before any start', () => {
    const b = new Backoff(100, 1_000, 5_000);
    expect(b.failed(T0)).toBe(100);
    expect(b.failed(T0)).toBe(200);
  });

  it('starts over after the process stayed up for the healthy period', () => {
    const b = new Backoff(100, 10_000, 5_000);
    b.started(T0);
    b.failed(T0 + 10);
    b.started(T0 + 100);
    expect(b.failed(T0 + 200)).toBe(200);
    b.started(T0 + 1_000);
    expect(b.failed(T0 + 1_000 + 5_000)).toBe(100);
    expect(b.consecutiveFailures).toBe(1);
  });

  it('does not start over when the process died just before the healthy period', () => {
    const b = new Backoff(100, 10_000, 5_000);
    b.started(T0);
    b.failed(T0 + 1);
    b.started(T0 + 10);
    expect(b.failed(T0 + 10 + 4_999)).toBe(200);
  });

  it('needs a new start to reset: two failures in a row do not count uptime twice', () => {
    const b = new Backoff(100, 10_000, 5_000);
    b.started(T0);
    expect(b.failed(T0 + 60_000)).toBe(100);
    expect(b.failed(T0 + 120_000)).toBe(200);
  });
});
