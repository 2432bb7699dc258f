/** What reaches the terminal: cleaned, fitted text and sparklines (src/tui/text.ts, sparkline.ts). */
import { describe, expect, it } from 'vitest';
import { clean, compact, duration, fit, row } from '../../src/tui/text.js';
import { sparkline } from '../../src/tui/sparkline.js';

describe('TUI text', () => {
  it('removes escape sequences and other control characters from gateway text', () => {
    expect(clean('\u001b]0;owned\u0007red\u001b[31m!\u009b\ttab')).toBe(']0;ownedred[31m! tab');
    expect(clean('a\nb\rc')).toBe('abc');
  });

  it('fits text to a width, cutting with an ellipsis', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abc', 5, 'right')).toBe('  abc');
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('abc', 1)).toBe('…');
    expect(fit('abc', 0)).toBe('');
  });

  it('lays out a table row at exactly the width, the flexible column taking the rest', () => {
    const line = row([{ width: 4 }, { width: 0 }, { width: 3, align: 'right' }], ['name', 'a-very-long-value-that-does-not-fit', '7'], 20);
    expect(line).toBe('name a-very-lon…   7');
    // Narrower than the fixed columns: still exactly the width.
    expect([...row([{ width: 10 }, { width: 10 }], ['x', 'y'], 8)]).toHaveLength(8);
  });

  it('writes counts and durations short', () => {
    expect([compact(999), compact(1234), compact(2_500_000), compact(1.25)]).toEqual(['999', '1.2k', '2.5M', '1.3']);
    expect([duration(5), duration(65), duration(3700), duration(90_000)]).toEqual(['5s', '1m 5s', '1h 1m', '1d 1h']);
  });

  it('draws a sparkline of the last points, scaled to the maximum or to a given top', () => {
    expect(sparkline([0, 5, 10], 3)).toBe('▁▅█');
    expect(sparkline([1, 2, 3, 4, 8], 2)).toBe('▅█');
    expect(sparkline([4], 3)).toBe('  █');
    expect(sparkline([0.5, 1], 2, 1)).toBe('▅█');
    expect(sparkline([0, 0], 2)).toBe('▁▁');
    expect(sparkline([NaN, -1, 2], 3)).toBe('▁▁█');
  });
});
