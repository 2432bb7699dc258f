import { describe, expect, it } from 'vitest';
import { ToolIndex, splitClauses, type IndexedTool } from '../../src/context/tool-index.js';
import { producerLinks } from '../../src/context/dataflow.js';
import { terms } from '../../src/context/text-analysis.js';

const t = (server: string, original: string, description: string, properties: Record<string, unknown> = {}, required: string[] = []): IndexedTool => ({
  name: `${server}__${original}`,
  server,
  original,
  description,
  inputSchema: { type: 'object', properties, required },
});

const TOOLS: IndexedTool[] = [
  t('fs', 'write_file', 'Write content to a file.', { path: { type: 'string' }, content: { type: 'string' } }, ['path', 'content']),
  t('fs', 'read_file', 'Read a file.', { path: { type: 'string' } }, ['path']),
  t('weather', 'get_forecast', 'Weather forecast for a city.', { city: { type: 'string' } }, ['city']),
  t('ppt', 'create_presentation', 'Create a new PowerPoint presentation.'),
  t('ppt', 'add_slide', 'Add a slide.', { presentation_id: { type: 'string' } }, ['presentation_id']),
  t('ppt', 'save_presentation', 'Save the presentation to disk.', { presentation_id: { type: 'string' }, file_path: { type: 'string' } }, ['presentation_id', 'file_path']),
  t('news', 'get-hot-news', '获取热门新闻资讯'),
  t('geo', 'geocode', 'Convert an address to coordinates. Returns latitude and longitude.', { address: { type: 'string' } }, ['address']),
  t('geo', 'find_nearby', 'Places near a point.', { latitude: { type: 'number' }, longitude: { type: 'number' } }, ['latitude', 'longitude']),
];

describe('ToolIndex', () => {
  const index = new ToolIndex(TOOLS);
  const top = (q: string, k = 3) => index.search(q, k).map((h) => h.tool.original);

  it('ranks by name, description and parameters', () => {
    expect(top('weather forecast for Paris')[0]).toBe('get_forecast');
    expect(top('read a file')[0]).toBe('read_file');
  });

  it('returns nothing for an empty query or a zero limit, and at most limit hits', () => {
    expect(index.search('', 5)).toEqual([]);
    expect(index.search('the of and', 5)).toEqual([]);
    expect(index.search('file', 0)).toEqual([]);
    expect(index.search('file presentation weather', 2)).toHaveLength(2);
  });

  it('matches synonyms: "save" finds write_file, "slides" finds presentations', () => {
    const fs = TOOLS.slice(0, 2);
    expect(new ToolIndex(fs).search('save my notes', 1).map((h) => h.tool.original)).toEqual(['write_file']);
    expect(new ToolIndex(fs, { synonymWeight: 0 }).search('save my notes', 1)).toEqual([]);
    expect(top('make some slides', 3)).toContain('create_presentation');
  });

  it('matches a path in the query to tools taking a path', () => {
    expect(top('store it at /tmp/out/notes.txt', 1)).toEqual(['write_file']);
  });

  it('finds Chinese-described tools from English words through the glossary', () => {
    expect(top('hot news today', 1)).toEqual(['get-hot-news']);
  });

  it('lifts the producer of a consumer that ranks high', () => {
    const hits = top('find places nearby', 3);
    expect(hits[0]).toBe('find_nearby');
    expect(hits).toContain('geocode');
  });

  it('prefers a tool whose name the query spells out', () => {
    const filler = Array.from({ length: 8 }, (_, i) => t('f', `tool_${i}`, `Unrelated thing number ${i} about weather and files.`));
    const tools = [...filler, t('a', 'clock_sync', 'Time zone data: current offsets, time drift, daylight saving, time conversions.'), t('b', 'get_current_time', 'Returns it.')];
    expect(new ToolIndex(tools).search('what is the current time', 1)[0]!.tool.original).toBe('get_current_time');
    expect(new ToolIndex(tools, { nameCoverageWeight: 0 }).search('what is the current time', 1)[0]!.tool.original).toBe('clock_sync');
  });

  it('is deterministic, ties in catalog order', () => {
    const twins = new ToolIndex([t('a', 'x', 'same words'), t('b', 'x', 'same words')]);
    expect(twins.search('same words', 2).map((h) => h.tool.server)).toEqual(['a', 'b']);
  });

  it('can be built empty', () => {
    expect(new ToolIndex([]).search('anything', 5)).toEqual([]);
  });

  it('splits multi-step requests into clauses', () => {
    expect(splitClauses('Find papers. Then summarise them, and save it')).toEqual(['Find papers', 'summarise them', 'and save it']);
  });
});

describe('producer links', () => {
  const doc = (x: IndexedTool) => ({ nameTerms: terms(x.original), descriptionTerms: terms(x.description ?? ''), inputSchema: x.inputSchema });
  const tools = TOOLS.map(doc);
  const groups = [[3, 4, 5], [7, 8], [0, 1]];
  const links = producerLinks(tools, groups);

  it('links a creating verb to the tools that need its object', () => {
    expect(links[4]).toContain(3);
    expect(links[5]).toContain(3);
  });

  it('links a tool whose description names a required parameter it does not take', () => {
    expect(links[8]).toEqual([7]);
    expect(links[7]).toEqual([]);
  });

  it('never links across servers', () => {
    expect(links[0]).toEqual([]);
    expect(links[1]).toEqual([]);
  });
});
