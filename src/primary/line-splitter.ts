/**
 * Splits a byte stream into newline-terminated lines with a hard cap per line.
 *
 * A backend that writes a 2 GB line without a newline must not take the
 * gateway's memory with it: once a line passes the cap its bytes are dropped
 * until the next newline and the line is reported as oversized, with its
 * first and last OVERSIZED_END_BYTES (enough to find a JSON-RPC id, so the
 * call it answered can fail at once instead of at its timeout).
 */

/** Bytes kept of each end of an oversized line. */
export const OVERSIZED_END_BYTES = 256;
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;
  private head: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversized: (bytes: number, ends: { head: Buffer; tail: Buffer }) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        this.append(chunk.subarray(start));
        return;
      }
      this.append(chunk.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    this.size += part.length;
    if (this.discarding) {
      this.keepTail(part);
      return;
    }
    if (this.size > this.maxLineBytes) {
      this.discarding = true;
      const held = Buffer.concat(this.parts);
      this.head = Buffer.from(held.subarray(0, OVERSIZED_END_BYTES));
      this.tail = Buffer.alloc(0);
      this.keepTail(held);
      this.keepTail(part);
      this.parts = [];
      return;
    }
    this.parts.push(part);
  }

  /** The last OVERSIZED_END_BYTES of what was discarded so far (copied: chunks are not kept alive). */
  private keepTail(part: Buffer): void {
    if (part.length >= OVERSIZED_END_BYTES) this.tail = Buffer.from(part.subarray(part.length - OVERSIZED_END_BYTES));
    else this.tail = Buffer.concat([this.tail, part]).subarray(-OVERSIZED_END_BYTES);
  }

  private flush(): void {
    if (this.discarding) {
      const ends = { head: this.head, tail: this.tail };
      this.head = this.tail = Buffer.alloc(0);
      this.onOversized(this.size, ends);
    } else if (this.size > 0) {
      const line = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
      // Tolerate CRLF from backends written on Windows.
      const end = line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
      if (end > 0) this.onLine(line.subarray(0, end));
    }
    this.parts = [];
    this.size = 0;
    this.discarding = false;
  }
}
