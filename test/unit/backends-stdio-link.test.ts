import { once } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameChannel } from '../../src/ipc/frame-channel.js';
import { PrimaryChannel } from '../../src/backends/stdio-link.js';
import type { PrimaryToWorker, WorkerToPrimary } from '../../src/ipc/stdio-protocol.js';
import type { LinkStatus } from '../../src/backends/link.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** The primary's end and a worker's PrimaryChannel, over a Linux abstract unix socket. */
async function pair(): Promise<{ primary: FrameChannel<WorkerToPrimary, PrimaryToWorker>; worker: PrimaryChannel }> {
  const server = net.createServer();
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  server.listen(`\0only1mcp-stdio-link-test-${process.pid}-${randomBytes(6).toString('hex')}`);
  await once(server, 'listening');
  const left = net.connect(server.address() as string);
  await once(left, 'connect');
  const [right] = await accepted;
  closers.push(() => {
    left.destroy();
    right.destroy();
    server.close();
  });
  return { primary: new FrameChannel<WorkerToPrimary, PrimaryToWorker>(right), worker: new PrimaryChannel(new FrameChannel<PrimaryToWorker, WorkerToPrimary>(left)) };
}

const ready = { name: 'box', state: 'ready' as const, era: 'legacy' as const, protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'box' }, restarts: 0, invalidLines: 0, generation: 1 };

describe('PrimaryChannel', () => {
  it('gives a link made after the primary reported its backend the status it reported', async () => {
    const { primary, worker } = await pair();
    primary.send({ t: 'status', s: ready });
    await new Promise((r) => setTimeout(r, 50));
    const seen: LinkStatus[] = [];
    const link = worker.link('box', { onEvent: () => undefined, onStatus: (s) => seen.push(s), onUnattributed: () => undefined });
    expect(link.status().state).toBe('starting');
    await new Promise((r) => setTimeout(r, 0));
    expect(link.status().state).toBe('ready');
    expect(seen.map((s) => s.state)).toEqual(['ready']);
    expect(link.status().identity?.protocolVersion).toBe('2025-11-25');
  });

  it('releases the registration of a call that cannot be framed, and of one sent on a closed channel', async () => {
    const { primary, worker } = await pair();
    const calls: WorkerToPrimary[] = [];
    primary.on('message', (m) => calls.push(m));
    const link = worker.link('box/1', { onEvent: () => undefined, onStatus: () => undefined, onUnattributed: () => undefined });
    const hooks = { onNotification: () => undefined, onServerRequest: () => Promise.reject(new Error('none')) };
    const deep = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) as unknown;
    const refused = link.call({ method: 'tools/call', params: { arguments: { deep } }, group: 'g', timeoutMs: 60_000, hooks, signal: undefined } as never);
    await expect(refused).rejects.toMatchObject({ errorName: 'GW_ERR_INVALID_PARAMS' });
    expect(worker.inFlightCount).toBe(0);
    expect(calls).toEqual([]);
    primary.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(link.call({ method: 'tools/list', group: 'g', timeoutMs: 60_000, hooks, signal: undefined } as never)).rejects.toMatchObject({ errorName: 'GW_ERR_BACKEND_UNAVAILABLE' });
    expect(worker.inFlightCount).toBe(0);
  });
});
