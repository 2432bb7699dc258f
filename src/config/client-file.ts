/**
 * A client's own MCP config file loads as it is. Such a file holds the
 * client's other settings next to its servers (Claude Desktop's
 * `globalShortcut`, Claude Code's user file's history and projects), which
 * mean nothing to the gateway: they are ignored with a warning naming each,
 * instead of failing the file.
 *
 * A file is a client's when its name is one that client uses (CLIENT_FILES);
 * the gateway's own files (any other name: config.yaml, gateway.json, …) stay
 * strict, so a misspelt top-level key there is still an error. Going by the
 * name rather than the content is what keeps that promise: a gateway file
 * with only `mcpServers` and a typo looks exactly like a client file.
 * Inside a client file, the keys the gateway knows (servers, listen, …) and
 * every server entry are checked as strictly as anywhere else.
 */
import path from 'node:path';
import type { KeyPath } from './config-error.js';
import type { ParsedSource } from './source.js';

/** File name → the client that writes it. `mcp.json` is told apart by its folder. */
export const CLIENT_FILES: Readonly<Record<string, string>> = {
  'claude_desktop_config.json': 'Claude Desktop',
  '.mcp.json': 'Claude Code',
  '.claude.json': 'Claude Code',
  'mcp.json': 'Cursor or VS Code',
  'mcp_config.json': 'Windsurf',
  'cline_mcp_settings.json': 'Cline',
};

/** Ignored keys named one by one in warnings; the rest are counted (Claude Code's user file has dozens). */
export const MAX_IGNORED_KEYS_NAMED = 8;

/** The client whose file this is, by its name (and folder, for mcp.json); undefined for a gateway config. */
export function clientOfFile(file: string): string | undefined {
  const base = path.basename(file);
  if (base === 'mcp.json') {
    const dir = path.basename(path.dirname(path.resolve(file)));
    if (dir === '.cursor') return 'Cursor';
    if (dir === '.vscode') return 'VS Code';
  }
  return Object.hasOwn(CLIENT_FILES, base) ? CLIENT_FILES[base] : undefined;
}

export interface IgnoredKey {
  readonly keyPath: KeyPath;
  readonly message: string;
}

export interface ClientView {
  /** The data with the client's own top-level keys left out. */
  readonly data: unknown;
  readonly ignored: readonly IgnoredKey[];
}

/**
 * Leaves out the top-level keys the gateway does not know (`known`), with a
 * warning for each; data that is not an object is returned as is (the
 * schema reports it).
 */
export function withoutClientKeys(source: ParsedSource, client: string, known: ReadonlySet<string>): ClientView {
  const data = source.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { data, ignored: [] };
  const kept: Record<string, unknown> = {};
  const foreign: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (known.has(key)) kept[key] = value;
    else foreign.push(key);
  }
  const ignored: IgnoredKey[] = foreign.slice(0, MAX_IGNORED_KEYS_NAMED).map((key) => ({
    keyPath: [key],
    message: `ignored: a ${client} setting, not one of the gateway's`,
  }));
  const rest = foreign.length - MAX_IGNORED_KEYS_NAMED;
  if (rest > 0) ignored.push({ keyPath: [], message: `ignored ${rest} more top-level ${client} ${rest === 1 ? 'setting' : 'settings'}` });
  return { data: kept, ignored };
}
