import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import AjvModule from 'ajv';
import Ajv2020Module from 'ajv/dist/2020.js';
import { briefDescription, compactTool, tidyText } from '../../src/context/compact.js';

// ajv ships CommonJS with a `default` export; under NodeNext the import is the module object.
type AjvClass = new (options: Record<string, unknown>) => { compile(schema: unknown): (data: unknown) => boolean };
const Ajv = ((AjvModule as unknown as { default?: unknown }).default ?? AjvModule) as unknown as AjvClass;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as unknown as AjvClass;

const CATALOG = path.resolve(import.meta.dirname, '../../../shared/data/context/livemcpbench-tools.json');
type Json = Record<string, unknown>;
const tool = (inputSchema: Json, extra: Json = {}): Json => ({ name: 's__t', description: 'Does a thing.', inputSchema, ...extra });
const schemaOf = (t: Json) => compactTool(t).inputSchema as Json;

describe('compactTool rules', () => {
  it('C1 strips indentation and repeated blank lines from descriptions', () => {
    expect(tidyText('\n    Line one.\n\n\n    Line  two.\n  ')).toBe('Line one.\n\nLine two.');
    expect(compactTool(tool({ type: 'object' }, { description: '  Hi\n\n\n  there ' })).description).toBe('Hi\n\nthere');
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

  it('C4 and C11 drop null and empty defaults, keep meaningful ones', () => {
    const s = schemaOf(tool({ type: 'object', properties: { a: { type: 'string', default: null }, b: { type: 'string', default: '' }, c: { type: 'boolean', default: false }, d: { type: 'boolean', default: true }, e: { type: 'integer', default: 5 } } }));
    expect(s.properties).toEqual({ a: { type: 'string' }, b: { type: 'string' }, c: { type: 'boolean' }, d: { type: 'boolean', default: true }, e: { type: 'integer', default: 5 } });
  });

  it('C5 folds anyOf [X, null] into a type list when X only has keywords of its type', () => {
    const s = schemaOf(tool({ type: 'object', properties: { a: { anyOf: [{ type: 'array', items: { type: 'string' }, minItems: 1 }, { type: 'null' }], description: 'Genes' } } }));
    expect(s.properties).toEqual({ a: { type: ['array', 'null'], items: { type: 'string' }, minItems: 1, description: 'Genes' } });
    // enum would reject null: not folded.
    const e = schemaOf(tool({ type: 'object', properties: { a: { anyOf: [{ type: 'string', enum: ['x'] }, { type: 'null' }] } } }));
    expect((e.properties as Json).a).toEqual({ anyOf: [{ type: 'string', enum: ['x'] }, { type: 'null' }] });
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

  it('C9 keeps the Args block when it documents something the schema lacks', () => {
    const desc = `Do it.\n\nArgs:\n    ghost: not a parameter, but documented here at length: ${'words '.repeat(40)}`;
    expect(compactTool(tool({ type: 'object', properties: { a: { type: 'string' } } }, { description: desc })).description).toBe(`Do it.\nArgs:\nghost: not a parameter, but documented here at length: ${'words '.repeat(40).trim()}`);
  });

  it('C10 keeps the first paragraph and later sentences that name a parameter or state a rule', () => {
    const text = 'Reads a file from disk and returns its content as text to the caller.\n\nThis is handy for many things and people love it. Pass offset to skip lines. Paths must be absolute. It was written in 2024 by a team of enthusiasts who care.\n\nReturns:\nThe text.';
    expect(briefDescription(text, ['offset', 'path'])).toBe('Reads a file from disk and returns its content as text to the caller.\nPass offset to skip lines.\nPaths must be absolute.');
    expect(briefDescription('Short one.', [])).toBe('Short one.');
  });

  it('C12 drops a description clause that restates the default', () => {
    const s = schemaOf(tool({ type: 'object', properties: { w: { type: 'number', default: 600, description: 'Chart width, default is 600.' }, p: { type: 'string', default: '1mo', description: 'Period. Defaults to "1mo". Valid: "1d", "1mo"' }, n: { type: 'integer', default: 5, description: 'Count, default is 50.' } } }));
    expect(s.properties).toEqual({
      w: { type: 'number', default: 600, description: 'Chart width' },
      p: { type: 'string', default: '1mo', description: 'Period. Valid: "1d", "1mo"' },
      n: { type: 'integer', default: 5, description: 'Count, default is 50.' },
    });
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
