import { describe, expect, it } from 'vitest';
import { countTokens, listTokens, toolTokens } from '../../src/context/tokens.js';

describe('token accounting (o200k_base)', () => {
  it('counts known strings', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
  });

  it('counts special-token text as plain text instead of throwing', () => {
    expect(countTokens('a <|endoftext|> b')).toBeGreaterThan(3);
  });

  it('counts a tool as the JSON a client receives, and a list as the sum', () => {
    const tool = { name: 'x', inputSchema: { type: 'object' } };
    expect(toolTokens(tool)).toBe(countTokens(JSON.stringify(tool)));
    expect(listTokens([tool, tool])).toBe(2 * toolTokens(tool));
  });
});
