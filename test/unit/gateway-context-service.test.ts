/**
 * ContextService against a real Catalog: which mode a client gets, what it
 * lists, and how the meta-tools read and write its working set through the
 * WorkingSetHome interface (an in-memory home stands in for the session
 * record or the shared store).
 */
import { describe, expect, it } from 'vitest';
import { Catalog } from '../../src/gateway/catalog.js';
import { ContextService, globMatch, type WorkingSetHome } from '../../src/gateway/context-service.js';
import type { ContextConfig, ContextMode } from '../../src/config/model.js';
import { stdioServer } from '../helpers/server-config.js';
import type { RequestContext } from '../../src/gateway/request-context.js';
import type { JsonObject } from '../../src/mcp/jsonrpc.js';
import { META_TOOLS } from '../../src/context/meta-tools.js';

const schema = (props: Record<string, string>) => ({ type: 'object', properties: Object.fromEntries(Object.entries(props).map(([k, d]) => [k, { type: 'string', description: d }])) });

function setup(config: Partial<ContextConfig> = {}) {
  const catalog = new Catalog([stdioServer('docs'), stdioServer('chart')], '__');
  catalog.set('docs', 'tools', [
    { name: 'create_document', description: 'Create a new Word document.\n\nReturns:\n    A message naming the path written, which the other tools of this server then take to edit it.', inputSchema: schema({ filename: 'Path of the new document' }) },
    { name: 'add_paragraph', description: 'Add a paragraph of text to a Word document.', inputSchema: schema({ filename: 'Document', text: 'Paragraph text' }) },
  ]);
  catalog.set('chart', 'tools', [{ name: 'word_cloud', description: 'Generate a word cloud chart from weighted words.', inputSchema: schema({ data: 'Words and weights' }) }]);
  const service = new ContextService(catalog, { mode: 'full', budgetTokens: 4000, overrides: [], ...config });
  return { catalog, service };
}

class MemoryHome implements WorkingSetHome {
  stored: unknown = undefined;
  changes = 0;
  async load() {
    return this.stored;
  }
  async save(json: unknown) {
    this.stored = json;
  }
  changed() {
    this.changes++;
  }
}

function ctx(mode: ContextMode, home?: WorkingSetHome): RequestContext {
  return {
    era: 'legacy',
    protocolVersion: '2025-11-25',
    clientCapabilities: {},
    logLevel: undefined,
    principal: 'p',
    sessionId: 's',
    group: 's',
    signal: new AbortController().signal,
    notify: () => undefined,
    ask: undefined,
    contextMode: mode,
    workingSetHome: home,
  };
}

const text = (r: JsonObject) => (r.content as Array<{ text: string }>)[0]!.text;
const noCall = async (): Promise<JsonObject> => {
  throw new Error('no backend call expected');
};

describe('globMatch', () => {
  it.each([
    ['Claude*', 'Claude Desktop', true],
    ['Claude*', 'claude', false],
    ['*code*', 'vscode-insiders', true],
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['exact', 'exact ', false],
    ['*', '', true],
  ])('%s against %j is %s', (glob, name, expected) => {
    expect(globMatch(glob, name)).toBe(expected);
  });
});

describe('ContextService.modeFor', () => {
  const { service } = setup({
    mode: 'compact',
    overrides: [
      { client: 'Cursor*', principal: 'alice', mode: 'full' },
      { client: 'Cursor*', principal: undefined, mode: 'search' },
      { client: undefined, principal: 'bob', mode: 'full' },
    ],
  });

  it('takes the client\'s own choice first', () => {
    expect(service.modeFor('full', 'Cursor', 'carol')).toBe('full');
  });

  it('takes the first override whose client and principal both match', () => {
    expect(service.modeFor(undefined, 'Cursor 1.2', 'alice')).toBe('full');
    expect(service.modeFor(undefined, 'Cursor 1.2', 'carol')).toBe('search');
    expect(service.modeFor(undefined, 'Other', 'bob')).toBe('full');
  });

  it('falls back to the default; a client without a name matches no client glob', () => {
    expect(service.modeFor(undefined, 'Other', 'carol')).toBe('compact');
    expect(service.modeFor(undefined, undefined, 'carol')).toBe('compact');
  });

  it('follows a reconfigure', () => {
    const { service: s } = setup();
    s.reconfigure({ mode: 'search', budgetTokens: 4000, overrides: [] });
    expect(s.modeFor(undefined, 'x', 'p')).toBe('search');
  });
});

