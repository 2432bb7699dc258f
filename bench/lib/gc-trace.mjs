// Summarises `node --trace-gc` output of one process: how often V8 paused
// the worker, for how long, and how many bytes it allocated between
// collections (the sum, over consecutive collections, of heap size before
// one minus heap size after the previous one).
const LINE = /\[(\d+):0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^\d]*([\d.]+) \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \/ [\d.]+ ms/;

const pct = (sorted, q) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : undefined);
const r2 = (n) => (n === undefined ? undefined : Math.round(n * 100) / 100);

/** events of process `pid` in the last `lastMs` of its trace (the load ran last). */
export function summariseGcTrace(text, pid, lastMs) {
  const events = [];
  for (const line of text.split('\n')) {
    const m = line.match(LINE);
    if (m && Number(m[1]) === pid) events.push({ at: Number(m[2]), kind: m[3], before: Number(m[4]), after: Number(m[5]), pauseMs: Number(m[6]) });
  }
  if (events.length === 0) return undefined;
  const end = events[events.length - 1].at;
  const inWindow = events.filter((e) => e.at >= end - lastMs);
  let allocatedMb = 0;
  for (let i = 1; i < inWindow.length; i++) allocatedMb += Math.max(0, inWindow[i].before - inWindow[i - 1].after);
  const pauses = (kind) => inWindow.filter((e) => (kind === 'minor' ? e.kind === 'Scavenge' : e.kind !== 'Scavenge')).map((e) => e.pauseMs).sort((a, b) => a - b);
  const summary = (list) => ({ count: list.length, totalMs: r2(list.reduce((s, v) => s + v, 0)), p50Ms: r2(pct(list, 0.5)), p90Ms: r2(pct(list, 0.9)), maxMs: r2(list[list.length - 1]) });
  const windowMs = inWindow.length ? inWindow[inWindow.length - 1].at - inWindow[0].at : 0;
  return { windowMs, allocatedMb: r2(allocatedMb), scavenges: summary(pauses('minor')), majorGcs: summary(pauses('major')), heapAfterLastMajorMb: inWindow.filter((e) => e.kind !== 'Scavenge').pop()?.after };
}
