/**
 * `envFile` (VS Code, Cursor): a dotenv-style file read into a stdio
 * server's env when the config loads. Only the common subset: KEY=VALUE,
 * `export ` prefixes, # comments, single quotes (literal) and double quotes
 * (with \n, \t, \" and \\ escapes). Nothing is interpolated inside it.
 */
import { readFileSync } from 'node:fs';

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** Throws Error with a one-line message naming the file (and line, for syntax). */
export function readEnvFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read env file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseEnvText(text, file);
}

export function parseEnvText(text: string, file: string): Record<string, string> {
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    const value = m ? parseValue(m[2] as string) : undefined;
    if (!m || value === undefined) throw new Error(`${file}:${i + 1}: expected KEY=VALUE`);
    env[m[1] as string] = value;
  });
  return env;
}

function parseValue(raw: string): string | undefined {
  const quote = raw[0];
  if (quote === "'") {
    const end = raw.indexOf("'", 1);
    return end < 0 ? undefined : raw.slice(1, end);
  }
  if (quote === '"') {
    let out = '';
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i] as string;
      if (c === '"') return out;
      if (c === '\\' && i + 1 < raw.length) out += ESCAPES[raw[++i] as string] ?? `\\${raw[i]}`;
      else out += c;
    }
    return undefined;
  }
  // Unquoted: a # after whitespace starts a comment.
  return raw.replace(/\s+#.*$/, '').trim();
}