describe('ContextService tools', () => {
  it('lists the catalog in full mode and the meta-tools plus the working set in search mode', async () => {
    const { catalog, service } = setup();
    expect(await service.listTools(ctx('full'), catalog.list('tools'))).toEqual(catalog.list('tools'));
    const home = new MemoryHome();
    expect(await service.listTools(ctx('search', home), catalog.list('tools'))).toEqual(META_TOOLS);
    await service.callMeta(ctx('search', home), catalog, 'only1mcp__load_tools', { names: ['chart__word_cloud'] }, {}, noCall);
    expect((await service.listTools(ctx('search', home), catalog.list('tools'))).map((t) => t.name)).toEqual([...META_TOOLS.map((t) => t.name), 'chart__word_cloud']);
  });

  it('load saves the working set and announces a change once per changing load', async () => {
    const { catalog, service } = setup();
    const home = new MemoryHome();
    expect(text(await service.callMeta(ctx('search', home), catalog, 'only1mcp__load_tools', { names: ['docs__create_document'] }, {}, noCall))).toBe('loaded: docs__create_document');
    expect(home.changes).toBe(1);
    expect(text(await service.callMeta(ctx('search', home), catalog, 'only1mcp__load_tools', { names: ['docs__create_document'] }, {}, noCall))).toBe('already loaded: docs__create_document');
    expect(home.changes).toBe(1);
    const unknown = await service.callMeta(ctx('search', home), catalog, 'only1mcp__load_tools', { names: ['nope'] }, {}, noCall);
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toBe('unknown: nope');
  });

  it('evicts the least recently used tool past the budget, where a call counts as use', async () => {
    const { catalog, service } = setup();
    const cost = service.tokenReport().tools;
    // Room for any two of the three tools, never all three.
    const budget = cost.reduce((sum, t) => sum + t.compact, 0) - 1;
    service.reconfigure({ mode: 'full', budgetTokens: budget, overrides: [] });
    const home = new MemoryHome();
    const c = ctx('search', home);
    await service.callMeta(c, catalog, 'only1mcp__load_tools', { names: ['docs__create_document'] }, {}, noCall);
    await service.callMeta(c, catalog, 'only1mcp__load_tools', { names: ['docs__add_paragraph'] }, {}, noCall);
    await service.used(c, 'docs__create_document');
    const third = text(await service.callMeta(c, catalog, 'only1mcp__load_tools', { names: ['chart__word_cloud'] }, {}, noCall));
    expect(third).toBe('loaded: chart__word_cloud; unloaded to make room: docs__add_paragraph');
    expect((await service.listTools(c, catalog.list('tools'))).map((t) => t.name).slice(META_TOOLS.length).sort()).toEqual(['chart__word_cloud', 'docs__create_document']);
  });

  it('find ranks across servers and returns schemas; bad arguments are tool errors', async () => {
    const { catalog, service } = setup();
    const found = JSON.parse(text(await service.callMeta(ctx('full'), catalog, 'only1mcp__find_tools', { query: 'word cloud chart', limit: 2 }, {}, noCall))) as { tools: Array<{ name: string; inputSchema: unknown }> };
    expect(found.tools[0]!.name).toBe('chart__word_cloud');
    expect(found.tools[0]!.inputSchema).toBeTypeOf('object');
    const bad = await service.callMeta(ctx('full'), catalog, 'only1mcp__find_tools', {}, {}, noCall);
    expect(bad.isError).toBe(true);
  });

  it('call_tool forwards to the named tool with its arguments and the retry extras', async () => {
    const { catalog, service } = setup();
    const seen: unknown[] = [];
    const result = await service.callMeta(ctx('full'), catalog, 'only1mcp__call_tool', { name: 'docs__create_document', arguments: { filename: 'a.docx' } }, { requestState: 'x' }, async (...args) => {
      seen.push(args);
      return { content: [{ type: 'text', text: 'ok' }] };
    });
    expect(text(result)).toBe('ok');
    expect(seen).toEqual([['docs__create_document', { filename: 'a.docx' }, { requestState: 'x' }]]);
    const unknown = await service.callMeta(ctx('full'), catalog, 'only1mcp__call_tool', { name: 'nope', arguments: {} }, {}, noCall);
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toBe('Unknown tool: nope. Use only1mcp__find_tools to find tools.');
  });

  it('rebuilds the search index when the catalog changes', async () => {
    const { catalog, service } = setup();
    expect(service.search('spreadsheet formula', 1).map((h) => h.tool.name)).not.toContain('docs__set_formula');
    catalog.set('docs', 'tools', [{ name: 'set_formula', description: 'Set a spreadsheet formula in a cell.', inputSchema: schema({ cell: 'Cell' }) }]);
    expect(service.search('spreadsheet formula', 1).map((h) => h.tool.name)).toEqual(['docs__set_formula']);
  });

  it('reports tokens per tool and per mode, compact below full', () => {
    const { catalog, service } = setup();
    const report = service.tokenReport();
    expect(report.tools.map((t) => t.name)).toEqual(['docs__create_document', 'docs__add_paragraph', 'chart__word_cloud']);
    expect(report.totals.compact).toBeLessThan(report.totals.full);
    expect(report.totals.search).toBeGreaterThan(0);
  });
});
