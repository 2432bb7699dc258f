import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import AjvModule from 'ajv';
import Ajv2020Module from 'ajv/dist/2020.js';
import { briefDescription, compactTool, tidyText } from '../../src/context/compact.js';
import { dropEnumList, joinSentenceLines, restatesNames } from '../../src/context/compact-text.js';

// ajv ships CommonJS with a `default` export; under NodeNext the import is the module object.
type AjvClass = new (options: Record<string, unknown>) => { compile(schema: unknown): (data: unknown) => boolean };
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as AjvClass;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as AjvClass;

// Vendored with its licence and NOTICE: tests read only files inside the repository.
const CATALOG = path.resolve(import.meta.dirname, '../fixtures/livemcpbench/livemcpbench-tools.json');
type Json = Record<string, unknown>;
const tool = (inputSchema: Json, extra: Json = {}): Json => ({ name: 's__t', description: 'Does a thing.', inputSchema, ...extra });
const schemaOf = (t: Json) => compactTool(t).inputSchema as Json;

describe('compactTool rules', () => {
  it('C1 strips indentation and repeated blank lines from descriptions', () => {
    expect(tidyText('\n    Line one.\n\n\n    Line  two.\n  ')).toBe('Line one.\n\nLine two.');
    expect(compactTool(tool({ type: 'object' }, { description: '  Hi\n\n\n  there ' })).description).toBe('Hi\n\nthere');
  });

  it('C1 joins a line wrapped mid-sentence, not list items, entries or short lines', () => {
    expect(tidyText('Each call should change only what\n    needs to be changed.')).toBe('Each call should change only what needs to be changed.');
    expect(tidyText('Args:\n    query: the search text\n    limit: how many')).toBe('Args:\nquery: the search text\nlimit: how many');
    expect(tidyText('Pick one of:\nred\ngreen')).toBe('Pick one of:\nred\ngreen');
    expect(tidyText('Takes a name and a\n- list item')).toBe('Takes a name and a\n- list item');
  });

  it('C1 turns a line break after a full sentence into a space, keeping list and heading breaks', () => {
    expect(joinSentenceLines('Only works within allowed directories.\nIMPORTANT: Always use absolute paths.')).toBe('Only works within allowed directories.\nIMPORTANT: Always use absolute paths.');
    expect(joinSentenceLines('Reads a file. Handles encodings.\nUse head to read the first lines.')).toBe('Reads a file. Handles encodings. Use head to read the first lines.');
    expect(joinSentenceLines('Metadata of a file.\n- size\n- type')).toBe('Metadata of a file.\n- size\n- type');
    expect(joinSentenceLines('Does it.\nFormats:\n- a')).toBe('Does it.\nFormats:\n- a');
    expect(joinSentenceLines('第一句。\n第二句。')).toBe('第一句。第二句。');
  });

  it('C2 drops $schema only when draft-07 and 2020-12 read the schema the same', () => {
    expect(schemaOf(tool({ type: 'object', $schema: 'http://json-schema.org/draft-07/schema#' }))).toEqual({ type: 'object' });
    const tuple = { type: 'object', properties: { p: { type: 'array', items: [{ type: 'string' }] } }, $schema: 'http://json-schema.org/draft-07/schema#' };
    expect(schemaOf(tool(tuple)).$schema).toBe('http://json-schema.org/draft-07/schema#');
    const refSibling = { type: 'object', properties: { p: { $ref: '#/definitions/x', type: 'string' } }, definitions: { x: {} }, $schema: 'http://json-schema.org/draft-07/schema#' };
    expect(schemaOf(tool(refSibling)).$schema).toBeDefined();
    expect(schemaOf(tool({ type: 'object', $schema: 'http://json-schema.org/draft-04/schema#' })).$schema).toBeDefined();
  });

  it('C3 drops titles that restate the property or tool name, keeps informative ones', () => {
    const s = schemaOf(tool({ type: 'object', title: 's__tArguments', properties: { page_size: { type: 'integer', title: 'Page Size' }, q: { type: 'string', title: 'Search text' } } }));
    expect(s).toEqual({ type: 'object', properties: { page_size: { type: 'integer' }, q: { type: 'string', title: 'Search text' } } });
    expect(compactTool(tool({ type: 'object' }, { title: 'S T' })).title).toBeUndefined();
    expect(compactTool(tool({ type: 'object' }, { title: 'Fancy tool' })).title).toBe('Fancy tool');
  });

  it('C3 drops generated root titles of name-spaced tools, keeps other titles', () => {
    const root = (name: string, title: string) => (compactTool({ name, inputSchema: { type: 'object', title } }).inputSchema as Json).title;
    expect(root('biomcp__search', 'searchArguments')).toBeUndefined();
    expect(root('git__git_status', 'GitStatus')).toBeUndefined();
    expect(root('fetch__fetch', 'Fetch')).toBeUndefined();
    expect(root('s__t', 'Input')).toBeUndefined();
    expect(root('git__git_status', 'Repository state')).toBe('Repository state');
    expect(root('git__git_status', 'GitLog')).toBe('GitLog');
    expect(compactTool({ name: 'arxiv__search_papers', title: 'Search Papers', inputSchema: { type: 'object' } }).title).toBeUndefined();
  });

  it('C4 and C11 drop null and empty defaults, keep meaningful ones', () => {
    const s = schemaOf(tool({ type: 'object', properties: { a: { type: 'string', default: null }, b: { type: 'string', default: '' }, c: { type: 'boolean', default: false }, d: { type: 'boolean', default: true }, e: { type: 'integer', default: 5 } } }));
    expect(s.properties).toEqual({ a: { type: 'string' }, b: { type: 'string' }, c: { type: 'boolean' }, d: { type: 'boolean', default: true }, e: { type: 'integer', default: 5 } });
  });

  it('C5 folds anyOf [X, null] into a type list when X only has keywords of its type', () => {
    const s = schemaOf(tool({ type: 'object', properties: { a: { anyOf: [{ type: 'array', items: { type: 'string' }, minItems: 1 }, { type: 'null' }], description: 'Genes' } } }));
    expect(s.properties).toEqual({ a: { type: ['array', 'null'], items: { type: 'string' }, minItems: 1, description: 'Genes' } });
    // a `not` or a second constrained type: not folded.
    const n = schemaOf(tool({ type: 'object', properties: { a: { anyOf: [{ type: 'number' }, { not: {} }, { type: 'null' }] } } }));
    expect((n.properties as Json).a).toEqual({ anyOf: [{ type: 'number' }, { not: {} }, { type: 'null' }] });
  });

  it('C6 turns anyOf of bare types into a type list', () => {
    const s = schemaOf(tool({ type: 'object', properties: { a: { anyOf: [{ type: 'string' }, { type: 'number' }], description: 'x' } } }));
    expect((s.properties as Json).a).toEqual({ type: ['string', 'number'], description: 'x' });
  });

  it('C7 turns anyOf of consts into an enum and keeps their descriptions', () => {
    const s = schemaOf(tool({ type: 'object', properties: { k: { anyOf: [{ type: 'string', const: 'hot', description: 'Popular' }, { type: 'string', const: 'new' }], default: 'hot', description: 'Kind' } } }));
    expect((s.properties as Json).k).toEqual({ type: 'string', enum: ['hot', 'new'], default: 'hot', description: 'Kind ("hot": Popular)' });
  });

  it('C8 drops keywords that validate nothing', () => {
    const s = schemaOf(tool({ type: 'object', required: [], additionalProperties: true, $comment: 'x', properties: { a: { type: 'array', items: {} } } }));
    expect(s).toEqual({ type: 'object', properties: { a: { type: 'array' } } });
    expect(schemaOf(tool({ type: 'object', additionalProperties: false })).additionalProperties).toBe(false);
  });

  it('C9 moves an Args block into the parameters it documents', () => {
    const t = compactTool(tool({ type: 'object', properties: { address: { type: 'string' } }, required: ['address'] }, { description: 'Geocode a place.\n\nArgs:\n    address: The place name,\n        or street address\n\nReturns:\n    Coordinates' }));
    expect(t.description).toBe('Geocode a place.\n\nReturns:\nCoordinates');
    expect(((t.inputSchema as Json).properties as Json).address).toEqual({ type: 'string', description: 'The place name, or street address' });
  });

  it('C9 ends the Args block at "Example <param>:", so the example is not appended to the last entry', () => {
    const desc = 'Create slides.\n\nArgs:\n    sequence: Templates to use\n    deck_id: Deck ID (uses current if None)\n\nExample sequence:\n[\n    {"template_id": "title"}\n]';
    const t = compactTool(tool({ type: 'object', properties: { sequence: { type: 'array' }, deck_id: { type: 'string' } } }, { description: desc }));
    expect(((t.inputSchema as Json).properties as Json).deck_id).toEqual({ type: 'string', description: 'Deck ID (uses current if None)' });
  });

  it('C9 keeps the Args block when it documents something the schema lacks', () => {
    const desc = `Do it.\n\nArgs:\n    ghost: not a parameter, but documented here at length: ${'words '.repeat(40)}`;
    expect(compactTool(tool({ type: 'object', properties: { a: { type: 'string' } } }, { description: desc })).description).toBe(`Do it.\nArgs:\nghost: not a parameter, but documented here at length: ${'words '.repeat(40).trim()}`);
  });

  it('C10 keeps the first paragraph and later sentences that name a parameter or state a rule', () => {
    const text = 'Reads a file from disk and returns its content as text to the caller.\n\nThis is handy for many things and people love it. Pass offset to skip lines. Paths must be absolute. It was written in 2024 by a team of enthusiasts who care.\n\nReturns:\nThe text.';
    expect(briefDescription(text, ['offset', 'path'])).toBe('Reads a file from disk and returns its content as text to the caller.\nPass offset to skip lines.\nPaths must be absolute.');
    expect(briefDescription('Short one.', [])).toBe('Short one.');
  });

  it('C10 drops markdown and "Response Format:" output sections, and reads a code comment as code', () => {
    const text = `Fetch one record by its identifier, from any of the three databases.\n\n## RETURN FORMAT:\nAll operations return a standardized format:\n- id\n\n## NOTES ON CALLING:\nThe id must be exact.\n\nResponse Format:\n- Return the selected ID in a clearly marked section (format it in bold)\n\n## Example:\n\`\`\`python\n# Initial analysis\nfetch(id="1")  # the format is free\n\`\`\``;
    expect(briefDescription(text, ['id'])).toBe('Fetch one record by its identifier, from any of the three databases.\nThe id must be exact.');
  });

  it('C10 keeps the list under a format or syntax heading whole', () => {
    const text = 'Build context from a memory URI to continue earlier conversations naturally, with related notes.\n\nMemory URL Format:\n- Use paths like "folder/note"\n- Avoid: double slashes (//)\n\nThis is loved by many users around the world.';
    expect(briefDescription(text, ['url'])).toBe('Build context from a memory URI to continue earlier conversations naturally, with related notes.\nMemory URL Format:\n- Use paths like "folder/note"\n- Avoid: double slashes (//)');
  });

  it('C12 drops a description clause that restates the default', () => {
    const s = schemaOf(tool({ type: 'object', properties: { w: { type: 'number', default: 600, description: 'Chart width, default is 600.' }, p: { type: 'string', default: '1mo', description: 'Period. Defaults to "1mo". Valid: "1d", "1mo"' }, n: { type: 'integer', default: 5, description: 'Count, default is 50.' } } }));
    expect(s.properties).toEqual({
      w: { type: 'number', default: 600, description: 'Chart width' },
      p: { type: 'string', default: '1mo', description: 'Period. Valid: "1d", "1mo"' },
      n: { type: 'integer', default: 5, description: 'Count, default is 50.' },
    });
  });

  it('C13 drops descriptions that only restate the names, the type or optionality', () => {
    expect(restatesNames('The ID of the story', ['hackernews__getStory', 'id'])).toBe(true);
    expect(restatesNames('Number of adults', ['airbnb__airbnb_search', 'adults'], ['number'])).toBe(true);
    expect(restatesNames('Set the x-axis title of chart.', ['chart__generate_bar_chart', 'axisXTitle'], ['string'])).toBe(true);
    expect(restatesNames('Whether to include comments', ['s__t', 'includeComments'], ['boolean'])).toBe(true);
    expect(restatesNames('Set the theme for the chart, optional', ['chart__generate_bar_chart', 'theme'], ['string'], true)).toBe(true);
    // what must stay: a word the names lack, a format, a number, other scripts, optional on a required parameter.
    expect(restatesNames('Stock symbol in Yahoo Finance format.', ['yahoo-finance__get_news', 'symbol'], ['string'])).toBe(false);
    expect(restatesNames('Whether to include descriptive comments in generated tests', ['s__t', 'includeComments'], ['boolean'])).toBe(false);
    expect(restatesNames('Page number (1-based)', ['s__search', 'page'], ['integer'])).toBe(false);
    expect(restatesNames('Upper bound', ['s__t', 'upper_bound'])).toBe(true);
    expect(restatesNames('Upper bound (exclusive)', ['s__t', 'upper_bound'])).toBe(false);
    expect(restatesNames('搜索关键词', ['s__search', 'query'])).toBe(false);
    expect(restatesNames('Optional theme for the chart', ['chart__generate_bar_chart', 'theme'], ['string'], false)).toBe(false);
    const s = schemaOf({ name: 'hackernews__getStory', inputSchema: { type: 'object', properties: { id: { type: 'number', description: 'The ID of the story' }, depth: { type: 'number', description: 'Depth of replies, 0 for none' } }, required: ['id'] } });
    expect(s.properties).toEqual({ id: { type: 'number' }, depth: { type: 'number', description: 'Depth of replies, 0 for none' } });
    expect(compactTool({ name: 'word-document-server__add_table', description: 'Add a table to a Word document.', inputSchema: { type: 'object' } }).description).toBeUndefined();
  });

  it('C14 drops a list in a description made only of the enum values', () => {
    expect(dropEnumList('SafeSearch level (strict, moderate, off)', ['strict', 'moderate', 'off'])).toBe('SafeSearch level');
    expect(dropEnumList('Time period for trends. Options: "last-week", "last-month"', ['last-week', 'last-month', 'last-year'])).toBe('Time period for trends');
    expect(dropEnumList('The region to search in (e.g., KR, NA, EUW).', ['KR', 'NA', 'EUW', 'JP'])).toBe('The region to search in.');
    expect(dropEnumList("The optional value can be 'column' or 'line'.", ['column', 'line'])).toBe('');
    // an item the enum lacks, or a list that is not at the end of a sentence, stays.
    expect(dropEnumList('Shape (circle, star)', ['circle', 'rect'])).toBe('Shape (circle, star)');
    expect(dropEnumList('Sort entries by name or size', ['name', 'size'])).toBe('Sort entries by name or size');
    const s = schemaOf(tool({ type: 'object', properties: { unit: { type: 'string', enum: ['mm', 'inch'], description: 'Precipitation unit (mm or inch)' } } }));
    expect((s.properties as Json).unit).toEqual({ type: 'string', enum: ['mm', 'inch'], description: 'Precipitation unit' });
  });

  it('C15 merges anyOf branches of distinct types whose keywords constrain only their own type', () => {
    const s = schemaOf(tool({ type: 'object', properties: {
      genes: { anyOf: [{ items: { type: 'string' }, type: 'array' }, { type: 'string' }, { type: 'null' }], description: 'Gene symbols' },
      domain: { anyOf: [{ enum: ['article', 'trial'], type: 'string' }, { type: 'null' }] },
      pages: { anyOf: [{ type: 'array', minItems: 1 }, { type: 'string', minLength: 1 }] },
      n: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'number' }] },
      twice: { anyOf: [{ type: 'string', description: 'a' }, { type: 'null', description: 'b' }] },
      e2: { anyOf: [{ enum: ['a'], type: 'string' }, { type: 'integer' }] },
    } }));
    const p = s.properties as Json;
    expect(p.genes).toEqual({ type: ['array', 'string', 'null'], items: { type: 'string' }, description: 'Gene symbols' });
    expect(p.domain).toEqual({ type: ['string', 'null'], enum: ['article', 'trial', null] });
    expect(p.pages).toEqual({ type: ['array', 'string'], minItems: 1, minLength: 1 });
    // an integer bound would reach numbers; two descriptions would collide; an enum would reject every integer.
    expect(p.n).toEqual({ anyOf: [{ type: 'integer', minimum: 1 }, { type: 'number' }] });
    expect(p.twice).toEqual({ anyOf: [{ type: 'string', description: 'a' }, { type: 'null', description: 'b' }] });
    expect(p.e2).toEqual({ anyOf: [{ enum: ['a'], type: 'string' }, { type: 'integer' }] });
  });

  it('is pure and keeps key order', () => {
    const input = tool({ type: 'object', properties: { a: { type: 'string', title: 'A' } }, $schema: 'http://json-schema.org/draft-07/schema#' });
    const copy = structuredClone(input);
    const out = compactTool(input);
    expect(input).toEqual(copy);
    expect(Object.keys(out)).toEqual(['name', 'description', 'inputSchema']);
    expect(compactTool(input)).toEqual(out);
  });
});

