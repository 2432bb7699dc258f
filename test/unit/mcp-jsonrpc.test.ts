import { describe, expect, it } from 'vitest';
import { classify, failure, isFailure, isObject, metaOf, success } from '../../src/mcp/jsonrpc.js';

const NOT_OBJECT = 'a JSON-RPC message must be a JSON object';
const BAD_VERSION = 'the "jsonrpc" member must be exactly "2.0"';
const BAD_METHOD = 'the "method" member must be a non-empty string';
const BAD_PARAMS = 'the "params" member must be an object when present';
const BAD_REQUEST_ID = 'a request "id" must be a string or a number (not null)';
const BAD_RESPONSE_ID = 'a response "id" must be a string or a number';
const BAD_RESULT = 'a response "result" must be an object';
const BAD_ERROR = 'a response "error" must have a numeric code and a string message';
const NO_KIND = 'a JSON-RPC message needs a "method", a "result" or an "error"';

describe('classify', () => {
  it.each([null, 'text', 42, true, [], [{ jsonrpc: '2.0', method: 'ping', id: 1 }]])('refuses a non-object (%j)', (value) => {
    expect(classify(value)).toEqual({ kind: 'invalid', reason: NOT_OBJECT, id: null });
  });

  it('refuses a missing or wrong jsonrpc member, keeping a usable id for the error reply', () => {
    expect(classify({ id: 7, method: 'ping' })).toEqual({ kind: 'invalid', reason: BAD_VERSION, id: 7 });
    expect(classify({ jsonrpc: '1.0', id: 'a', method: 'ping' })).toEqual({ kind: 'invalid', reason: BAD_VERSION, id: 'a' });
    expect(classify({ jsonrpc: 2.0, id: 1, method: 'ping' })).toEqual({ kind: 'invalid', reason: BAD_VERSION, id: 1 });
  });

  it('reports id null when the id itself is unusable (null, boolean, object, non-finite)', () => {
    for (const id of [null, true, { n: 1 }, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(classify({ jsonrpc: '1.0', id, method: 'ping' })).toEqual({ kind: 'invalid', reason: BAD_VERSION, id: null });
    }
  });

  it('classifies a request, keeping the very object it was given', () => {
    const value = { jsonrpc: '2.0', id: 0, method: 'tools/list', params: { cursor: 'x' } };
    const c = classify(value);
    expect(c).toEqual({ kind: 'request', message: value });
    if (c.kind === 'request') expect(c.message).toBe(value);
  });

  it('accepts string and negative/fractional numeric ids', () => {
    expect(classify({ jsonrpc: '2.0', id: 'abc', method: 'ping' }).kind).toBe('request');
    expect(classify({ jsonrpc: '2.0', id: -1.5, method: 'ping' }).kind).toBe('request');
    expect(classify({ jsonrpc: '2.0', id: '', method: 'ping' }).kind).toBe('request');
  });

  it('classifies a notification only when the id member is absent', () => {
    const value = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(classify(value)).toEqual({ kind: 'notification', message: value });
  });

  it('refuses a request whose id is present but null or not a string/number', () => {
    expect(classify({ jsonrpc: '2.0', id: null, method: 'ping' })).toEqual({ kind: 'invalid', reason: BAD_REQUEST_ID, id: null });
    expect(classify({ jsonrpc: '2.0', id: false, method: 'ping' })).toEqual({ kind: 'invalid', reason: BAD_REQUEST_ID, id: null });
    expect(classify({ jsonrpc: '2.0', id: [1], method: 'ping' })).toEqual({ kind: 'invalid', reason: BAD_REQUEST_ID, id: null });
  });

  it('refuses an empty or non-string method', () => {
    expect(classify({ jsonrpc: '2.0', id: 3, method: '' })).toEqual({ kind: 'invalid', reason: BAD_METHOD, id: 3 });
    expect(classify({ jsonrpc: '2.0', id: 3, method: 12 })).toEqual({ kind: 'invalid', reason: BAD_METHOD, id: 3 });
    expect(classify({ jsonrpc: '2.0', method: null })).toEqual({ kind: 'invalid', reason: BAD_METHOD, id: null });
  });

  it('refuses params that are not an object (arrays included: MCP params are by-name)', () => {
    expect(classify({ jsonrpc: '2.0', id: 4, method: 'x', params: [1, 2] })).toEqual({ kind: 'invalid', reason: BAD_PARAMS, id: 4 });
    expect(classify({ jsonrpc: '2.0', id: 4, method: 'x', params: null })).toEqual({ kind: 'invalid', reason: BAD_PARAMS, id: 4 });
    expect(classify({ jsonrpc: '2.0', method: 'x', params: 'p' })).toEqual({ kind: 'invalid', reason: BAD_PARAMS, id: null });
  });

  it('checks method before params, params before id', () => {
    expect(classify({ jsonrpc: '2.0', id: null, method: '', params: 1 })).toMatchObject({ reason: BAD_METHOD });
    expect(classify({ jsonrpc: '2.0', id: null, method: 'x', params: 1 })).toMatchObject({ reason: BAD_PARAMS });
  });

  it('classifies success and error responses', () => {
    const ok = { jsonrpc: '2.0', id: 5, result: {} };
    expect(classify(ok)).toEqual({ kind: 'response', message: ok });
    const err = { jsonrpc: '2.0', id: 'r', error: { code: -32601, message: 'nope', data: { x: 1 } } };
    expect(classify(err)).toEqual({ kind: 'response', message: err });
    const nullId = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse' } };
    expect(classify(nullId)).toEqual({ kind: 'response', message: nullId });
  });

  it('reads an error response without any id as id null, without mutating the input', () => {
    const value = { jsonrpc: '2.0', error: { code: -32600, message: 'bad' } };
    expect(classify(value)).toEqual({ kind: 'response', message: { jsonrpc: '2.0', error: { code: -32600, message: 'bad' }, id: null } });
    expect('id' in value).toBe(false);
  });

  it('refuses a success response without an id or with an unusable one', () => {
    expect(classify({ jsonrpc: '2.0', result: {} })).toEqual({ kind: 'invalid', reason: BAD_RESPONSE_ID, id: null });
    expect(classify({ jsonrpc: '2.0', id: true, result: {} })).toEqual({ kind: 'invalid', reason: BAD_RESPONSE_ID, id: null });
    expect(classify({ jsonrpc: '2.0', id: { a: 1 }, error: { code: 1, message: 'm' } })).toEqual({ kind: 'invalid', reason: BAD_RESPONSE_ID, id: null });
  });

  it('refuses a result that is not an object', () => {
    for (const result of [null, 1, 'ok', [], true]) {
      expect(classify({ jsonrpc: '2.0', id: 9, result })).toEqual({ kind: 'invalid', reason: BAD_RESULT, id: 9 });
    }
  });

  it('refuses an error without a numeric code and a string message', () => {
    for (const error of [null, 'boom', { code: '1', message: 'm' }, { code: 1 }, { message: 'm' }, { code: 1, message: 2 }]) {
      expect(classify({ jsonrpc: '2.0', id: 9, error })).toEqual({ kind: 'invalid', reason: BAD_ERROR, id: 9 });
    }
  });

  it('refuses an object with neither method, result nor error', () => {
    expect(classify({ jsonrpc: '2.0', id: 1 })).toEqual({ kind: 'invalid', reason: NO_KIND, id: 1 });
    expect(classify({ jsonrpc: '2.0' })).toEqual({ kind: 'invalid', reason: NO_KIND, id: null });
  });
});

describe('message helpers', () => {
  it('builds success and failure envelopes', () => {
    expect(success(1, { a: 1 })).toEqual({ jsonrpc: '2.0', id: 1, result: { a: 1 } });
    expect(failure(null, { code: -32700, message: 'x' })).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'x' } });
    expect(isFailure(failure('a', { code: 1, message: 'm' }))).toBe(true);
    expect(isFailure(success('a', {}))).toBe(false);
  });

  it('isObject is true only for plain non-null, non-array objects', () => {
    expect(isObject({})).toBe(true);
    expect([null, [], 'a', 1, undefined].map(isObject)).toEqual([false, false, false, false, false]);
  });

  it('metaOf returns the _meta object, or undefined when absent or malformed', () => {
    expect(metaOf({ _meta: { progressToken: 1 } })).toEqual({ progressToken: 1 });
    expect(metaOf({ _meta: [1] })).toBeUndefined();
    expect(metaOf({ _meta: 'x' })).toBeUndefined();
    expect(metaOf({})).toBeUndefined();
    expect(metaOf(undefined)).toBeUndefined();
  });
});
