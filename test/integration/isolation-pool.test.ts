/**
 * Per-client stdio children are real processes with a real lifecycle: each
 * client session gets its own, a client past the server's maxProcesses gets
 * an error naming the cap (never a hang), a child is stopped when its
 * session ends and when it sat idle (the next call starts a new one and the
 * client is told its backend state was reset), and after a thousand sessions
 * opened and closed no child is left behind: no orphan, no zombie.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from '../../src/mcp/sse.js';
import { post, rawSession } from '../helpers/clients.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { ROOT, stopAll } from '../helpers/processes.js';

const TINY = path.join(ROOT, 'test', 'fixtures', 'tiny-mcp.sh');
const IDLE_MS = 1_500;
const CAP = 3;
/** The thousand-session run uses a server with a wider cap, so sessions run side by side. */
const MANY_CAP = 8;

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(
    // A thousand sessions from one address, opened as fast as the machine allows: past the default creation rate.
    `limits: { sessionCreateBurst: 2000, sessionCreatesPerSecond: 2000 }\n` +
    `servers:\n  tiny:\n    command: ${JSON.stringify(TINY)}\n    maxProcesses: ${CAP}\n    idleTimeoutMs: ${IDLE_MS}\n` +
      `  many:\n    command: ${JSON.stringify(TINY)}\n    maxProcesses: ${MANY_CAP}\n`,
  );
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAll();
});

interface Rpc {
  result?: { content: Array<{ text: string }> };
  error?: { code: number; message: string; data?: { code?: string } };
}

async function pid(sid: string, id = 1, server = 'tiny'): Promise<Rpc> {
  const res = await post(gateway.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: `${server}__pid`, arguments: {} } }, { 'mcp-session-id': sid });
  return res.json() as Rpc;
}

async function end(sid: string): Promise<void> {
  await fetch(gateway.url, { method: 'DELETE', headers: { 'mcp-session-id': sid } });
}

/** Processes whose parent is the gateway's primary, with their state letter (Z: zombie). */
function childrenOfPrimary(): Array<{ pid: number; state: string; cmd: string }> {
  const primary = gateway.proc.child.pid!;
  const out: Array<{ pid: number; state: string; cmd: string }> = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      if (Number(ppid) !== primary) continue;
      out.push({ pid: Number(entry), state: state!, cmd: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

const tinyChildren = () => childrenOfPrimary().filter((c) => c.cmd.includes('tiny-mcp.sh'));
const alive = (p: number) => fs.existsSync(`/proc/${p}`) && !/\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never: ${what}`);
}

/** Opens the session's standalone stream and collects what arrives on it. */
async function standalone(sid: string): Promise<{ events: SseEvent[]; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(gateway.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' }, signal: controller.signal });
  const events: SseEvent[] = [];
  const decoder = new SseDecoder((e) => events.push(e));
  void (async () => {
    const reader = res.body!.getReader();
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) return;
      decoder.push(new TextDecoder().decode(chunk.value));
    }
  })();
  return { events, close: () => controller.abort() };
}

describe('per-client stdio children', () => {
  it('one child per session; past maxProcesses a clear error naming the cap; a session\'s end stops its child', async () => {
    const sessions = await Promise.all(Array.from({ length: CAP }, () => rawSession(gateway.url)));
    const pids = await Promise.all(sessions.map(async (sid) => Number((await pid(sid)).result?.content[0]?.text)));
    expect(new Set(pids).size).toBe(CAP);
    // The same session keeps its child.
    expect(Number((await pid(sessions[0]!, 2)).result?.content[0]?.text)).toBe(pids[0]);

    const extra = await rawSession(gateway.url);
    const refused = await pid(extra);
    expect(refused.error?.code).toBe(-31040);
    expect(refused.error?.data?.code).toBe('GW_ERR_PROCESS_CAP');
    expect(refused.error?.message).toMatch(/3 per-client processes.*maxProcesses/);

    await end(sessions[0]!);
    await until(() => !alive(pids[0]!), 'the ended session\'s child exits');
    expect(Number((await pid(extra, 2)).result?.content[0]?.text)).toBeGreaterThan(0);
    for (const sid of [...sessions.slice(1), extra]) await end(sid);
    await until(() => tinyChildren().length <= 2, 'only the shared children are left');
  });

  it('an idle child is stopped; the next call starts a new one and tells the client its backend state was reset', async () => {
    const sid = await rawSession(gateway.url);
    const first = Number((await pid(sid)).result?.content[0]?.text);
    const stream = await standalone(sid);
    try {
      await until(() => !alive(first), 'the idle child is stopped', IDLE_MS + 20_000);
      const second = Number((await pid(sid, 2)).result?.content[0]?.text);
      expect(second).not.toBe(first);
      await until(() => stream.events.some((e) => e.data.includes('was reset')), 'the client hears of the reset');
      const notice = JSON.parse(stream.events.find((e) => e.data.includes('was reset'))!.data) as { method: string; params: { level: string; data: string } };
      expect(notice.method).toBe('notifications/message');
      expect(notice.params.level).toBe('warning');
      expect(notice.params.data).toMatch(/backend tiny was reset/);
    } finally {
      stream.close();
      await end(sid);
    }
  }, 60_000);

  it('a thousand sessions opened, used and closed leave no orphan and no zombie', async () => {
    const total = 1_000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        const sid = await rawSession(gateway.url);
        const answer = await pid(sid, 1, 'many');
        expect(Number(answer.result?.content[0]?.text)).toBeGreaterThan(0);
        await end(sid);
      }
    };
    await Promise.all(Array.from({ length: MANY_CAP }, worker));
    await until(() => tinyChildren().length <= 2, 'every per-client child has exited (the two shared ones stay)', 30_000);
    expect(childrenOfPrimary().filter((c) => c.state === 'Z')).toEqual([]);
  }, 300_000);
});
