import { describe, expect, it } from 'vitest';
import { encodeMessage, share, sharedDerivative } from '../../src/mcp/shared-result.js';

describe('shared results', () => {
  it('splices the cached JSON of a shared result into each response, with that response id', () => {
    const result = share({ tools: [{ name: 'a', inputSchema: { type: 'object' } }] });
    for (const id of [0, 'x"y', 17]) {
      const text = encodeMessage({ jsonrpc: '2.0', id, result });
      expect(JSON.parse(text)).toEqual({ jsonrpc: '2.0', id, result });
    }
  });

  it('serialises the result once: a later mutation (which the contract forbids) does not show', () => {
    const result = share({ items: ['a'] as string[] });
    encodeMessage({ jsonrpc: '2.0', id: 1, result });
    result.items.push('b');
    expect(JSON.parse(encodeMessage({ jsonrpc: '2.0', id: 2, result })).result.items).toEqual(['a']);
  });

  it('encodes everything else as JSON.stringify does', () => {
    const messages = [
      { jsonrpc: '2.0', id: 1, result: { a: 1 } },
      { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'nope' } },
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    ];
    for (const m of messages) expect(encodeMessage(m as never)).toBe(JSON.stringify(m));
  });

  it('derives once per shared result, and every time for results that are not shared', () => {
    let calls = 0;
    const derive = (r: Record<string, unknown>) => {
      calls++;
      return { ...r, extra: true };
    };
    const shared = share({ a: 1 });
    const first = sharedDerivative(shared, derive);
    expect(sharedDerivative(shared, derive)).toBe(first);
    // The derivative is shared in turn: serialised once, like any shared result.
    encodeMessage({ jsonrpc: '2.0', id: 1, result: first });
    first.extra = false;
    expect(JSON.parse(encodeMessage({ jsonrpc: '2.0', id: 2, result: first })).result.extra).toBe(true);
    expect(calls).toBe(1);
    const own = { a: 2 };
    expect(sharedDerivative(own, derive)).not.toBe(sharedDerivative(own, derive));
    expect(calls).toBe(3);
  });
});
