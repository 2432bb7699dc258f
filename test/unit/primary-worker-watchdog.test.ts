import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkerWatchdog } from '../../src/primary/worker-watchdog.js';

/** The watchdog's clock, moved by hand: a blocked primary is a clock that jumps while no timer fires. */
let clock = 0;
const now = () => clock;

function advance(ms: number, step = 100): void {
  for (let t = 0; t < ms; t += step) {
    clock += step;
    vi.advanceTimersByTime(step);
  }
}

describe('WorkerWatchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('reports the worker that stops answering, once, and keeps asking the one that answers', () => {
    const stalls: Array<[number, number]> = [];
    const dog = new WorkerWatchdog({ heartbeatMs: 100, stallTimeoutMs: 500 }, (i, ms) => stalls.push([i, ms]), now);
    const asked = [0, 0];
    let zeroAnswers = true;
    dog.watch(0, () => {
      asked[0]!++;
      if (zeroAnswers) dog.answered(0);
    });
    dog.watch(1, () => {
      asked[1]!++;
      dog.answered(1);
    });
    advance(1_000);
    expect(stalls).toEqual([]);
    zeroAnswers = false;
    const askedBefore = asked[0]!;
    advance(1_000);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]![0]).toBe(0);
    expect(stalls[0]![1]).toBeGreaterThan(500);
    // Not watched any more: no further heartbeats, no second report.
    expect(asked[0]! - askedBefore).toBeLessThanOrEqual(5);
    const askedAfter = asked[0]!;
    advance(1_000);
    expect(asked[0]).toBe(askedAfter);
    expect(stalls).toHaveLength(1);
    expect(asked[1]).toBeGreaterThanOrEqual(25);
    dog.stop();
  });

  it('judges no one on a round that fires far behind schedule: the primary itself was blocked', () => {
    const stalls: number[] = [];
    const dog = new WorkerWatchdog({ heartbeatMs: 100, stallTimeoutMs: 500 }, (i) => stalls.push(i), now);
    dog.watch(0, () => dog.answered(0));
    advance(300);
    clock += 10_000;
    vi.advanceTimersByTime(100);
    expect(stalls).toEqual([]);
    advance(1_000);
    expect(stalls).toEqual([]);
    dog.stop();
  });

  it('a worker unwatched (exited) is never reported', () => {
    const stalls: number[] = [];
    const dog = new WorkerWatchdog({ heartbeatMs: 100, stallTimeoutMs: 300 }, (i) => stalls.push(i), now);
    dog.watch(2, () => undefined);
    advance(200);
    dog.unwatch(2);
    advance(1_000);
    expect(stalls).toEqual([]);
  });

  it('gives a worker just forked its start grace, then judges a start that never finished apart from a stall', () => {
    const stalls: Array<[number, boolean]> = [];
    const dog = new WorkerWatchdog({ heartbeatMs: 100, stallTimeoutMs: 500 }, (i, _ms, started) => stalls.push([i, started]), now);
    let oneAnswers = false;
    dog.watch(0, () => undefined, 3_000);
    dog.watch(1, () => oneAnswers && dog.answered(1), 3_000);
    advance(2_000);
    expect(stalls).toEqual([]);
    oneAnswers = true;
    // Worker 0 never answered: reported once its grace and the stall timeout have passed; worker 1 answers.
    advance(2_000);
    expect(stalls).toEqual([[0, false]]);
    oneAnswers = false;
    // Worker 1 answered, then went quiet: a stall, judged from its last answer, not from its grace.
    advance(1_000);
    expect(stalls).toEqual([[0, false], [1, true]]);
    dog.stop();
  });
});

