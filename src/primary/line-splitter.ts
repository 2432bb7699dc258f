/**
 * Splits a byte stream into newline-terminated lines with a hard cap per line.
 *
 * A backend that writes a 2 GB line without a newline must not take the
 * gateway's memory with it: once a line passes the cap its bytes are dropped
 * until the next newline and the line is reported as oversized.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOversized: (bytes: number) => void,
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
    if (this.discarding) return;
    if (this.size > this.maxLineBytes) {
      this.discarding = true;
      this.parts = [];
      return;
    }
    this.parts.push(part);
  }

  private flush(): void {
    if (this.discarding) {
      this.onOversized(this.size);
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
