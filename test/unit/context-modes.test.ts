import { describe, expect, it } from 'vitest';
import { compactCached, indexedToolOf, renderToolList, workingSetTokens } from '../../src/context/modes.js';
import { META_TOOLS } from '../../src/context/meta-tools.js';
import { compactTool } from '../../src/context/compact.js';
import { toolTokens } from '../../src/context/tokens.js';

const tools = [
  { name: 'a__x', description: 'X.', inputSchema: { type: 'object', properties: { p: { type: 'string', title: 'P' } } } },
  { name: 'b__y', description: 'Y.', inputSchema: { type: 'object' } },
];

describe('renderToolList', () => {
  it('full lists the tools as they are', () => {
    expect(renderToolList('full', tools)).toEqual(tools);
  });

  it('compact lists every tool compacted, cached per tool object', () => {
    expect(renderToolList('compact', tools)).toEqual(tools.map(compactTool));
    expect(compactCached(tools[0]!)).toBe(compactCached(tools[0]!));
  });

  it('search lists the meta-tools, then loaded tools in load order, skipping names that went away', () => {
    expect(renderToolList('search', tools)).toEqual(META_TOOLS);
    expect(renderToolList('search', tools, ['b__y', 'gone', 'a__x']).map((t) => t.name)).toEqual([...META_TOOLS.map((t) => t.name), 'b__y', 'a__x']);
  });

  it('charges the working set the compacted size', () => {
    expect(workingSetTokens(tools[0]!)).toBe(toolTokens(compactTool(tools[0]!)));
  });

  it('builds index entries from catalog items', () => {
    expect(indexedToolOf(tools[0]!, 'a', 'x')).toEqual({ name: 'a__x', server: 'a', original: 'x', description: 'X.', inputSchema: tools[0]!.inputSchema });
  });
});
