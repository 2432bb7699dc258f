/** The input limits on raw JSON text (src/mcp/json-limits.ts) and exact ids (src/mcp/raw-id.ts). */
import { afterEach, describe, expect, it } from 'vitest';
import { JsonLimitError, configureJsonLimits, nestsDeeperThan, parseJson, topLevel } from '../../src/mcp/json-limits.js';
import { RAW_ID_MARK, restoreRawIds } from '../../src/mcp/raw-id.js';
import { MAX_JSON_DEPTH } from '../../src/config/defaults.js';

const nest = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;

afterEach(() => configureJsonLimits({ maxJsonDepth: MAX_JSON_DEPTH }));

describe('nestsDeeperThan', () => {
  it('counts objects and arrays alike, up to the limit and one past it', () => {
    expect(nestsDeeperThan(nest(10), 10)).toBe(false);
    expect(nestsDeeperThan(nest(11), 10)).toBe(true);
    expect(nestsDeeperThan(`${'{"a":'.repeat(11)}1${'}'.repeat(11)}`, 10)).toBe(true);
    expect(nestsDeeperThan(Buffer.from(nest(11)), 10)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ a: `${'['.repeat(50)}\\"${'{'.repeat(50)}` });
    expect(nestsDeeperThan(inString, 3)).toBe(false);
    expect(nestsDeeperThan(Buffer.from(inString), 3)).toBe(false);
    // An escaped backslash before a quote ends the string: the brackets after it count.
    expect(nestsDeeperThan(`["\\\\",${nest(5)}]`, 5)).toBe(true);
  });

  it('scans a million levels without overflowing its own stack', () => {
    expect(nestsDeeperThan(nest(1_000_000), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan('"unterminated [[[[', 1)).toBe(false);
  });
});

describe('parseJson', () => {
  it('refuses JSON past limits.maxJsonDepth with the limit named, and parses what is within it', () => {
    configureJsonLimits({ maxJsonDepth: 8 });
    expect(parseJson(nest(8))).toEqual(JSON.parse(nest(8)));
    const err = (() => {
      try {
        parseJson(`{"jsonrpc":"2.0","id":4,"method":"x","params":${nest(20)}}`);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(JsonLimitError);
    const limit = err as JsonLimitError;
    expect(limit.message).toBe('JSON nested deeper than 8 levels (limits.maxJsonDepth)');
    expect(limit.id()).toBe(4);
    expect(limit.isResponse()).toBe(false);
    expect(limit.toGatewayError().toJsonRpc()).toEqual({ code: -32600, message: 'Invalid Request: JSON nested deeper than 8 levels (limits.maxJsonDepth)', data: { limit: 'limits.maxJsonDepth', max: 8 } });
  });

  it('keeps a numeric id a JS number cannot hold as marked raw text, and leaves ordinary ids alone', () => {
    expect((parseJson('{"id":9007199254740993,"method":"m"}', true) as { id: unknown }).id).toBe(`${RAW_ID_MARK}9007199254740993`);
    expect((parseJson('{"id":1.50,"method":"m"}', true) as { id: unknown }).id).toBe(`${RAW_ID_MARK}1.50`);
    expect((parseJson('{"id":1.5,"method":"m"}', true) as { id: unknown }).id).toBe(1.5);
    expect((parseJson('{"id":9007199254740991,"method":"m"}', true) as { id: unknown }).id).toBe(9007199254740991);
    expect((parseJson('{"id":"9007199254740993","method":"m"}', true) as { id: unknown }).id).toBe('9007199254740993');
    expect((parseJson('{"id":9007199254740993}') as { id: unknown }).id).toBe(9007199254740992);
  });

  it('keeps each big id of a batch exactly', () => {
    const batch = parseJson('[{"id":1,"method":"a"}, {"id":9007199254740993,"method":"b","params":{"x":[1,{"id":2}]}}, {"id":"s","method":"c"}]', true) as Array<{ id: unknown }>;
    expect(batch.map((m) => m.id)).toEqual([1, `${RAW_ID_MARK}9007199254740993`, 's']);
  });

  it('refuses a string id that starts with the mark (it would go back as a number)', () => {
    expect(() => parseJson('{"id":"\\u0000#5","method":"m"}', true)).toThrow(JsonLimitError);
    expect(() => parseJson('[{"id":1,"method":"m"},{"id":"\\u0000#5","method":"m"}]', true)).toThrow(JsonLimitError);
  });

  it('still throws SyntaxError for text that is not JSON', () => {
    expect(() => parseJson('{"a":')).toThrow(SyntaxError);
  });
});

describe('topLevel', () => {
  it('reads the id and which members are present without parsing the values', () => {
    const text = `{"jsonrpc":"2.0", "result" : {"x":${nest(5000)}, "s":"}\\"{"}, "id" : 9007199254740993 }`;
    expect(topLevel(text)).toEqual({ idText: '9007199254740993', has: { method: false, result: true, error: false } });
    expect(topLevel(Buffer.from('{"id":"a,b}","method":"x"}'))).toEqual({ idText: '"a,b}"', has: { method: true, result: false, error: false } });
    expect(topLevel('[1,2]').idText).toBeUndefined();
  });
});

describe('restoreRawIds', () => {
  it('writes a marked id member back as its number, and nothing else', () => {
    const text = JSON.stringify({ jsonrpc: '2.0', id: `${RAW_ID_MARK}9007199254740993`, result: { id: 'plain', text: `${RAW_ID_MARK}x` } });
    expect(restoreRawIds(text)).toBe('{"jsonrpc":"2.0","id":9007199254740993,"result":{"id":"plain","text":"\\u0000#x"}}');
    const plain = '{"jsonrpc":"2.0","id":1,"result":{}}';
    expect(restoreRawIds(plain)).toBe(plain);
  });
});
