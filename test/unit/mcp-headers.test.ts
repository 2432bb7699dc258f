import { describe, expect, it } from 'vitest';
import { NAMED_METHODS, decodeHeaderValue, encodeHeaderValue, paramHeaderValue, paramHeaders, routingName } from '../../src/mcp/headers.js';

const b64 = (text: string) => `=?base64?${Buffer.from(text, 'utf8').toString('base64')}?=`;

describe('encodeHeaderValue', () => {
  it('passes visible ASCII with inner spaces and tabs through unchanged', () => {
    for (const value of ['get_weather', 'a b\tc', 'file:///tmp/x.txt?q=1&r=2', '~!@#$%^&*()', '']) {
      expect(encodeHeaderValue(value)).toBe(value);
    }
  });

  it('wraps non-ASCII text in the Base64 sentinel as UTF-8', () => {
    expect(encodeHeaderValue('café')).toBe('=?base64?Y2Fmw6k=?=');
    expect(encodeHeaderValue('日本')).toBe(b64('日本'));
  });

  it('wraps values that field parsing would alter: leading or trailing whitespace, control characters', () => {
    for (const value of [' lead', 'trail ', '\tlead', 'trail\t', 'line\nbreak', 'cr\r', 'del\x7f', 'nul\0']) {
      expect(encodeHeaderValue(value)).toBe(b64(value));
    }
  });

  it('wraps a value that already looks like a sentinel, so it is not decoded by mistake', () => {
    expect(encodeHeaderValue('=?base64?SGk=?=')).toBe(b64('=?base64?SGk=?='));
    // Only the full prefix+suffix shape is ambiguous.
    expect(encodeHeaderValue('=?base64?abc')).toBe('=?base64?abc');
  });
});

describe('decodeHeaderValue', () => {
  it('returns a value without the sentinel unchanged', () => {
    expect(decodeHeaderValue('plain')).toBe('plain');
    expect(decodeHeaderValue('=?base64?no-suffix')).toBe('=?base64?no-suffix');
    expect(decodeHeaderValue('')).toBe('');
  });

  it('decodes a sentinel value as UTF-8', () => {
    expect(decodeHeaderValue('=?base64?Y2Fmw6k=?=')).toBe('café');
    expect(decodeHeaderValue('=?base64?SGk=?=')).toBe('Hi');
    expect(decodeHeaderValue('=?base64?SGVsbG8=?=')).toBe('Hello');
    expect(decodeHeaderValue('=?base64??=')).toBe('');
  });

  it('round-trips every value encodeHeaderValue writes', () => {
    for (const value of ['x', ' padded ', '日本語', '=?base64?SGk=?=', 'tab\tinside', 'emoji 🎉', 'a\r\nb']) {
      expect(decodeHeaderValue(encodeHeaderValue(value))).toBe(value);
    }
  });

  it.each([
    ['a character outside the Base64 alphabet', '=?base64?SG$k?='],
    ['URL-safe alphabet', '=?base64?-_-_?='],
    ['a length that is not a multiple of 4', '=?base64?SGk?='],
    ['three padding characters', '=?base64?S===?='],
    ['padding in the middle', '=?base64?SGk=SGk=?='],
    ['inner whitespace', '=?base64?SG k=?='],
    ['a single padding character only', '=?base64?=?='],
  ])('refuses %s', (_what, value) => {
    expect(decodeHeaderValue(value)).toBeUndefined();
  });

  // BUG (src/mcp/headers.ts:29-30): the 2026-07-28 text requires a server to reject a sentinel
  // whose payload is not canonical Base64 or not valid UTF-8 (the SDK's decodeMcpParamValue does);
  // this decoder lets Buffer decode both leniently.
  it('refuses non-canonical Base64 (non-zero padding bits)', () => {
    expect(decodeHeaderValue('=?base64?SGl=?=')).toBeUndefined();
  });

  it('refuses a payload that is not valid UTF-8', () => {
    expect(decodeHeaderValue('=?base64?/w==?=')).toBeUndefined();
  });
});

