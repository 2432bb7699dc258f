// Scenario 12 — a backend flood (issue 10, finding 4): one tools/call whose
// stdio backend writes COUNT progress notifications of 1 MB each before its
// result, through the real gateway (2 workers, embedded redis-server, a
// 2025-era session so every event is also logged for resumption), read by
// a fast client. Prints the peak RSS growth of the primary and of each
// worker over their RSS before the call, sampled every SAMPLE_MS, against
// the bound docs/security.md states (FLOOD_RSS_BOUND_MB per process).
//
// What the gateway does under it (docs/security.md, "Buffers and
// back-pressure"): notifications that find a full buffer on their way are
// dropped and counted; results stop the backend's pipe until there is room.
// The client's count of progress events says how many got through.
import path from 'node:path';
import { startGateway } from '../lib/gateway.mjs';
import { openSession } from '../lib/mcp-client.mjs';
import { rssKb } from '../lib/proc.mjs';
import { ROOT } from '../lib/paths.mjs';

export const title = 'backend flood: 1 MB progress notifications, peak RSS growth per gateway process';
/** The bound stated in docs/security.md and docs/performance.md. */
export const FLOOD_RSS_BOUND_MB = 256;
const NOTIFICATION_BYTES = 1024 * 1024;
const SAMPLE_MS = 50;
const SETTLE_MS = 1_000;

const mb = (kb) => Math.round((kb ?? 0) / 102.4) / 10;

/** Reads an SSE answer as fast as it comes; counts progress events and returns the final message. */
async function floodCall(url, headers, count) {
  const body = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'flood__flood', arguments: { count, bytes: NOTIFICATION_BYTES }, _meta: { progressToken: 'p' } } };
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });
  const decoder = new TextDecoder();
  let buffered = '';
  let scanned = 0;
  let progress = 0;
  let final;
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let end;
    // Scan only the new text for the blank line ending an event: the events are 1 MB each.
    while ((end = buffered.indexOf('\n\n', Math.max(0, scanned - 1))) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      scanned = 0;
      const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n');
      if (!data.trim()) continue;
      const message = JSON.parse(data);
      if (message.method === 'notifications/progress') progress++;
      else if (message.id === 1) final = message;
    }
    scanned = buffered.length;
  }
  return { progress, final };
}

export async function run(ctx) {
  const count = ctx.settings.quick ? 300 : 2_000;
  const server = { command: process.execPath, args: [path.join(ROOT, 'dist', 'test', 'fixtures', 'flood-server.js')] };
  const gateway = await startGateway({ servers: { flood: server }, workers: 2, redis: 'embedded', logLevel: 'warn' });
  try {
    const headers = await openSession(gateway.url);
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const watched = gateway.processes().filter((p) => p.role === 'primary' || p.role.startsWith('worker-'));
    const before = Object.fromEntries(watched.map((p) => [p.role, rssKb(p.pid) ?? 0]));
    const peak = { ...before };
    const sampler = setInterval(() => {
      for (const p of watched) peak[p.role] = Math.max(peak[p.role], rssKb(p.pid) ?? 0);
    }, SAMPLE_MS);
    const t0 = performance.now();
    let outcome;
    try {
      outcome = await floodCall(gateway.url, headers, count);
    } catch (err) {
      // A dropped stream is a finding, not a crash of the harness: the figures still say what it cost.
      outcome = { progress: 0, final: undefined, error: String(err.cause?.message ?? err.message ?? err) };
    } finally {
      clearInterval(sampler);
    }
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    const text = outcome.final?.result?.content?.[0]?.text;
    const rows = watched.map((p) => ({ process: p.role, beforeMb: mb(before[p.role]), peakMb: mb(peak[p.role]), growthMb: mb(peak[p.role] - before[p.role]) }));
    const worst = Math.max(...rows.map((r) => r.growthMb));
    for (const r of rows) ctx.log(`  ${r.process}: ${r.beforeMb} MB before, peak ${r.peakMb} MB (+${r.growthMb} MB)`);
    ctx.log(`  ${count} x 1 MB notifications in ${seconds} s: ${outcome.progress} reached the client, result ${JSON.stringify(text)}${outcome.error ? ` (stream failed: ${outcome.error})` : ''}; worst growth +${worst} MB (bound +${FLOOD_RSS_BOUND_MB} MB)`);
    return { title, count, notificationBytes: NOTIFICATION_BYTES, seconds, delivered: outcome.progress, result: text ?? null, error: outcome.error ?? null, boundMb: FLOOD_RSS_BOUND_MB, worstGrowthMb: worst, processes: rows };
  } finally {
    await gateway.stop();
  }
}
