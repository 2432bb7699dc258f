/**
 * Text that reaches the terminal. Everything shown comes from the gateway
 * (server names, log lines, a backend's stderr), so control characters are
 * removed first: an escape sequence in a log line must not move the cursor or
 * retitle the window. Columns are cut to width here; each line is also
 * rendered with ink's truncation, which measures wide characters exactly.
 */

// C0 and C1 controls, DEL; a tab becomes a space, anything else disappears.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

export function clean(text: string): string {
  return text.replace(/\t/g, ' ').replace(CONTROL, '');
}

/** `text` cut or padded to exactly `width` characters; a cut ends in '…'. */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return '';
  const chars = [...clean(text)];
  if (chars.length > width) return width === 1 ? '…' : `${chars.slice(0, width - 1).join('')}…`;
  const pad = ' '.repeat(width - chars.length);
  return align === 'left' ? chars.join('') + pad : pad + chars.join('');
}

export interface Column {
  width: number;
  align?: 'left' | 'right';
}

/**
 * One table line: each value fitted to its column, one space between; a
 * column of width 0 takes what is left of `total` (at most one should).
 */
export function row(columns: readonly Column[], values: readonly string[], total: number): string {
  const fixed = columns.reduce((sum, c) => sum + c.width, 0) + Math.max(0, columns.length - 1);
  const rest = Math.max(0, total - fixed);
  const line = columns.map((c, i) => fit(values[i] ?? '', c.width === 0 ? rest : c.width, c.align)).join(' ');
  return fit(line, total);
}

/** A count in a few characters: 999, 1.2k, 3.4M. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs < 1000) return Number.isInteger(n) ? String(n) : n.toFixed(1);
  if (abs < 1e6) return `${(n / 1e3).toFixed(1)}k`;
  if (abs < 1e9) return `${(n / 1e6).toFixed(1)}M`;
  return `${(n / 1e9).toFixed(1)}G`;
}

/** A ratio 0..1 as a percentage with one decimal. */
export function percent(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)}%` : '-';
}

export function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return m > 0 ? `${m}m ${s % 60}s` : `${s % 60}s`;
}

/** HH:MM:SS of an ISO time or epoch ms; the text as given when it is neither. */
export function clock(time: string | number): string {
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return String(time);
  return d.toTimeString().slice(0, 8);
}