describe('routingName', () => {
  it('mirrors params.name for tools/call and prompts/get, params.uri for resources/read', () => {
    expect(NAMED_METHODS).toEqual({ 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' });
    expect(routingName('tools/call', { name: 'search', arguments: {} })).toBe('search');
    expect(routingName('prompts/get', { name: 'greet' })).toBe('greet');
    expect(routingName('resources/read', { uri: 'file:///a', name: 'ignored' })).toBe('file:///a');
  });

  it('is undefined for other methods and for a missing or non-string field', () => {
    expect(routingName('tools/list', { name: 'x' })).toBeUndefined();
    expect(routingName('tools/call', undefined)).toBeUndefined();
    expect(routingName('tools/call', { name: 7 })).toBeUndefined();
    expect(routingName('resources/read', { name: 'file:///a' })).toBeUndefined();
  });
});

describe('paramHeaders', () => {
  it('collects annotations reachable through chains of properties, at any depth', () => {
    const schema = {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        options: {
          type: 'object',
          properties: {
            tenant: { type: 'string', 'x-mcp-header': 'Tenant-Id' },
            deep: { type: 'object', properties: { flag: { type: 'boolean', 'x-mcp-header': 'Flag' } } },
          },
        },
        plain: { type: 'string' },
      },
    };
    expect(paramHeaders(schema)).toEqual([
      { header: 'Region', path: ['region'] },
      { header: 'Tenant-Id', path: ['options', 'tenant'] },
      { header: 'Flag', path: ['options', 'deep', 'flag'] },
    ]);
  });

  it('ignores annotations under items, combinators, additionalProperties, $defs and at the root', () => {
    const schema = {
      'x-mcp-header': 'Root',
      properties: {
        list: { type: 'array', items: { type: 'string', 'x-mcp-header': 'Item' } },
        either: { anyOf: [{ type: 'string', 'x-mcp-header': 'AnyOf' }] },
        map: { type: 'object', additionalProperties: { type: 'string', 'x-mcp-header': 'Extra' } },
      },
      $defs: { d: { type: 'string', 'x-mcp-header': 'Def' } },
    };
    expect(paramHeaders(schema)).toEqual([]);
  });

  it('ignores header names that are not RFC 9110 tokens, or not strings', () => {
    const schema = {
      properties: {
        a: { 'x-mcp-header': 'has space' },
        b: { 'x-mcp-header': 'colon:' },
        c: { 'x-mcp-header': '' },
        d: { 'x-mcp-header': 42 },
        e: { 'x-mcp-header': 'Ok_Name.1' },
      },
    };
    expect(paramHeaders(schema)).toEqual([{ header: 'Ok_Name.1', path: ['e'] }]);
  });

  it('yields nothing for schemas that are not objects or have malformed properties', () => {
    expect(paramHeaders(undefined)).toEqual([]);
    expect(paramHeaders('schema')).toEqual([]);
    expect(paramHeaders({ properties: [{ 'x-mcp-header': 'X' }] })).toEqual([]);
    expect(paramHeaders({ properties: { a: 'not a schema' } })).toEqual([]);
  });
});

describe('paramHeaderValue', () => {
  const args = { s: 'eu-west', u: 'Zürich', t: true, f: false, i: 42, neg: -7, zero: 0, nested: { deep: { v: 'x' } }, nil: null, arr: [1], obj: {} };

  it('converts strings (sentinel-encoded where needed), booleans and safe integers', () => {
    expect(paramHeaderValue(args, ['s'])).toBe('eu-west');
    expect(paramHeaderValue(args, ['u'])).toBe(b64('Zürich'));
    expect(paramHeaderValue(args, ['t'])).toBe('true');
    expect(paramHeaderValue(args, ['f'])).toBe('false');
    expect(paramHeaderValue(args, ['i'])).toBe('42');
    expect(paramHeaderValue(args, ['neg'])).toBe('-7');
    expect(paramHeaderValue(args, ['zero'])).toBe('0');
    expect(paramHeaderValue(args, ['nested', 'deep', 'v'])).toBe('x');
  });

  it('is undefined for absent, null and non-primitive values, and for paths through non-objects', () => {
    expect(paramHeaderValue(args, ['missing'])).toBeUndefined();
    expect(paramHeaderValue(args, ['nil'])).toBeUndefined();
    expect(paramHeaderValue(args, ['arr'])).toBeUndefined();
    expect(paramHeaderValue(args, ['obj'])).toBeUndefined();
    expect(paramHeaderValue(args, ['s', 'length'])).toBeUndefined();
    expect(paramHeaderValue(undefined, ['s'])).toBeUndefined();
  });

  it('is undefined for numbers a header cannot carry exactly (unsafe integers, non-finite)', () => {
    expect(paramHeaderValue({ n: 2 ** 53 }, ['n'])).toBeUndefined();
    expect(paramHeaderValue({ n: Number.POSITIVE_INFINITY }, ['n'])).toBeUndefined();
  });

  it('is undefined for fractional numbers (x-mcp-header admits integer, string and boolean types only)', () => {
    expect(paramHeaderValue({ n: 1.5 }, ['n'])).toBeUndefined();
  });
});
