import { describe, expect, it } from 'vitest';
import { OpenRequests } from '../../src/worker/limits/open-requests.js';

/** An address function that records whether it was asked. */
function addr(value: string, asked: string[]) {
  return () => {
    asked.push(value);
    return value;
  };
}

describe('OpenRequests', () => {
  it('below the cap reads no address; at the cap counts every open request under its address and refuses the one over', () => {
    const asked: string[] = [];
    const open = new OpenRequests(3);
    const a1 = open.acquire(addr('a', asked))!;
    const b1 = open.acquire(addr('b', asked))!;
    expect(asked).toEqual([]);
    const a2 = open.acquire(addr('a', asked))!;
    expect(asked.sort()).toEqual(['a', 'a', 'b']);
    expect(open.held('a')).toEqual({ total: 3, address: 2 });
    const a3 = open.acquire(addr('a', asked))!;
    expect(a3).toBeDefined();
    expect(open.acquire(addr('a', asked))).toBeUndefined();
    // Another address is not refused for a's sake.
    expect(open.acquire(addr('c', asked))).toBeDefined();
    a1();
    a1();
    expect(open.held('a').address).toBe(2);
    expect(open.acquire(addr('a', asked))).toBeDefined();
    void b1;
    void a2;
  });

  it('releases every slot, counted or not', () => {
    const open = new OpenRequests(2);
    const releases = [open.acquire(() => 'x')!, open.acquire(() => 'x')!];
    expect(open.acquire(() => 'x')).toBeUndefined();
    for (const r of releases) r();
    expect(open.held('x')).toEqual({ total: 0, address: 0 });
    expect(open.acquire(() => 'x')).toBeDefined();
  });
});
