// A small SVG chart writer: horizontal bars, one row per system, two panels
// side by side (e.g. throughput and p99), linear or log scale. No library:
// plain strings, deterministic output, readable in any browser or on GitHub.
const ROW_H = 22;
const LABEL_W = 300;
const PANEL_W = 330;
const GAP = 30;
const TOP = 62;
const COLORS = { gateway: '#2563eb', direct: '#6b7280', peer: '#f59e0b', other: '#10b981' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
}

function scale(panel) {
  const values = panel.bars.map((b) => b.value).filter((v) => v > 0);
  if (panel.log) {
    const lo = 10 ** Math.floor(Math.log10(Math.min(...values)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...values)));
    const ticks = [];
    for (let t = lo; t <= hi; t *= 10) ticks.push(t);
    return { x: (v) => (v <= 0 ? 0 : ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL_W), ticks };
  }
  const step = niceMax(Math.max(...values) / 5);
  const hi = step * Math.ceil(Math.max(...values) / step);
  const ticks = [];
  for (let t = 0; t <= hi + step / 2; t += step) ticks.push(t);
  return { x: (v) => (v / hi) * PANEL_W, ticks };
}

const fmt = (v) => (v >= 10_000 ? `${Math.round(v / 1000)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v >= 10 ? String(Math.round(v)) : String(Math.round(v * 100) / 100));

function panelSvg(panel, x0, rows) {
  const s = scale(panel);
  const parts = [`<text x="${x0}" y="${TOP - 16}" font-weight="bold">${esc(panel.title)}</text>`];
  for (const t of s.ticks) {
    const x = x0 + s.x(t);
    parts.push(`<line x1="${x}" y1="${TOP - 6}" x2="${x}" y2="${TOP + rows * ROW_H}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${x}" y="${TOP + rows * ROW_H + 14}" text-anchor="middle" fill="#6b7280" font-size="10">${fmt(t)}</text>`);
  }
  panel.bars.forEach((b, i) => {
    const y = TOP + i * ROW_H;
    if (b.value === undefined) {
      parts.push(`<text x="${x0 + 4}" y="${y + 14}" fill="#9ca3af" font-size="11">${esc(b.missing ?? 'not measured')}</text>`);
      return;
    }
    const w = Math.max(1, s.x(b.value));
    parts.push(`<rect x="${x0}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW_H - 8}" fill="${COLORS[b.kind] ?? COLORS.other}"/>`);
    const inside = w > PANEL_W - 60;
    parts.push(`<text x="${(x0 + (inside ? w - 4 : w + 4)).toFixed(1)}" y="${y + 15}" font-size="11" text-anchor="${inside ? 'end' : 'start'}" fill="${inside ? '#fff' : '#111827'}">${esc(fmt(b.value))}</text>`);
  });
  parts.push(`<text x="${x0 + PANEL_W / 2}" y="${TOP + rows * ROW_H + 30}" text-anchor="middle" fill="#374151" font-size="11">${esc(panel.axis)}</text>`);
  return parts.join('\n');
}

/** labels: row labels; panels: [{ title, axis, log, bars: [{ value, kind }] }] aligned with labels. */
export function barChart({ title, subtitle, labels, panels }) {
  const rows = labels.length;
  const width = LABEL_W + panels.length * (PANEL_W + GAP) + 20;
  const height = TOP + rows * ROW_H + 64;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-weight="bold" font-size="14">${esc(title)}</text>`,
  ];
  labels.forEach((l, i) => parts.push(`<text x="${LABEL_W - 8}" y="${TOP + i * ROW_H + 15}" text-anchor="end">${esc(l)}</text>`));
  panels.forEach((p, i) => parts.push(panelSvg(p, LABEL_W + i * (PANEL_W + GAP), rows)));
  if (subtitle) parts.push(`<text x="10" y="${height - 8}" fill="#6b7280" font-size="10">${esc(subtitle)}</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
