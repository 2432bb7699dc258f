import { describe, expect, it } from 'vitest';
import { WorkingSet } from '../../src/context/working-set.js';

const sizes: Record<string, number> = { a: 40, b: 30, c: 30, d: 50, huge: 500 };
const tokensOf = (n: string) => sizes[n];

describe('WorkingSet', () => {
  it('loads within the budget and lists in load order', () => {
    const ws = new WorkingSet(100);
    expect(ws.load(['a', 'b'], tokensOf)).toEqual({ added: ['a', 'b'], evicted: [], kept: [], rejected: [] });
    expect(ws.names()).toEqual(['a', 'b']);
    expect(ws.tokens).toBe(70);
  });

  it('evicts the least recently used, where touch counts as use', () => {
    const ws = new WorkingSet(100);
    ws.load(['a', 'b'], tokensOf);
    expect(ws.touch('a')).toBe(true);
    expect(ws.load(['c'], tokensOf)).toEqual({ added: ['c'], evicted: [], kept: [], rejected: [] });
    const r = ws.load(['d'], tokensOf);
    expect(r.evicted).toEqual(['b', 'a']);
    expect(ws.names()).toEqual(['c', 'd']);
    expect(ws.touch('zzz')).toBe(false);
  });

  it('never evicts a tool loaded earlier in the same call', () => {
    const ws = new WorkingSet(100);
    const r = ws.load(['a', 'b', 'c', 'd'], tokensOf);
    expect(r.added).toEqual(['a', 'b', 'c']);
    expect(r.rejected).toEqual([{ name: 'd', reason: 'over-budget' }]);
  });

  it('rejects a tool larger than the whole budget and keeps the set unchanged', () => {
    const ws = new WorkingSet(100);
    ws.load(['a'], tokensOf);
    expect(ws.load(['huge'], tokensOf)).toEqual({ added: [], evicted: [], kept: [], rejected: [{ name: 'huge', reason: 'over-budget' }] });
    expect(ws.names()).toEqual(['a']);
  });

  it('reports unknown and already loaded names', () => {
    const ws = new WorkingSet(100);
    ws.load(['a'], tokensOf);
    expect(ws.load(['a', 'nope'], tokensOf)).toEqual({ added: [], evicted: [], kept: ['a'], rejected: [{ name: 'nope', reason: 'unknown' }] });
  });

  it('removes names whose tools went away', () => {
    const ws = new WorkingSet(100);
    ws.load(['a', 'b'], tokensOf);
    expect(ws.remove(['b', 'x'])).toEqual(['b']);
    expect(ws.tokens).toBe(40);
  });

  it('round-trips through plain JSON, keeping LRU order', () => {
    const ws = new WorkingSet(100);
    ws.load(['a', 'b'], tokensOf);
    ws.touch('a');
    const copy = WorkingSet.fromJSON(JSON.parse(JSON.stringify(ws)));
    expect(copy.names()).toEqual(['a', 'b']);
    expect(copy.load(['d'], tokensOf).evicted).toEqual(['b']);
  });

  it('reads malformed records as an empty set and applies a smaller budget LRU first', () => {
    expect(WorkingSet.fromJSON('not json', 50).names()).toEqual([]);
    expect(WorkingSet.fromJSON({ entries: [['a', 'x', 1], 7] }).names()).toEqual([]);
    const ws = new WorkingSet(100);
    ws.load(['a', 'b'], tokensOf);
    expect(WorkingSet.fromJSON(ws.toJSON(), 40).names()).toEqual(['b']);
  });

  it('rejects a negative budget', () => {
    expect(() => new WorkingSet(-1)).toThrow('working set budget must be a non-negative number of tokens, got -1');
  });
});