/** Instances that probe a schema: a filled-in object, then each property set to values of every kind. */
function samples(schema: unknown, depth = 0): unknown[] {
  const base: unknown[] = [null, true, 0, -1, 2.5, 3, 1e9, '', 'abc', 'x'.repeat(300), [], ['abc'], [1], {}, { k: 'v' }];
  if (typeof schema !== 'object' || schema === null || depth > 3) return base;
  const s = schema as Json;
  const out = [...base];
  if (Array.isArray(s.enum)) out.push(...s.enum);
  if ('const' in s) out.push(s.const);
  if ('default' in s) out.push(s.default);
  for (const k of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(s[k])) for (const b of s[k] as unknown[]) out.push(...samples(b, depth + 1).slice(base.length));
  if (typeof s.items === 'object' && s.items !== null) out.push(...samples(s.items, depth + 1).map((v) => [v]));
  if (typeof s.properties === 'object' && s.properties !== null) out.push(filled(s, depth + 1));
  return out;
}

function filled(s: Json, depth: number): Json {
  const obj: Json = {};
  for (const [k, sub] of Object.entries((s.properties as Json) ?? {})) {
    const c = samples(sub, depth).slice(15);
    obj[k] = c.length > 0 ? c[0] : 'abc';
  }
  return obj;
}

