/**
 * The last lines a stdio backend wrote on stderr: what a user needs to see
 * when it fails ("None of the specified directories are accessible"), kept
 * in a bounded window (STDERR_TAIL_LINES, STDERR_TAIL_BYTES) so a chatty
 * child costs a few kilobytes, not its whole output. A single line longer
 * than the byte bound keeps its end, where messages usually say what failed.
 */
import { STDERR_TAIL_BYTES, STDERR_TAIL_LINES } from '../config/defaults.js';

export class StderrTail {
  private readonly lines: string[] = [];
  private bytes = 0;

  constructor(
    private readonly maxLines = STDERR_TAIL_LINES,
    private readonly maxBytes = STDERR_TAIL_BYTES,
  ) {}

  push(line: string): void {
    const trimmed = line.replace(/\s+$/, '');
    if (trimmed === '') return;
    let kept = trimmed;
    if (Buffer.byteLength(kept) > this.maxBytes) {
      // Cut by characters from the end, then make sure the bytes fit (multi-byte characters).
      kept = `…${kept.slice(-this.maxBytes)}`;
      while (Buffer.byteLength(kept) > this.maxBytes) kept = `…${kept.slice(2)}`;
    }
    this.lines.push(kept);
    this.bytes += Buffer.byteLength(kept);
    while (this.lines.length > this.maxLines || this.bytes > this.maxBytes) {
      this.bytes -= Buffer.byteLength(this.lines.shift()!);
    }
  }

  /** Oldest first; a copy. */
  snapshot(): string[] {
    return [...this.lines];
  }

  get size(): number {
    return this.lines.length;
  }
}
