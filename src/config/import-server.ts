/**
 * One server entry of a client's file → one entry of ours, for the import
 * command. Lenient where loading is strict: whatever cannot be carried over
 * is dropped with a warning, so that one odd key does not stop an import.
 * Values are copied as written; `only1mcp validate` checks the result.
 */
import {
  CLIENT_ONLY_SERVER_KEYS,
  SERVER_TYPE_ALIASES,
  TRANSPORT_TYPE_ALIASES,
  declaredType,
  resolveCallTimeoutMs,
  resolveEnabled,
  type ClientOnlyServerKey,
  type ClientServerKeys,
} from './client-keys.js';
import { inputVariableName, referencesIn } from './interpolate.js';
import { SERVER_NAME_PATTERN } from './server-schema.js';

/** Keys copied as they are: ours, and the clients' that mean the same. */
const COPIED = ['command', 'args', 'env', 'envFile', 'cwd', 'url', 'headers', 'naming', 'prefix', 'protocol', 'connectTimeoutMs'] as const;
/** Keys translated into others by the rules in client-keys.ts. */
const TRANSLATED = new Set(['type', 'transportType', 'serverUrl', 'enabled', 'disabled', 'timeout', 'timeoutMs']);
const MAX_NAME_CHARS = 64;

export interface ServerImport {
  readonly entry: Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * `urlMeansSse`: Cline reads a url without a type as legacy SSE, where every
 * other client (and we) read streamable HTTP; its entries keep their meaning.
 */
export function importServer(name: string, raw: Record<string, unknown>, urlMeansSse: boolean): ServerImport {
  const warnings: string[] = [];
  const where = `servers.${name}`;
  const keys = typedKeys(raw, warnings, where);
  const entry: Record<string, unknown> = {};
  const url = raw.url ?? raw.serverUrl;
  const type = declaredType(keys) ?? (url !== undefined && raw.command === undefined && urlMeansSse ? 'sse' : undefined);
  // Only a type that could not be inferred is written out.
  if (type === 'sse' || (type === 'stdio' && raw.command === undefined) || (type === 'streamable-http' && raw.command !== undefined)) {
    entry.type = type;
  }
  for (const k of COPIED) if (raw[k] !== undefined) entry[k] = raw[k];
  if (raw.url === undefined && raw.serverUrl !== undefined) entry.url = raw.serverUrl;
  if (!resolveEnabled(keys)) entry.enabled = false;
  const timeoutMs = resolveCallTimeoutMs(keys);
  if (timeoutMs !== undefined) entry.timeoutMs = timeoutMs;

  for (const [k, v] of Object.entries(raw)) {
    if ((COPIED as readonly string[]).includes(k) || TRANSLATED.has(k)) continue;
    if (k === 'disabledTools') {
      // The client hid these tools from its model; the gateway hides them from every client.
      const names = Array.isArray(v) ? v.filter((n): n is string => typeof n === 'string' && n.length > 0) : [];
      if (names.length > 0) entry.tools = { deny: names };
      if (!Array.isArray(v) || names.length !== v.length) warnings.push(`${where}: dropped disabledTools entries that are not tool names`);
    } else if (k in CLIENT_ONLY_SERVER_KEYS) {
      if (!isEmpty(v)) warnings.push(`${where}: dropped ${k} (${CLIENT_ONLY_SERVER_KEYS[k as ClientOnlyServerKey]})`);
    } else {
      warnings.push(`${where}: dropped unknown key "${k}"`);
    }
  }
  warnings.push(...referenceWarnings(entry, where));
  return { entry, warnings };
}

/** The keys client-keys.ts reads, kept only when they have the type it expects. */
function typedKeys(raw: Record<string, unknown>, warnings: string[], where: string): ClientServerKeys {
  const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  const num = (k: string): number | undefined => (typeof raw[k] === 'number' ? (raw[k] as number) : undefined);
  const bool = (k: string): boolean | undefined => (typeof raw[k] === 'boolean' ? (raw[k] as boolean) : undefined);
  const type = str('type');
  const transportType = str('transportType');
  if (type !== undefined && !(type in SERVER_TYPE_ALIASES)) warnings.push(`${where}: dropped unknown type "${type}"; the type is inferred`);
  return {
    type: type !== undefined && type in SERVER_TYPE_ALIASES ? (type as keyof typeof SERVER_TYPE_ALIASES) : undefined,
    transportType: transportType !== undefined && transportType in TRANSPORT_TYPE_ALIASES ? (transportType as keyof typeof TRANSPORT_TYPE_ALIASES) : undefined,
    command: str('command'),
    url: str('url'),
    serverUrl: str('serverUrl'),
    enabled: bool('enabled'),
    disabled: bool('disabled'),
    timeoutMs: num('timeoutMs'),
    timeout: num('timeout'),
  };
}

/** `${input:...}` and editor variables load only with help; say what to do now, not at start-up. */
function referenceWarnings(entry: Record<string, unknown>, where: string): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const ref of referencesIn(v)) {
        const input = /^input:(.+)$/.exec(ref);
        if (input) out.add(`${where}: \${${ref}} is a VS Code prompt; set ${inputVariableName(input[1] as string)} in the gateway's environment`);
        else if (ref === 'workspaceFolder' || ref === 'workspaceFolderBasename' || ref === 'cwd') {
          out.add(`${where}: \${${ref}} is a VS Code variable; replace it with a path`);
        }
      }
    } else if (typeof v === 'object' && v !== null) {
      for (const x of Object.values(v)) visit(x);
    }
  };
  visit(entry);
  return [...out];
}

/**
 * A valid, unused server name for `raw`. Gallery names ("io.github.github/
 * github-mcp-server") keep their last segment, since the name becomes the
 * prefix of every tool name and those are limited to 64 characters; other
 * characters become "-".
 */
export function serverName(raw: string, taken: ReadonlySet<string>): string {
  if (SERVER_NAME_PATTERN.test(raw) && !taken.has(raw)) return raw;
  const last = raw.split('/').filter((s) => s.trim() !== '').at(-1) ?? raw;
  let base =
    last
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, MAX_NAME_CHARS) || 'server';
  let name = base;
  for (let n = 2; taken.has(name); n++) {
    const suffix = `-${n}`;
    base = base.slice(0, MAX_NAME_CHARS - suffix.length);
    name = base + suffix;
  }
  return name;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}
