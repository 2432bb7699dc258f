/**
 * What a background gateway wrote to its log file since a given offset, cut
 * down to what explains a failed start: plain lines (the CLI's own error
 * message) and log records at warn level or above, as "message (error)".
 */
import fs from 'node:fs';

/** Bytes read from the end of the log when looking for the reason a start failed. */
export const LOG_TAIL_READ_BYTES = 64 * 1024;
/** Lines shown. */
export const LOG_TAIL_LINES = 12;
/** pino's warn level. */
const WARN_LEVEL = 40;

export function logSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function explainLog(file: string, since: number): string[] {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    const from = Math.max(since, size - LOG_TAIL_READ_BYTES);
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(size - from);
    fs.readSync(fd, buffer, 0, buffer.length, from);
    fs.closeSync(fd);
    text = buffer.toString('utf8');
  } catch {
    return [];
  }
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let record: { level?: unknown; msg?: unknown; err?: unknown; backend?: unknown } | undefined;
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      record = undefined;
    }
    if (record === undefined || typeof record !== 'object' || record === null) {
      lines.push(line);
      continue;
    }
    if (typeof record.level !== 'number' || record.level < WARN_LEVEL) continue;
    const where = typeof record.backend === 'string' ? `${record.backend}: ` : '';
    const err = record.err === undefined ? '' : ` (${typeof record.err === 'string' ? record.err : JSON.stringify(record.err)})`;
    lines.push(`${where}${String(record.msg ?? '')}${err}`);
  }
  return lines.slice(-LOG_TAIL_LINES);
}
