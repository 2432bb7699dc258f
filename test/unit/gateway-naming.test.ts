import { describe, expect, it } from 'vitest';
import { assignNames, fitName, prefixed, type NamedItem } from '../../src/gateway/naming.js';
import { MAX_TOOL_NAME_CHARS } from '../../src/config/defaults.js';
import type { NamingPolicy } from '../../src/config/model.js';

const item = (backend: string, original: string, policy: NamingPolicy, prefix = backend): NamedItem => ({ backend, original, policy, prefix });

function exposedNames(items: NamedItem[], separator = '__'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, n] of assignNames(items, separator).exposed) out[name] = `${n.backend}:${n.original}`;
  return out;
}

describe('fitName', () => {
  it('leaves names of up to 64 characters alone', () => {
    expect(MAX_TOOL_NAME_CHARS).toBe(64);
    const name = 'n'.repeat(64);
    expect(fitName(name)).toBe(name);
  });

  it('cuts a longer name to 64 characters with a 6-hex-digit hash suffix', () => {
    const name = `${'a'.repeat(60)}_tail_one`;
    const fitted = fitName(name);
    expect(fitted).toHaveLength(64);
    expect(fitted).toMatch(/^a{57}_[0-9a-f]{6}$/);
  });

  it('is stable for one name and distinct for names that differ only past the cut', () => {
    const a = `${'x'.repeat(70)}a`;
    const b = `${'x'.repeat(70)}b`;
    expect(fitName(a)).toBe(fitName(a));
    expect(fitName(a)).not.toBe(fitName(b));
  });

  it('honours a custom limit', () => {
    expect(fitName('abcdefghijkl', 10)).toMatch(/^abc_[0-9a-f]{6}$/);
  });
});

describe('prefixed', () => {
  it('joins prefix, separator and name', () => {
    expect(prefixed('github', 'create_issue', '__')).toBe('github__create_issue');
    expect(prefixed('gh', 'x', '-')).toBe('gh-x');
  });

  it('keeps a joined name of exactly 64 characters', () => {
    const original = 'o'.repeat(64 - 'gh__'.length);
    expect(prefixed('gh', original, '__')).toBe(`gh__${original}`);
  });

  it('shortens a long prefix to 20 characters first and stays within 64 characters', () => {
    const prefix = 'p'.repeat(60);
    const name = prefixed(prefix, 'create_issue', '__');
    expect(name).toMatch(/^p{20}__create_issue_[0-9a-f]{6}$/);
    expect(name.length).toBeLessThanOrEqual(64);
  });

  it('cuts a long tool name after the prefix, stably and uniquely', () => {
    const a = prefixed('github', `${'t'.repeat(80)}_a`, '__');
    const b = prefixed('github', `${'t'.repeat(80)}_b`, '__');
    expect(a).toHaveLength(64);
    expect(a.startsWith('github__ttt')).toBe(true);
    expect(a).not.toBe(b);
    expect(prefixed('github', `${'t'.repeat(80)}_a`, '__')).toBe(a);
  });

  it('stays within 64 characters with the longest separator config allows (8) and a long prefix', () => {
    expect(prefixed('p'.repeat(30), 'n'.repeat(90), '--------').length).toBeLessThanOrEqual(64);
  });
});

describe('assignNames', () => {
  it("'prefix' always name-spaces, even without a collision", () => {
    expect(exposedNames([item('github', 'create_issue', 'prefix')])).toEqual({ github__create_issue: 'github:create_issue' });
  });

  it("uses the configured prefix, not the backend name", () => {
    expect(exposedNames([item('github-enterprise', 'x', 'prefix', 'ghe')])).toEqual({ ghe__x: 'github-enterprise:x' });
  });

  it("'on-collision' name-spaces only the names another backend also offers", () => {
    const names = exposedNames([item('a', 'search', 'on-collision'), item('a', 'fetch', 'on-collision'), item('b', 'search', 'on-collision')]);
    expect(names).toEqual({ a__search: 'a:search', fetch: 'a:fetch', b__search: 'b:search' });
  });

  it("'on-collision' next to 'never': the 'never' item keeps the plain name", () => {
    expect(exposedNames([item('a', 'search', 'never'), item('b', 'search', 'on-collision')])).toEqual({ search: 'a:search', b__search: 'b:search' });
  });

  it("'never' keeps names; the later item of a collision is hidden, naming who kept it", () => {
    const a = item('a', 'search', 'never');
    const b = item('b', 'search', 'never');
    const { exposed, hidden } = assignNames([a, b], '__');
    expect([...exposed.keys()]).toEqual(['search']);
    expect(exposed.get('search')).toBe(a);
    expect(hidden).toEqual([{ item: b, by: 'a' }]);
  });

  it('reports a collision between a prefixed name and another backend plain name as hidden', () => {
    const plain = item('b', 'a__x', 'on-collision');
    const { exposed, hidden } = assignNames([item('a', 'x', 'prefix'), plain], '__');
    expect(exposed.get('a__x')?.backend).toBe('a');
    expect(hidden).toEqual([{ item: plain, by: 'a' }]);
  });

  it('maps names back by lookup, so originals containing the separator are safe', () => {
    const { exposed } = assignNames([item('a', 'x__y', 'prefix'), item('a__x', 'y', 'prefix')], '__');
    expect(exposed.get('a__x__y')).toMatchObject({ backend: 'a', original: 'x__y' });
    expect(exposed.get('a__x__y')?.backend).toBe('a');
    // The second item lands on the same exposed name and is hidden, never mis-routed.
    expect(exposed.size).toBe(1);
  });

  it('keeps long names unique and within 64 characters under every policy', () => {
    const items: NamedItem[] = [];
    for (const policy of ['prefix', 'on-collision', 'never'] as const) {
      for (let i = 0; i < 20; i++) items.push(item(`${policy}-backend`, `${'very_long_tool_name_'.repeat(4)}${policy}_${i}`, policy));
    }
    const { exposed, hidden } = assignNames(items, '__');
    expect(hidden).toEqual([]);
    expect(exposed.size).toBe(items.length);
    for (const name of exposed.keys()) expect(name.length).toBeLessThanOrEqual(64);
  });

  it('gives the same names on every run (stable across restarts)', () => {
    const items = [item('a', 'x'.repeat(100), 'never'), item('b', 'y'.repeat(100), 'prefix')];
    expect([...assignNames(items, '__').exposed.keys()]).toEqual([...assignNames(items, '__').exposed.keys()]);
  });
});
