/** A series of numbers as a line of block characters, scaled to `top` (a ratio's 1), else to its own maximum. */
const BARS = '▁▂▃▄▅▆▇█';

/** The last `width` points of `values`, left-padded with spaces when there are fewer. */
export function sparkline(values: readonly number[], width: number, top?: number): string {
  if (width <= 0) return '';
  const points = values.slice(-width).map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const max = top ?? Math.max(0, ...points);
  const bars = points.map((v) => (max === 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.round((v / max) * (BARS.length - 1)))]));
  return ' '.repeat(width - points.length) + bars.join('');
}
