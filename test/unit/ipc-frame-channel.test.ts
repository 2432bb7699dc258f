import { once } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { FrameChannel, FrameError, MAX_FRAME_BYTES } from '../../src/ipc/frame-channel.js';

type Msg = { t: string; n?: number; body?: string };

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

function frame(message: unknown): Buffer {
  const body = packr.pack(message);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

const servers: net.Server[] = [];
const sockets: net.Socket[] = [];

/** Two connected sockets over a Linux abstract unix socket (nothing on disk to clean up). */
async function socketPair(): Promise<{ left: net.Socket; right: net.Socket }> {
  const server = net.createServer();
  servers.push(server);
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  server.listen(`\0only1mcp-frame-test-${process.pid}-${randomBytes(6).toString('hex')}`);
  await once(server, 'listening');
  const left = net.connect(server.address() as string);
  await once(left, 'connect');
  const [right] = await accepted;
  sockets.push(left, right);
  return { left, right };
}

/** A channel on `right`, collecting what it receives. */
function receiver(right: net.Socket) {
  const channel = new FrameChannel<Msg, Msg>(right);
  const received: Msg[] = [];
  channel.on('message', (m) => received.push(m));
  const closed = once(channel, 'close');
  return { channel, received, closed };
}

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((r) => setImmediate(r));
}

afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

