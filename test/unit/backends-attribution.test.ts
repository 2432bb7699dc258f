import { describe, expect, it } from 'vitest';
import { InFlightIndex } from '../../src/backends/attribution.js';

const call = (owner: string, group: string, startedAt: number) => ({ owner, group, startedAt });

describe('InFlightIndex', () => {
  it('stores, finds and removes calls by id', () => {
    const index = new InFlightIndex<string>();
    const a = call('alice', 's1', 1);
    index.add(1, a);
    index.add('x', call('bob', 's2', 2));
    expect(index.size).toBe(2);
    expect(index.get(1)).toBe(a);
    expect([...index.entries()].map(([id]) => id)).toEqual([1, 'x']);
    expect(index.delete(1)).toBe(a);
    expect(index.delete(1)).toBeUndefined();
    expect(index.get(1)).toBeUndefined();
    expect(index.size).toBe(1);
  });

  it('attributes nothing when nothing is in flight', () => {
    expect(new InFlightIndex<string>().attribute()).toBeUndefined();
  });

  it('attributes to the only call in flight', () => {
    const index = new InFlightIndex<string>();
    index.add(1, call('alice', 's1', 10));
    expect(index.attribute()?.owner).toBe('alice');
  });

  it('attributes to the call started last when all share one group, whatever the insertion order', () => {
    const index = new InFlightIndex<string>();
    index.add(1, call('newer', 's1', 20));
    index.add(2, call('older', 's1', 10));
    expect(index.attribute()?.owner).toBe('newer');
    index.add(3, call('newest', 's1', 30));
    expect(index.attribute()?.owner).toBe('newest');
  });

  it('breaks a tie in start time in favour of the later entry', () => {
    const index = new InFlightIndex<string>();
    index.add(1, call('first', 's1', 5));
    index.add(2, call('second', 's1', 5));
    expect(index.attribute()?.owner).toBe('second');
  });

  it('refuses to attribute when two groups have calls in flight, and resumes once one is left', () => {
    const index = new InFlightIndex<string>();
    index.add(1, call('alice', 's1', 1));
    index.add(2, call('alice-again', 's1', 2));
    index.add(3, call('bob', 's2', 3));
    expect(index.attribute()).toBeUndefined();
    index.delete(3);
    expect(index.attribute()?.owner).toBe('alice-again');
  });

  describe('calls blocked on the client', () => {
    it('skip a call that waits on the client once a newer call has started', () => {
      const index = new InFlightIndex<string>();
      const alice = call('alice', 's1', 10);
      index.add(1, alice);
      index.waitingOnClient(alice, 15);
      index.add(2, call('bob', 's2', 20));
      expect(index.attribute()?.owner).toBe('bob');
    });

    it('still count a blocked call while no call started after it blocked (one burst of asks)', () => {
      const index = new InFlightIndex<string>();
      const alice = call('alice', 's1', 10);
      index.add(1, alice);
      index.waitingOnClient(alice, 15);
      expect(index.attribute()?.owner).toBe('alice');
      index.add(2, call('bob', 's2', 12));
      expect(index.attribute()).toBeUndefined();
    });

    it('count a call again once every ask it waits on is answered', () => {
      const index = new InFlightIndex<string>();
      const alice = call('alice', 's1', 10);
      index.add(1, alice);
      const first = index.waitingOnClient(alice, 15);
      const second = index.waitingOnClient(alice, 16);
      index.add(2, call('bob', 's2', 20));
      first();
      expect(index.attribute()?.owner).toBe('bob');
      second();
      expect(index.attribute()).toBeUndefined();
    });

    it('date a new wait from its own start once earlier ones were answered', () => {
      const index = new InFlightIndex<string>();
      const alice = call('alice', 's1', 10);
      index.add(1, alice);
      index.waitingOnClient(alice, 15)();
      index.add(2, call('bob', 's2', 20));
      index.waitingOnClient(alice, 25);
      // Blocked since 25, after bob's start at 20: still one burst, so ambiguous.
      expect(index.attribute()).toBeUndefined();
    });
  });
});