function instances(schema: Json): unknown[] {
  const out: unknown[] = [null, 'str', [], {}];
  const base = filled(schema, 0);
  out.push(base, { ...base, extra_property: 1 });
  const props = Object.entries((schema.properties as Json) ?? {});
  for (const [k, sub] of props) {
    const { [k]: _omit, ...without } = base;
    out.push(without);
    for (const v of samples(sub)) out.push({ ...base, [k]: v });
  }
  return out;
}

describe('compactTool keeps validation identical on the LiveMCPBench catalog', () => {
  const catalog = JSON.parse(readFileSync(CATALOG, 'utf8')).tools as Array<{ server: string; name: string; description?: string; inputSchema: Json }>;
  const ajv07 = new Ajv({ strict: false, validateFormats: false, validateSchema: false });
  const ajv2020 = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false });

  it('compiles and compares every tool', () => {
    let checked = 0;
    let instancesChecked = 0;
    let invalid = 0;
    for (const t of catalog) {
      const original = t.inputSchema;
      const compacted = compactTool({ name: `${t.server}__${t.name}`, description: t.description, inputSchema: original }).inputSchema as Json;
      // A client reads a schema without $schema as 2020-12 (MCP 2025-11-25): check the compacted one that way when C2 removed it.
      const dialectDropped = typeof original.$schema === 'string' && compacted.$schema === undefined;
      const { $schema: _a, ...o } = original;
      const { $schema: _b, ...c } = compacted;
      let vo: (x: unknown) => boolean;
      try {
        vo = ajv07.compile(o);
      } catch {
        // Not a valid draft-07 schema (read_pdf's draft-04 `exclusiveMinimum: true`): compaction must leave it as invalid, not reinterpret it.
        expect(() => (dialectDropped ? ajv2020 : ajv07).compile(c)).toThrow();
        invalid++;
        continue;
      }
      const vc = (dialectDropped ? ajv2020 : ajv07).compile(c);
      for (const instance of instances(original)) {
        const a = vo(instance);
        const b = vc(instance);
        if (a !== b) throw new Error(`${t.server}/${t.name}: ${JSON.stringify(instance).slice(0, 200)} original=${a} compacted=${b}`);
        instancesChecked++;
      }
      checked++;
    }
    expect(checked + invalid).toBe(catalog.length);
    expect(invalid).toBeLessThanOrEqual(1);
    expect(instancesChecked).toBeGreaterThan(10_000);
  });
});
