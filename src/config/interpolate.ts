/**
 * `${...}` references in string values (never in keys), resolved from the
 * gateway's environment when the config loads:
 *
 *   ${VAR}              the variable; an error when it is not set
 *   ${VAR:-default}     the default when VAR is unset or empty (as in sh)
 *   ${env:VAR}          same as ${VAR} (VS Code / Cursor spelling; :-default works too)
 *   ${userHome}         the home directory, unless a variable of that name is set (VS Code, Cursor)
 *   ${input:ID}         a VS Code prompt; the gateway cannot show one, so it reads
 *                       ONLY1MCP_INPUT_<ID> (upper-cased, other characters as "_")
 *   $${                 a literal "${"
 *
 * Editor variables such as ${workspaceFolder} are an error unless the
 * environment has a variable of that name: the gateway has no workspace.
 *
 * Every problem in the file is collected, each with its key path.
 */
import os from 'node:os';
import type { PathIssue } from './zod-issues.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  readonly value: unknown;
  /** Key paths (JSON-encoded) of the strings that held a reference. */
  readonly resolved: ReadonlySet<string>;
  readonly issues: readonly PathIssue[];
}

const REFERENCE = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const INPUT = /^input:([A-Za-z0-9_.-]+)$/;
/** VS Code variables that need an editor around them. */
const EDITOR_VARIABLES = new Set(['workspaceFolder', 'workspaceFolderBasename', 'workspaceRoot', 'file', 'fileDirname', 'relativeFile', 'cwd']);
/** Top-level keys whose strings are the client's business, not ours (VS Code prompt texts). */
const NOT_INTERPOLATED = new Set(['inputs']);

export function inputVariableName(id: string): string {
  return `ONLY1MCP_INPUT_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function interpolateTree(data: unknown, env: Env): Interpolated {
  const resolved = new Set<string>();
  const issues: PathIssue[] = [];
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('${')) return value;
      const r = interpolateString(value, env);
      if ('error' in r) {
        issues.push({ path, message: r.error });
        return value;
      }
      if (r.referenced) resolved.add(JSON.stringify(path));
      return r.value;
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (isPlainObject(value)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        out[k] = path.length === 0 && NOT_INTERPOLATED.has(k) ? v : walk(v, [...path, k]);
      }
      return out;
    }
    return value;
  };
  return { value: walk(data, []), resolved, issues };
}

export type StringResult = { value: string; referenced: boolean } | { error: string };

export function interpolateString(text: string, env: Env): StringResult {
  let out = '';
  let referenced = false;
  let i = 0;
  while (i < text.length) {
    const next = text.indexOf('${', i);
    if (next < 0) break;
    if (next > 0 && text[next - 1] === '$') {
      // `$${` is the escape: drop one `$`, keep `${` literally.
      out += text.slice(i, next - 1) + '${';
      i = next + 2;
      continue;
    }
    const close = text.indexOf('}', next + 2);
    if (close < 0) return { error: 'unterminated ${ (write $${ for a literal ${)' };
    const r = resolveReference(text.slice(next + 2, close), env);
    if ('error' in r) return r;
    out += text.slice(i, next) + r.value;
    referenced = true;
    i = close + 1;
  }
  return { value: out + text.slice(i), referenced };
}

function resolveReference(body: string, env: Env): { value: string } | { error: string } {
  const input = INPUT.exec(body);
  if (input) {
    const name = inputVariableName(input[1] as string);
    const value = env[name];
    if (value !== undefined) return { value };
    return { error: `\${${body}} is a VS Code prompt the gateway cannot show; set ${name} in its environment instead` };
  }
  const ref = REFERENCE.exec(body);
  if (!ref) return { error: `unsupported reference \${${body}}: use \${VAR}, \${VAR:-default} or \${env:VAR} (write $\${ for a literal \${)` };
  const [, name, fallback] = ref as unknown as [string, string, string | undefined];
  const value = env[name];
  if (fallback !== undefined) return { value: value === undefined || value === '' ? fallback : value };
  if (value !== undefined) return { value };
  if (name === 'userHome' && !body.startsWith('env:')) return { value: os.homedir() };
  if (EDITOR_VARIABLES.has(name) && !body.startsWith('env:')) {
    return { error: `\${${name}} is a VS Code variable the gateway cannot resolve; write the path out` };
  }
  return { error: `environment variable ${name} is not set` };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** The references (`${...}` bodies, escapes excluded) a string holds; the import command warns about them. */
export function referencesIn(text: string): string[] {
  const found: string[] = [];
  const re = /(\$?)\$\{([^}]*)\}/g;
  for (let m = re.exec(text); m; m = re.exec(text)) if (m[1] === '') found.push(m[2] as string);
  return found;
}
