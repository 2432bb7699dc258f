import { describe, expect, it } from 'vitest';
import { cleanTracestate, parseTraceparent, readCarrier, requestCarrier, traceHeaders } from '../../src/observe/trace-context.js';
import { MAX_TRACESTATE_CHARS } from '../../src/observe/defaults.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;

describe('parseTraceparent', () => {
  it('reads a version-00 value', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 1 });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)?.flags).toBe(0);
  });

  it('ignores malformed values: case, length, separators, zero ids, version ff, non-hex, non-strings', () => {
    for (const bad of [
      VALID.toUpperCase(),
      `00-${TRACE.toUpperCase()}-${SPAN}-01`,
      VALID.slice(0, 54),
      `${VALID}-`,
      `${VALID}-00`,
      VALID.replace(/-/g, '_'),
      `00-${'0'.repeat(32)}-${SPAN}-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `ff-${TRACE}-${SPAN}-01`,
      `0g-${TRACE}-${SPAN}-01`,
      `00-${TRACE}-${SPAN}-0x`,
      `00-${TRACE.slice(0, 31)}z-${SPAN}-01`,
      ' '.repeat(55),
      '',
      undefined,
      42,
      { traceparent: VALID },
    ]) {
      expect(parseTraceparent(bad), String(bad)).toBeUndefined();
    }
  });

  it('reads a later version by its version-00 prefix, and refuses one whose extra part is not dash-separated', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-03-whatever-comes-next`)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 3 });
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 1 });
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01x`)).toBeUndefined();
  });

  it('ignores values longer than the cap without scanning them', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-${'a'.repeat(300)}`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01${'x'.repeat(1_000_000)}`)).toBeUndefined();
  });
});

describe('cleanTracestate', () => {
  it('keeps valid members, trimming optional whitespace and empty members', () => {
    expect(cleanTracestate('a=1,b=2')).toBe('a=1,b=2');
    expect(cleanTracestate(' a=1 ,\tb=2 ,, ')).toBe('a=1,b=2');
    expect(cleanTracestate('tenant@sys=v,x*y/z_w-1=with space')).toBe('tenant@sys=v,x*y/z_w-1=with space');
  });

  it('drops the whole value when a member is malformed, a key repeats, or there are more than 32 members', () => {
    for (const bad of ['A=1', 'a', '=1', 'a=1,b', 'a=,b=1', 'a=x=y', 'a=1,a=2', 'a=\x01', 'a=\u00e9', '1a=1', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')]) {
      expect(cleanTracestate(bad), bad).toBeUndefined();
    }
    expect(cleanTracestate(Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(','))).toBeDefined();
  });

  it(`fits ${MAX_TRACESTATE_CHARS} characters: members over 128 go first, then members from the end`, () => {
    const long = `big=${'x'.repeat(200)}`;
    const small = Array.from({ length: 9 }, (_, i) => `k${i}=${'v'.repeat(60)}`);
    const kept = cleanTracestate([small[0], long, ...small.slice(1)].join(','))!;
    expect(kept).not.toContain('big=');
    expect(kept.length).toBeLessThanOrEqual(MAX_TRACESTATE_CHARS);
    expect(kept.startsWith('k0=')).toBe(true);
    expect(kept.split(',').length).toBe(8);
  });

  it('ignores absent, empty and oversized values', () => {
    expect(cleanTracestate(undefined)).toBeUndefined();
    expect(cleanTracestate('')).toBeUndefined();
    expect(cleanTracestate(7)).toBeUndefined();
    expect(cleanTracestate(`a=${'b'.repeat(10_000)}`)).toBeUndefined();
  });
});

describe('readCarrier and requestCarrier', () => {
  it('normalises to version 00 and zeroes unknown flags', () => {
    expect(readCarrier(`01-${TRACE}-${SPAN}-ff-more`, undefined)).toEqual({ traceparent: `00-${TRACE}-${SPAN}-03` });
  });

  it('keeps a valid tracestate, drops an invalid one, and never looks at it without a valid traceparent', () => {
    expect(readCarrier(VALID, 'a=1')).toEqual({ traceparent: VALID, tracestate: 'a=1' });
    expect(readCarrier(VALID, 'A=1')).toEqual({ traceparent: VALID });
    expect(readCarrier('bad', 'a=1')).toBeUndefined();
  });

  it('prefers the message\'s _meta to the POST\'s headers, falling back when _meta has none or a malformed one', () => {
    const header = { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` };
    expect(requestCarrier({ traceparent: VALID, tracestate: 's=1' }, header)).toEqual({ traceparent: VALID, tracestate: 's=1' });
    expect(requestCarrier({ traceparent: 'bad' }, header)).toBe(header);
    expect(requestCarrier({ other: 1 }, header)).toBe(header);
    expect(requestCarrier(undefined, undefined)).toBeUndefined();
  });
});

describe('traceHeaders', () => {
  it('mirrors a valid _meta context as headers, and nothing otherwise', () => {
    expect(traceHeaders({ name: 't', _meta: { traceparent: VALID, tracestate: 'a=1' } })).toEqual({ traceparent: VALID, tracestate: 'a=1' });
    expect(traceHeaders({ _meta: { traceparent: VALID } })).toEqual({ traceparent: VALID });
    expect(traceHeaders({ _meta: { traceparent: `${VALID}\r\nx-injected: 1` } })).toBeUndefined();
    expect(traceHeaders({ _meta: { traceparent: VALID, tracestate: 'a=1\r\nx: y' } })).toEqual({ traceparent: VALID });
    expect(traceHeaders({ name: 't' })).toBeUndefined();
    expect(traceHeaders(undefined)).toBeUndefined();
    expect(traceHeaders({ _meta: null })).toBeUndefined();
  });
});
