import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogCollapser, identity, summary } from '../../src/observe/log-collapse.js';

const WARN = 40;
const ERROR = 50;
const INFO = 30;
const FATAL = 60;

describe('LogCollapser', () => {
  let printed: unknown[][];
  const emit = (args: unknown[]) => void printed.push(args);

  beforeEach(() => {
    printed = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('prints the first of a kind at once and a count of its repeats when the window closes', () => {
    const c = new LogCollapser({ windowMs: 60_000 });
    for (let i = 0; i < 42; i++) c.log(WARN, [{ backend: 'web', err: 'ECONNREFUSED', retryInMs: 250 * 2 ** Math.min(i, 6) }, 'http backend handshake failed'], emit);
    expect(printed).toEqual([[{ backend: 'web', err: 'ECONNREFUSED', retryInMs: 250 }, 'http backend handshake failed']]);
    vi.advanceTimersByTime(60_000);
    expect(printed[1]).toEqual([{ backend: 'web', err: 'ECONNREFUSED', retryInMs: 16_000, repeated: 41 }, 'http backend handshake failed (repeated 41 more times in 60 s)']);
  });

  it('keeps counting window after window while the repeats go on, and forgets a kind after a quiet window', () => {
    const c = new LogCollapser({ windowMs: 1_000 });
    const line = () => c.log(WARN, [{ backend: 'web' }, 'down'], emit);
    line();
    line();
    vi.advanceTimersByTime(1_000);
    line();
    line();
    line();
    vi.advanceTimersByTime(1_000);
    expect(printed.map((p) => p[1])).toEqual(['down', 'down (repeated 1 more time in 1 s)', 'down (repeated 3 more times in 1 s)']);
    vi.advanceTimersByTime(1_000);
    expect(c.size).toBe(0);
    line();
    expect(printed.at(-1)).toEqual([{ backend: 'web' }, 'down']);
  });

  it('never hides another kind: another backend, another error text, another level, another message', () => {
    const c = new LogCollapser();
    c.log(WARN, [{ backend: 'a', err: 'ECONNREFUSED' }, 'failed'], emit);
    c.log(WARN, [{ backend: 'b', err: 'ECONNREFUSED' }, 'failed'], emit);
    c.log(WARN, [{ backend: 'a', err: 'HTTP 404' }, 'failed'], emit);
    c.log(ERROR, [{ backend: 'a', err: 'ECONNREFUSED' }, 'failed'], emit);
    c.log(WARN, [{ backend: 'a', err: 'ECONNREFUSED' }, 'other'], emit);
    c.log(WARN, [{ worker: 1, code: 1, pid: 10 }, 'worker exited'], emit);
    c.log(WARN, [{ worker: 2, code: 1, pid: 11 }, 'worker exited'], emit);
    c.log(WARN, [{ worker: 1, code: 1, pid: 12 }, 'worker exited'], emit);
    expect(printed).toHaveLength(7);
  });

  it('leaves info, debug and fatal lines alone', () => {
    const c = new LogCollapser();
    for (let i = 0; i < 3; i++) {
      c.log(INFO, [{ backend: 'a' }, 'backend stderr'], emit);
      c.log(FATAL, ['worker failed'], emit);
    }
    expect(printed).toHaveLength(6);
    expect(c.size).toBe(0);
  });

  it('tracks a bounded number of kinds; past the bound lines print as they come', () => {
    const c = new LogCollapser({ maxKinds: 3 });
    for (let i = 0; i < 10; i++) c.log(WARN, [{ session: `s${i}` }, 'kept locally'], emit);
    for (let i = 0; i < 10; i++) c.log(WARN, [{ session: `s${i}` }, 'kept locally'], emit);
    expect(c.size).toBe(3);
    // The 3 tracked kinds print once; the 7 others print every time.
    expect(printed).toHaveLength(10 + 7);
  });

  it('flush() prints pending counts (a process about to exit) and forgets everything', () => {
    const c = new LogCollapser();
    c.log(WARN, ['plain message'], emit);
    c.log(WARN, ['plain message'], emit);
    c.log(ERROR, [new Error('boom'), 'failed'], emit);
    c.flush();
    expect(printed.at(-1)).toEqual([{ repeated: 1 }, 'plain message (repeated 1 more time in 60 s)']);
    expect(printed).toHaveLength(3);
    expect(c.size).toBe(0);
    vi.advanceTimersByTime(120_000);
    expect(printed).toHaveLength(3);
  });
});

describe('identity and summary', () => {
  it('ignores fields that count or time, and cuts long values', () => {
    expect(identity(WARN, [{ backend: 'a', retryInMs: 1, restarts: 2, pid: 3, restartInMs: 4 }, 'm'])).toBe(identity(WARN, [{ backend: 'a', retryInMs: 9, restarts: 8, pid: 7, restartInMs: 6 }, 'm']));
    expect(identity(WARN, [{ code: 1 }, 'm'])).not.toBe(identity(WARN, [{ code: 2 }, 'm']));
    expect(identity(WARN, [{ err: `${'x'.repeat(10_000)}a` }, 'm'])).toBe(identity(WARN, [{ err: `${'x'.repeat(10_000)}b` }, 'm']));
    expect(identity(WARN, [{ err: 'x'.repeat(10_000) }, 'm']).length).toBeLessThan(300);
  });

  it('a summary keeps the last fields and says how many repeats there were', () => {
    expect(summary([{ a: 1 }, 'msg'], 2, 60_000)).toEqual([{ a: 1, repeated: 2 }, 'msg (repeated 2 more times in 60 s)']);
    expect(summary(['just text'], 1, 30_000)).toEqual([{ repeated: 1 }, 'just text (repeated 1 more time in 30 s)']);
  });
});
