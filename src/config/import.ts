/**
 * `only1mcp import`: a client's MCP config (Claude Desktop, Cursor, VS Code
 * mcp.json or settings.json, Windsurf, Cline) → an only1mcp YAML config with
 * the same servers. The same files also load as they are; importing gives
 * the user a file in our format to grow from, with comments, and says what
 * was left behind.
 */
import path from 'node:path';
import { Document, isMap, isScalar } from 'yaml';
import { ConfigError } from './config-error.js';
import { importServer, serverName } from './import-server.js';
import { parseSource } from './source.js';
import { clientOfFile } from './client-file.js';

export interface ImportResult {
  readonly yaml: string;
  /** How many servers were imported. */
  readonly servers: number;
  readonly warnings: string[];
}

/** Where each client keeps its servers, most specific first. */
const SHAPES = [{ path: ['mcpServers'] }, { path: ['servers'] }, { path: ['mcp', 'servers'] }, { path: ['mcp.servers'] }] as const;


/** `validateCommand`: how the header comment tells the reader to check the result (the CLI names itself as it can be run). */
export function importClientConfig(text: string, file: string, validateCommand = 'only1mcp validate'): ImportResult {
  const source = parseSource(text, file);
  const root = source.data;
  if (!isObject(root)) throw ConfigError.at(file, 1, 1, [], 'expected an object with the MCP servers');
  const shape = SHAPES.find((s) => lookup(root, s.path) !== undefined);
  if (shape === undefined) {
    throw ConfigError.at(file, 1, 1, [], 'no MCP servers found: expected mcpServers (Claude Desktop, Cursor, Windsurf, Cline), servers (VS Code mcp.json) or mcp.servers (VS Code settings.json)');
  }
  const found = lookup(root, shape.path);
  if (!isObject(found)) throw ConfigError.at(file, ...position(source.locate(shape.path)), shape.path, 'expected an object of servers by name');

  const client = clientOf(file);
  const warnings: string[] = [];
  const others = Object.keys(root).filter((k) => k !== shape.path[0]);
  if (others.length > 0) warnings.push(`ignored top-level ${others.length === 1 ? 'key' : 'keys'} ${others.map((k) => `"${k}"`).join(', ')}: only servers are imported`);

  const servers: Record<string, unknown> = {};
  const renamed = new Map<string, string>();
  for (const [raw, entry] of Object.entries(found)) {
    if (!isObject(entry)) {
      warnings.push(`skipped server "${raw}": expected an object`);
      continue;
    }
    const name = serverName(raw, new Set(Object.keys(servers)));
    if (name !== raw) {
      renamed.set(name, raw);
      warnings.push(`renamed server "${raw}" to "${name}": names are 1-64 characters of A-Z, a-z, 0-9, "_" and "-"`);
    }
    const result = importServer(name, entry, client === 'Cline');
    servers[name] = result.entry;
    warnings.push(...result.warnings);
  }

  const count = Object.keys(servers).length;
  const doc = new Document({ servers });
  doc.commentBefore = [
    ` only1mcp configuration imported from ${file}`,
    ` ${count} ${count === 1 ? 'server' : 'servers'} from its "${shape.path.join('.')}"${client === undefined ? '' : ` (${client})`}.`,
    ' Only servers were imported; listen, workers, redis and the rest keep their',
    ` defaults. Check the result with: ${validateCommand}`,
  ].join('\n');
  const map = doc.get('servers', true);
  if (isMap(map)) {
    for (const pair of map.items) {
      const original = isScalar(pair.key) ? renamed.get(String(pair.key.value)) : undefined;
      if (original !== undefined && isScalar(pair.key)) pair.key.commentBefore = ` "${original}" in the client's file`;
    }
  }
  return { yaml: doc.toString({ lineWidth: 0 }), servers: count, warnings };
}

/** Recognised by file name, for the header comment; VS Code's settings.json only imports (it does not load as is). */
function clientOf(file: string): string | undefined {
  return clientOfFile(file) ?? (path.basename(file) === 'settings.json' ? 'VS Code settings' : undefined);
}

function lookup(root: Record<string, unknown>, keys: readonly string[]): unknown {
  let node: unknown = root;
  for (const k of keys) node = isObject(node) ? node[k] : undefined;
  return node;
}

function position(p: { line: number; column: number }): [number, number] {
  return [p.line, p.column];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
