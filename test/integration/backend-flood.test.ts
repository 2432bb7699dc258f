/**
 * Issue 10, finding 4: a backend flooding 1 MB progress notifications used
 * to push the primary past 1.5 GB and a worker past 2 GB. With back-pressure
 * (docs/security.md, "Buffers and back-pressure") every gateway process
 * stays within FLOOD_RSS_BOUND_MB of where it started, the call's result
 * arrives intact, and each notification either reaches the client or is
 * counted as dropped: none vanishes unaccounted.
 *
 * And a single result over the line cap fails its call with a backend
 * error at once instead of hanging until the call timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { stopAll } from '../helpers/processes.js';
import { rssKb, workerPids } from '../helpers/process-table.js';
import { MAX_STDIO_LINE_BYTES } from '../../src/config/defaults.js';

afterAll(stopAll);

/** The bound docs/security.md states for a flood: per gateway process, over its RSS before the call. */
const FLOOD_RSS_BOUND_MB = 256;
const COUNT = 300;
const NOTIFICATION_BYTES = 1024 * 1024;
const SAMPLE_MS = 50;



const ACCEPT = 'application/json, text/event-stream';

async function openSession(url: string): Promise<Record<string, string>> {
  const init = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'flood-test', version: '1' } } }),
  });
  await init.arrayBuffer();
  const headers = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).arrayBuffer();
  return headers;
}

/** One tools/call read as fast as it streams: the progress events that arrived, and the final message. */
async function call(url: string, headers: Record<string, string>, args: Record<string, unknown>): Promise<{ progress: number; final: { result?: { content: Array<{ text: string }> }; error?: { code: number; message: string } } | undefined }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'flood__flood', arguments: args, _meta: { progressToken: 'p' } } }),
  });
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return { progress: 0, final: (await res.json()) as never };
  const decoder = new TextDecoder();
  let buffered = '';
  let scanned = 0;
  let progress = 0;
  let final;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffered.indexOf('\n\n', Math.max(0, scanned - 1))) >= 0) {
      const data = buffered.slice(0, end).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).join('\n');
      buffered = buffered.slice(end + 2);
      scanned = 0;
      if (!data.trim()) continue;
      const message = JSON.parse(data) as { method?: string; id?: number };
      if (message.method === 'notifications/progress') progress++;
      else if (message.id === 7) final = message;
    }
    scanned = buffered.length;
  }
  return { progress, final: final as never };
}

async function droppedCount(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^only1mcp_dropped_notifications_total\{[^}]*backend="flood"[^}]*\} (\d+)/gm)) total += Number(m[1]);
  return total;
}

describe('a backend flooding the gateway', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    // Two workers on the embedded redis-server: a 2025 session's events are logged there for resumption too.
    gateway = await startGateway(`servers:\n${fixtureServer('flood', 'flood-server.js', [], '    isolation: shared\n')}\n`, { workers: 2 });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it(`${COUNT} x 1 MB progress notifications: every gateway process within +${FLOOD_RSS_BOUND_MB} MB, the result intact, each notification delivered or counted`, async () => {
    const headers = await openSession(gateway.url);
    const pids = [gateway.proc.child.pid!, ...workerPids(gateway.proc.child.pid!)];
    expect(pids.length).toBe(3);
    const before = new Map(pids.map((p) => [p, rssKb(p)]));
    const peak = new Map(before);
    const sampler = setInterval(() => {
      for (const p of pids) peak.set(p, Math.max(peak.get(p)!, rssKb(p)));
    }, SAMPLE_MS);
    let outcome;
    try {
      outcome = await call(gateway.url, headers, { count: COUNT, bytes: NOTIFICATION_BYTES });
    } finally {
      clearInterval(sampler);
    }
    expect(outcome.final?.result?.content[0]?.text).toBe(`flooded ${COUNT}`);
    const growthMb = pids.map((p) => Math.round((peak.get(p)! - before.get(p)!) / 1024));
    for (const g of growthMb) expect(g, `RSS growth per process (primary first): ${growthMb.join(', ')} MB`).toBeLessThanOrEqual(FLOOD_RSS_BOUND_MB);
    expect(outcome.progress + (await droppedCount(gateway.base))).toBe(COUNT);
  }, 120_000);

  it('a result over the line cap fails its call with a backend error, and the backend serves the next call', async () => {
    const headers = await openSession(gateway.url);
    const big = await call(gateway.url, headers, { count: 0, bytes: 1, resultBytes: MAX_STDIO_LINE_BYTES + 1024 });
    expect(big.final?.error?.code).toBe(-31004);
    expect(big.final?.error?.message).toMatch(/backend flood answered with a message of \d+ bytes, over the \d+-byte limit \(MAX_STDIO_LINE_BYTES\)/);
    const next = await call(gateway.url, headers, { count: 2, bytes: 10 });
    expect(next.final?.result?.content[0]?.text).toBe('flooded 2');
    expect(next.progress).toBe(2);
  }, 60_000);

  it('a result the primary cannot pass on to its worker fails its call; the primary carries on', async () => {
    const headers = await openSession(gateway.url);
    const deep = await call(gateway.url, headers, { count: 0, bytes: 1, resultDepth: 20_000 });
    expect(deep.final?.error, JSON.stringify(deep.final).slice(0, 300)).toBeDefined();
    expect(deep.final?.result).toBeUndefined();
    expect(gateway.proc.child.exitCode).toBeNull();
    const next = await call(gateway.url, headers, { count: 1, bytes: 10 });
    expect(next.final?.result?.content[0]?.text).toBe('flooded 1');
  }, 60_000);
});

