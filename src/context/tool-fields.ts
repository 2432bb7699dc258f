/**
 * The searchable text of a tool, by field: its name, its server, its
 * description, and what its input schema says (parameter names,
 * descriptions, enum values). Fields are weighted separately by the index:
 * a word in a tool's name says more about it than the same word in a long
 * description.
 */
import { isObject } from '../mcp/jsonrpc.js';

export interface IndexedTool {
  /** The name clients see, e.g. `server__tool`. */
  name: string;
  /** The backend (server) that offers the tool. */
  server: string;
  /** The backend's own name for the tool. */
  original: string;
  description?: string;
  inputSchema?: unknown;
  title?: string;
}

export interface ToolText {
  name: string;
  server: string;
  description: string;
  params: string;
  /** Parameter names alone, for value-type matching (paths, URLs, dates...). */
  paramNames: string[];
}

/** Schema nesting followed when collecting parameters; deeper levels repeat what is above. */
const MAX_SCHEMA_DEPTH = 4;
/** Enum values are indexed when there are few; a long list (country codes) is noise. */
const MAX_INDEXED_ENUM_VALUES = 20;

export function toolText(tool: IndexedTool): ToolText {
  const params: string[] = [];
  const paramNames: string[] = [];
  collect(tool.inputSchema, 0, params, paramNames);
  return {
    name: tool.title && tool.title !== tool.original ? `${tool.original} ${tool.title}` : tool.original,
    server: tool.server,
    description: tool.description ?? '',
    params: params.join(' \n'),
    paramNames,
  };
}

function collect(schema: unknown, depth: number, out: string[], names: string[]): void {
  if (!isObject(schema) || depth > MAX_SCHEMA_DEPTH) return;
  if (typeof schema.description === 'string' && depth > 0) out.push(schema.description);
  if (Array.isArray(schema.enum) && schema.enum.length <= MAX_INDEXED_ENUM_VALUES) {
    for (const v of schema.enum) if (typeof v === 'string') out.push(v);
  }
  if (typeof schema.const === 'string') out.push(schema.const);
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      out.push(key);
      names.push(key);
      collect(sub, depth + 1, out, names);
    }
  }
  if (isObject(schema.items)) collect(schema.items, depth + 1, out, names);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[k];
    if (Array.isArray(list)) for (const sub of list) collect(sub, depth + 1, out, names);
  }
  for (const k of ['$defs', 'definitions'] as const) {
    const defs = schema[k];
    if (isObject(defs)) for (const sub of Object.values(defs)) collect(sub, depth + 1, out, names);
  }
}
