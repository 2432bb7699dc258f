/**
 * One log record as a line for people:
 *
 *   12:03:04.123 WARN  worker-1  http backend handshake failed  backend=web err="connect ECONNREFUSED 127.0.0.1:1"
 *
 * time of day, level (coloured), the process's role, the message, then the
 * other fields as key=value; a `stack` field follows on its own indented
 * lines. Text from elsewhere (a backend's stderr, an error message) is
 * printed with control characters escaped, so a backend cannot move the
 * cursor or recolour the operator's terminal.
 */

const LEVEL_NAMES: Record<string, string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO ', warn: 'WARN ', error: 'ERROR', fatal: 'FATAL' };
const LEVEL_COLOURS: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '1;41;97' };
/** Fields every record has, shown in the line's fixed part or not at all. */
const FIXED = new Set(['level', 'time', 'role', 'pid', 'msg', 'stack']);
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
/** A value printed bare: no spaces, quotes, '=' or control characters. */
const BARE = /^[^\s"=\u0000-\u001f\u007f-\u009f]+$/;

export function prettyLine(record: Record<string, unknown>, colours: boolean): string {
  const paint = (code: string, text: string) => (colours ? `\u001b[${code}m${text}\u001b[0m` : text);
  const level = typeof record.level === 'string' ? record.level : 'info';
  const time = typeof record.time === 'string' && record.time.length >= 23 ? record.time.slice(11, 23) : String(record.time ?? '');
  const parts = [
    paint('2', time),
    paint(LEVEL_COLOURS[level] ?? '0', LEVEL_NAMES[level] ?? level.toUpperCase().padEnd(5)),
    paint('2', String(record.role ?? '').padEnd(8)),
    escape(String(record.msg ?? '')),
  ];
  const fields: string[] = [];
  for (const key in record) {
    if (FIXED.has(key)) continue;
    fields.push(`${paint('2', `${escape(key)}=`)}${value(record[key])}`);
  }
  let line = fields.length > 0 ? `${parts.join(' ')}  ${fields.join(' ')}` : parts.join(' ');
  if (typeof record.stack === 'string') line += `\n${record.stack.split('\n').map((l) => `    ${escape(l)}`).join('\n')}`;
  return `${line}\n`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return BARE.test(v) ? v : escape(JSON.stringify(v));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  try {
    return escape(JSON.stringify(v) ?? String(v));
  } catch {
    return '[unserialisable]';
  }
}

/** Control characters (C0, DEL and C1: JSON.stringify leaves the last two alone) as \uXXXX. */
function escape(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
