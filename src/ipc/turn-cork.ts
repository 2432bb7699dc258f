/**
 * Batches a stream's writes per event-loop turn: the first write of a turn
 * corks the stream, and setImmediate uncorks it, so every write of that turn
 * leaves in one writev. setImmediate rather than nextTick: under load a
 * worker reads many requests in one poll phase, each in its own callback,
 * and nextTick uncorked after each, so every message cost a syscall (a
 * fifth of a worker's time in writev in the profile). setImmediate runs
 * right after that poll phase; nothing waits past the turn it was written in.
 */
import type { Writable } from 'node:stream';

const corked = new WeakSet<Writable>();

export function corkForTurn(stream: Writable): void {
  if (corked.has(stream)) return;
  corked.add(stream);
  stream.cork();
  setImmediate(() => {
    corked.delete(stream);
    stream.uncork();
  });
}