describe('FrameChannel', () => {
  it('carries messages both ways, in order', async () => {
    const { left, right } = await socketPair();
    const a = new FrameChannel<Msg, Msg>(left);
    const b = receiver(right);
    const fromB: Msg[] = [];
    a.on('message', (m) => fromB.push(m));
    expect(a.send({ t: 'call', n: 1, body: 'héllo' })).toBe(true);
    a.send({ t: 'call', n: 2 });
    b.channel.send({ t: 'result', n: 1 });
    await until(() => b.received.length === 2 && fromB.length === 1);
    expect(b.received).toEqual([{ t: 'call', n: 1, body: 'héllo' }, { t: 'call', n: 2 }]);
    expect(fromB).toEqual([{ t: 'result', n: 1 }]);
  });

  it('delivers every message of one tick (written as one batch) separately', async () => {
    const { left, right } = await socketPair();
    const a = new FrameChannel<Msg, Msg>(left);
    const b = receiver(right);
    for (let n = 0; n < 500; n++) a.send({ t: 'm', n });
    await until(() => b.received.length === 500);
    expect(b.received.map((m) => m.n)).toEqual(Array.from({ length: 500 }, (_, n) => n));
  });

  it('reassembles frames split at every byte, header included', async () => {
    const { left, right } = await socketPair();
    const b = receiver(right);
    const bytes = Buffer.concat([frame({ t: 'one', body: 'x'.repeat(40) }), frame({ t: 'two', n: 2 })]);
    for (let i = 0; i < bytes.length; i++) {
      // Wait for each byte to be read on the other side, so every byte arrives as its own chunk.
      const read = once(right, 'data');
      left.write(bytes.subarray(i, i + 1));
      await read;
    }
    expect(b.received).toEqual([{ t: 'one', body: 'x'.repeat(40) }, { t: 'two', n: 2 }]);
  });

  it('reads many frames from one chunk and keeps a partial one for the next', async () => {
    const { left, right } = await socketPair();
    const b = receiver(right);
    const third = frame({ t: 'c', n: 3 });
    const read = once(right, 'data');
    left.write(Buffer.concat([frame({ t: 'a' }), frame({ t: 'b' }), third.subarray(0, 5)]));
    await read;
    await until(() => b.received.length === 2);
    left.write(third.subarray(5));
    await until(() => b.received.length === 3);
    expect(b.received).toEqual([{ t: 'a' }, { t: 'b' }, { t: 'c', n: 3 }]);
  });

  it('disconnects a peer that announces a frame over the cap, after delivering what came before', async () => {
    const { left, right } = await socketPair();
    const b = receiver(right);
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    left.write(Buffer.concat([frame({ t: 'before' }), huge]));
    await b.closed;
    expect(b.received).toEqual([{ t: 'before' }]);
    expect(b.channel.isOpen).toBe(false);
    expect(b.channel.send({ t: 'late' })).toBe(false);
  });

  it('accepts a frame of exactly the cap length in its header (it waits for the bytes)', async () => {
    const { left, right } = await socketPair();
    const b = receiver(right);
    const atCap = Buffer.alloc(4);
    atCap.writeUInt32BE(MAX_FRAME_BYTES, 0);
    const read = once(right, 'data');
    left.write(atCap);
    await read;
    await new Promise((r) => setImmediate(r));
    expect(b.channel.isOpen).toBe(true);
  });

  it('disconnects a peer that sends an undecodable frame', async () => {
    const { left, right } = await socketPair();
    const b = receiver(right);
    // A msgpack array header announcing two items, followed by only one.
    left.write(Buffer.from([0, 0, 0, 2, 0x92, 0x01]));
    await b.closed;
    expect(b.received).toEqual([]);
    expect(b.channel.isOpen).toBe(false);
  });

  it('emits close on both ends when one side closes', async () => {
    const { left, right } = await socketPair();
    const a = new FrameChannel<Msg, Msg>(left);
    const b = receiver(right);
    const aClosed = once(a, 'close');
    a.close();
    await Promise.all([aClosed, b.closed]);
    expect(a.isOpen).toBe(false);
    expect(b.channel.isOpen).toBe(false);
  });

  it('emits close once when the socket is destroyed', async () => {
    const { left, right } = await socketPair();
    const b = receiver(right);
    let closes = 0;
    b.channel.on('close', () => closes++);
    left.destroy();
    await b.closed;
    right.destroy();
    await new Promise((r) => setImmediate(r));
    expect(closes).toBe(1);
  });

  it('counts what a reader has not taken yet, and says when it has (back-pressure)', async () => {
    const { left, right } = await socketPair();
    const sender = new FrameChannel<Msg, Msg>(left);
    right.pause();
    const body = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 16; i++) sender.send({ t: 'big', n: i, body });
    await new Promise((r) => setImmediate(r));
    // The kernel takes some; the rest waits in the sender.
    expect(sender.bufferedBytes).toBeGreaterThan(4 * 1024 * 1024);
    let drained = false;
    const waiting = sender.drained().then(() => (drained = true));
    // Many waiters share one wait: no listener per caller.
    for (let i = 0; i < 100; i++) void sender.drained();
    expect(left.listenerCount('drain')).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    const b = receiver(right);
    right.resume();
    await waiting;
    await until(() => b.received.length === 16);
    expect(sender.bufferedBytes).toBe(0);
  });

  it('drained() resolves when the channel closes with bytes still queued', async () => {
    const { left, right } = await socketPair();
    const sender = new FrameChannel<Msg, Msg>(left);
    right.pause();
    for (let i = 0; i < 16; i++) sender.send({ t: 'big', n: i, body: 'y'.repeat(1024 * 1024) });
    await new Promise((r) => setImmediate(r));
    const waiting = sender.drained();
    right.destroy();
    await waiting;
    expect(sender.isOpen).toBe(false);
  });

  it('refuses a message its encoder cannot take (10,000 deep) with a FrameError, writes nothing, and stays usable', async () => {
    const { left, right } = await socketPair();
    const a = new FrameChannel<Msg, Msg | { t: string; deep: unknown }>(left);
    const b = receiver(right);
    const deep = JSON.parse(`${'['.repeat(10_000)}${']'.repeat(10_000)}`) as unknown;
    expect(() => a.send({ t: 'call', deep })).toThrow(FrameError);
    expect(a.send({ t: 'call', n: 3 })).toBe(true);
    await until(() => b.received.length === 1);
    expect(b.received).toEqual([{ t: 'call', n: 3 }]);
    expect(a.isOpen).toBe(true);
  });
});

