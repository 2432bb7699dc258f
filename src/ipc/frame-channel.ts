/**
 * A framed, bidirectional message channel over a stream socket: each frame is
 * a 4-byte big-endian length followed by a msgpackr payload.
 *
 * Used between workers and the primary (stdio backends live in the primary).
 * msgpackr over a unix socket instead of node:cluster's IPC channel because
 * the IPC channel JSON-encodes every message and serialises sends; here the
 * frames of one event-loop turn leave in a single writev (turn-cork.ts).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Packr } from 'msgpackr';
import { corkForTurn } from './turn-cork.js';
import { IPC_MAX_FRAME_BYTES } from '../config/defaults.js';

/** Largest frame accepted; a peer sending more is broken and gets disconnected (a sender refuses to send one). */
export const MAX_FRAME_BYTES = IPC_MAX_FRAME_BYTES;

/**
 * A message that cannot become a frame (nested past what the encoder's
 * recursion takes, or larger than MAX_FRAME_BYTES). Thrown by send() instead
 * of the encoder's RangeError, so a caller can fail the one message that
 * carried it; nothing was written and the channel stays usable.
 */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export interface FrameChannelEvents<In> {
  message: [message: In];
  close: [];
}

export class FrameChannel<In, Out> extends EventEmitter<FrameChannelEvents<In>> {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  private draining: Promise<void> | undefined;

  constructor(private readonly socket: Socket) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => socket.destroy());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes written and not yet taken by the kernel (corked frames of this turn included). */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Resolves once the queued bytes have left (or the channel closed): a
   * sender over its bound waits for this. Every caller until then shares one
   * promise, so a burst of senders adds one pair of listeners, not one each.
   */
  drained(): Promise<void> {
    if (this.closed || this.socket.writableLength === 0) return Promise.resolve();
    this.draining ??= new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.off('close', done);
        this.draining = undefined;
        resolve();
      };
      this.socket.on('drain', done);
      this.on('close', done);
    });
    return this.draining;
  }

  /** Sends one message; false when the channel is closed. Throws FrameError for a message that cannot be framed. */
  send(message: Out): boolean {
    if (this.closed) return false;
    let body: Buffer;
    try {
      body = packr.pack(message);
    } catch (err) {
      throw new FrameError(`message cannot be encoded: ${(err as Error).message}`);
    }
    if (body.length > MAX_FRAME_BYTES) throw new FrameError(`message of ${body.length} bytes exceeds the ${MAX_FRAME_BYTES}-byte frame cap`);
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(body.length, 0);
    corkForTurn(this.socket);
    this.socket.write(header);
    this.socket.write(body);
    return true;
  }

  close(): void {
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 4) {
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) {
        this.socket.destroy(new Error(`frame of ${length} bytes exceeds ${MAX_FRAME_BYTES}`));
        return;
      }
      if (this.pendingBytes < 4 + length) return;
      const frame = this.take(4 + length).subarray(4);
      let message: In;
      try {
        message = packr.unpack(frame) as In;
      } catch {
        this.socket.destroy(new Error('undecodable frame'));
        return;
      }
      this.emit('message', message);
    }
  }

  private peek(n: number): Buffer {
    const first = this.pending[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const first = this.peek(n);
    const out = first.subarray(0, n);
    const rest = first.subarray(n);
    if (rest.length > 0) this.pending[0] = rest;
    else this.pending.shift();
    this.pendingBytes -= n;
    return out;
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}
