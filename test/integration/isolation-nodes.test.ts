/**
 * A client's own stdio child lives on one node; requests of its session that
 * land on another node are relayed there, so the client talks to one
 * backend process whichever node serves it. When that node dies, the next
 * request starts a new child where it lands and the client is told its
 * backend state was reset — never a silent switch to another process.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from '../../src/mcp/sse.js';
import { post, rawSession } from '../helpers/clients.js';
import { fixtureServer, startGateway, type Gateway } from '../helpers/gateway.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { stopAll } from '../helpers/processes.js';

let redis: TestRedis;
let a: Gateway;
let b: Gateway;

/** A 2025-only server: every client session gets its own child (the default isolation). */
const CONFIG = `servers:\n${fixtureServer('old', 'toolbox-server.js', ['--era', 'legacy', '--name', 'old'])}\n`;

beforeAll(async () => {
  redis = await startRedis();
  [a, b] = await Promise.all([startGateway(CONFIG, { extraArgs: ['--redis', redis.url] }), startGateway(CONFIG, { extraArgs: ['--redis', redis.url] })]);
}, 90_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await stopAll();
});

async function whoami(gateway: Gateway, sid: string, id: number): Promise<number> {
  const res = await post(gateway.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'old__whoami', arguments: {} } }, { 'mcp-session-id': sid });
  const body = res.json() as { result?: { content: Array<{ text: string }> }; error?: unknown };
  if (!body.result) throw new Error(`whoami on ${gateway.port} failed: ${JSON.stringify(body)}`);
  return Number(body.result.content[0]!.text);
}

function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('a per-client stdio child across two nodes', () => {
  it('answers a session whose requests alternate between the nodes, from the node that started it', async () => {
    const sid = await rawSession(a.url);
    const pids: number[] = [];
    for (let i = 0; i < 6; i++) pids.push(await whoami(i % 2 === 0 ? a : b, sid, i + 1));
    expect(new Set(pids).size).toBe(1);
    expect(parentOf(pids[0]!)).toBe(a.proc.child.pid);
  });

  it('after its node dies, the next request starts a child on the other node and the client is told its state was reset', async () => {
    const sid = await rawSession(a.url);
    const before = await whoami(a, sid, 1);
    expect(await whoami(b, sid, 2)).toBe(before);

    // The client's standalone stream, on the node that survives.
    const controller = new AbortController();
    const res = await fetch(b.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, signal: controller.signal });
    const events: SseEvent[] = [];
    const decoder = new SseDecoder((e) => events.push(e));
    const reading = (async () => {
      const reader = res.body!.getReader();
      for (;;) {
        const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (chunk.done) return;
        decoder.push(new TextDecoder().decode(chunk.value));
      }
    })();

    a.proc.child.kill('SIGKILL');
    await a.proc.exited;
    // Its worker notices the primary is gone and exits; until then it would still relay.
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const up = await fetch(`${a.base}/health`).then(() => true, () => false);
      if (!up) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const after = await whoami(b, sid, 3);
    expect(after).not.toBe(before);
    expect(parentOf(after)).toBe(b.proc.child.pid);
    expect(await whoami(b, sid, 4)).toBe(after);
    const waitUntil = Date.now() + 10_000;
    while (!events.some((e) => e.data.includes('was reset')) && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await reading;
    const notice = events.find((e) => e.data.includes('was reset'));
    expect(notice, 'the client is told its backend state was reset').toBeDefined();
    expect(JSON.parse(notice!.data)).toMatchObject({ method: 'notifications/message', params: { level: 'warning', logger: 'only1mcp' } });
  });
});
