import { describe, expect, it } from 'vitest';
import { queryParam } from '../../src/worker/http/request-head.js';

describe('queryParam', () => {
  it('finds a parameter among several', () => {
    expect(queryParam('sessionId=abc&x=1', 'sessionId')).toBe('abc');
    expect(queryParam('x=1&sessionId=abc', 'sessionId')).toBe('abc');
    expect(queryParam('x=1', 'sessionId')).toBeUndefined();
    expect(queryParam('', 'sessionId')).toBeUndefined();
  });

  it('takes the first occurrence', () => {
    expect(queryParam('a=1&a=2', 'a')).toBe('1');
  });

  it('reads a key without "=" as an empty value, and keeps "=" inside a value', () => {
    expect(queryParam('flag&a=1', 'flag')).toBe('');
    expect(queryParam('a=&b=1', 'a')).toBe('');
    expect(queryParam('token=x=y==', 'token')).toBe('x=y==');
  });

  it('percent-decodes keys and values, and reads "+" in a value as a space', () => {
    expect(queryParam('session%49d=a%2Fb%20c', 'sessionId')).toBe('a/b c');
    expect(queryParam('q=hello+world%2B1', 'q')).toBe('hello world+1');
    expect(queryParam('name=caf%C3%A9', 'name')).toBe('café');
  });

  it('returns malformed escapes as they are instead of throwing', () => {
    expect(queryParam('id=%E0%A4%A', 'id')).toBe('%E0%A4%A');
    expect(queryParam('id=100%', 'id')).toBe('100%');
    expect(queryParam('id=%ZZ+x', 'id')).toBe('%ZZ x');
    expect(queryParam('%zz=1&id=2', 'id')).toBe('2');
    expect(queryParam('%zz=1', '%zz')).toBe('1');
  });
});
