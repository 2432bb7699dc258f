import { describe, expect, it } from 'vitest';
import { accepts } from '../../src/worker/http/transport-errors.js';

describe('accepts', () => {
  it('refuses everything when there is no Accept header', () => {
    expect(accepts('', 'application/json')).toBe(false);
  });

  it('admits the exact media type, in any case and position of a list', () => {
    expect(accepts('application/json', 'application/json')).toBe(true);
    expect(accepts('application/json, text/event-stream', 'text/event-stream')).toBe(true);
    expect(accepts('text/html,Application/JSON', 'application/json')).toBe(true);
    expect(accepts('  text/event-stream  ', 'text/event-stream')).toBe(true);
  });

  it('admits full and subtype wildcards', () => {
    expect(accepts('*/*', 'text/event-stream')).toBe(true);
    expect(accepts('text/*', 'text/event-stream')).toBe(true);
    expect(accepts('application/*', 'application/json')).toBe(true);
    expect(accepts('text/*', 'application/json')).toBe(false);
  });

  it('ignores parameters such as charset and q', () => {
    expect(accepts('application/json; charset=utf-8', 'application/json')).toBe(true);
    expect(accepts('text/event-stream;q=0.5, application/json;q=0.9', 'text/event-stream')).toBe(true);
  });

  it('does not admit a different type that merely starts the same', () => {
    expect(accepts('application/json-seq', 'application/json')).toBe(false);
    expect(accepts('application/jsonx, text/plain', 'application/json')).toBe(false);
    expect(accepts('text/event-stream', 'application/json')).toBe(false);
  });

  // BUG (src/worker/http/transport-errors.ts:19): parameters are dropped before matching, so
  // "q=0", which RFC 9110 §12.5.1 defines as "not acceptable", is read as acceptable.
  it('does not admit a type the client marked q=0', () => {
    expect(accepts('application/json;q=0, text/event-stream', 'application/json')).toBe(false);
  });
});
