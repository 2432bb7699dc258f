import { describe, expect, it } from 'vitest';
import { CALL_TOOL, FIND_TOOLS, LOAD_TOOLS, META_TOOLS, formatFindResult, formatLoadResult, isMetaToolName, parseCallArgs, parseFindArgs, parseLoadArgs } from '../../src/context/meta-tools.js';
import type { SearchHit } from '../../src/context/tool-index.js';

describe('meta-tools', () => {
  it('are three name-spaced tools with object schemas', () => {
    expect(META_TOOLS.map((t) => t.name)).toEqual([FIND_TOOLS, CALL_TOOL, LOAD_TOOLS]);
    for (const t of META_TOOLS) {
      expect(String(t.name)).toMatch(/^only1mcp__/);
      expect((t.inputSchema as { type: string }).type).toBe('object');
      expect(isMetaToolName(String(t.name))).toBe(true);
    }
    expect(isMetaToolName('github__find_tools')).toBe(false);
  });

  it('validate find arguments with exact messages', () => {
    expect(parseFindArgs({ query: 'pdf' })).toEqual({ ok: true, value: { query: 'pdf', limit: 5 } });
    expect(parseFindArgs({ query: 'pdf', limit: 10 })).toEqual({ ok: true, value: { query: 'pdf', limit: 10 } });
    expect(parseFindArgs({})).toEqual({ ok: false, message: 'query must be a non-empty string' });
    expect(parseFindArgs({ query: 'x'.repeat(32_001) })).toEqual({ ok: false, message: 'query must be at most 32000 characters' });
    expect(parseFindArgs({ query: 'x', limit: 11 })).toEqual({ ok: false, message: 'limit must be an integer from 1 to 10' });
  });

  it('validate call and load arguments with exact messages', () => {
    expect(parseCallArgs({ name: 'a__b' })).toEqual({ ok: true, value: { name: 'a__b', arguments: {} } });
    expect(parseCallArgs({})).toEqual({ ok: false, message: 'name must be the exact name of a found tool' });
    expect(parseCallArgs({ name: 'a__b', arguments: [] })).toEqual({ ok: false, message: 'arguments must be an object' });
    expect(parseCallArgs({ name: CALL_TOOL })).toEqual({ ok: false, message: `${CALL_TOOL} cannot be called through ${CALL_TOOL}` });
    expect(parseLoadArgs({ names: ['a', 'a', 'b'] })).toEqual({ ok: true, value: { names: ['a', 'b'] } });
    expect(parseLoadArgs({ names: [] })).toEqual({ ok: false, message: 'names must be a non-empty array of tool names' });
    expect(parseLoadArgs({ names: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toEqual({ ok: false, message: 'names may list at most 20 tools' });
  });

  it('format a find result as the compacted definitions, without scores', () => {
    const def = { name: 's__t', description: 'Does it.', inputSchema: { type: 'object', properties: { q: { type: 'string', title: 'Q' } }, $schema: 'http://json-schema.org/draft-07/schema#' } };
    const hits: SearchHit[] = [{ tool: { name: 's__t', server: 's', original: 't' }, score: 3 }, { tool: { name: 'gone', server: 's', original: 'gone' }, score: 1 }];
    const res = formatFindResult(hits, (n) => (n === 's__t' ? def : undefined));
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    expect(JSON.parse(text)).toEqual({ tools: [{ name: 's__t', description: 'Does it.', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } }] });
    expect(JSON.parse((formatFindResult(hits, () => def, { compact: false }).content as Array<{ text: string }>)[0]!.text).tools[0]).toEqual(def);
    expect(formatFindResult([], () => undefined)).toEqual({ content: [{ type: 'text', text: 'No matching tools. Try other words for the task.' }] });
  });

  it('stop adding full schemas past the token cap, naming the rest', () => {
    const big = (n: string) => ({ name: n, description: 'Big one. More text.', inputSchema: { type: 'object', properties: { v: { type: 'string', enum: Array.from({ length: 200 }, (_, i) => `value_${i}`) } } } });
    const hits: SearchHit[] = ['a', 'b'].map((n) => ({ tool: { name: n, server: 's', original: n }, score: 1 }));
    const body = JSON.parse((formatFindResult(hits, big, { maxTokens: 500 }).content as Array<{ text: string }>)[0]!.text);
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['a']);
    expect(body.more).toEqual(['b: Big one.']);
    expect(body.note).toContain(FIND_TOOLS);
  });

  it('format a load result in one line, an error when nothing loaded', () => {
    expect(formatLoadResult({ added: ['a'], evicted: ['b'], kept: [], rejected: [{ name: 'x', reason: 'unknown' }] })).toEqual({
      content: [{ type: 'text', text: 'loaded: a; unloaded to make room: b; unknown: x' }],
    });
    expect(formatLoadResult({ added: [], evicted: [], kept: [], rejected: [{ name: 'h', reason: 'over-budget' }] })).toEqual({
      content: [{ type: 'text', text: `too large to load, use ${CALL_TOOL}: h` }],
      isError: true,
    });
  });
});
