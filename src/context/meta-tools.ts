/**
 * The tools a `search`-mode client sees instead of the catalog: find tools by
 * a description of the task, call one, or load found ones into the session's
 * working set so they are listed like ordinary tools.
 *
 * Names carry the reserved prefix `only1mcp__`: with the default separator a
 * backend's tools are listed as `<server>__<tool>`, so they can only collide
 * if a server is named "only1mcp", which the gateway reserves. Descriptions
 * are short and say what a model needs: what to pass, what comes back, what
 * to do next. The router validates arguments with the parse helpers below
 * (their messages are part of the interface) and formats results with the
 * format helpers, so every path answers the same way.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import { compactCached, toolTokensCached } from './memo.js';
import type { SearchHit } from './tool-index.js';
import type { LoadResult } from './working-set.js';

export const META_TOOL_PREFIX = 'only1mcp__';
export const FIND_TOOLS = `${META_TOOL_PREFIX}find_tools`;
export const CALL_TOOL = `${META_TOOL_PREFIX}call_tool`;
export const LOAD_TOOLS = `${META_TOOL_PREFIX}load_tools`;

/** Results a find returns unless asked otherwise; five schemas are about 1% of a 500-tool catalog. */
export const DEFAULT_FIND_LIMIT = 5;
export const MAX_FIND_LIMIT = 10;
export const MAX_LOAD_NAMES = 20;
/**
 * Models paste user messages into queries, blobs included (a base64 image
 * of 18k characters is one LiveMCPBench task); search cuts blobs out and
 * stays well under a millisecond at this size, so the cap only bounds abuse.
 */
export const MAX_QUERY_CHARS = 32_000;
/**
 * A find result stops adding full definitions past this many tokens (the
 * first found tool always goes in whole); the rest are named with their first
 * sentence. One tool with a 170-value enum can cost 1,800 tokens: five of
 * those would put ~9,000 tokens into the context in one answer.
 */
export const DEFAULT_FIND_RESULT_MAX_TOKENS = 2000;

export const META_TOOLS: readonly JsonObject[] = Object.freeze([
  {
    name: FIND_TOOLS,
    description:
      'Search all available tools by what you want to do. Returns matching tools with their exact input schemas. Then call one with only1mcp__call_tool, or load several with only1mcp__load_tools to use them directly.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'The task or capability in plain words, e.g. "convert a Word file to PDF".' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_FIND_LIMIT, description: `How many tools to return (default ${DEFAULT_FIND_LIMIT}).` },
      },
      required: ['query'],
    },
  },
  {
    name: CALL_TOOL,
    description: 'Call a tool returned by only1mcp__find_tools, by its exact name, with arguments matching its input schema.',
    inputSchema: {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'Exact tool name from the find result.' },
        arguments: { type: 'object', description: 'Arguments for that tool.' },
      },
      required: ['name'],
    },
  },
  {
    name: LOAD_TOOLS,
    description: 'Add found tools to your tool list so you can call them directly. Least recently used tools may be unloaded to make room.',
    inputSchema: {
      type: 'object',
      properties: {
        names: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: MAX_LOAD_NAMES, description: 'Exact tool names from the find result.' },
      },
      required: ['names'],
    },
  },
] as JsonObject[]);

export function isMetaToolName(name: string): boolean {
  return name === FIND_TOOLS || name === CALL_TOOL || name === LOAD_TOOLS;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseFindArgs(args: unknown): Parsed<{ query: string; limit: number }> {
  const a = isObject(args) ? args : {};
  if (typeof a.query !== 'string' || a.query.trim() === '') return { ok: false, message: 'query must be a non-empty string' };
  if (a.query.length > MAX_QUERY_CHARS) return { ok: false, message: `query must be at most ${MAX_QUERY_CHARS} characters` };
  let limit = DEFAULT_FIND_LIMIT;
  if (a.limit !== undefined) {
    if (typeof a.limit !== 'number' || !Number.isInteger(a.limit) || a.limit < 1 || a.limit > MAX_FIND_LIMIT) {
      return { ok: false, message: `limit must be an integer from 1 to ${MAX_FIND_LIMIT}` };
    }
    limit = a.limit;
  }
  return { ok: true, value: { query: a.query, limit } };
}

export function parseCallArgs(args: unknown): Parsed<{ name: string; arguments: JsonObject }> {
  const a = isObject(args) ? args : {};
  if (typeof a.name !== 'string' || a.name === '') return { ok: false, message: 'name must be the exact name of a found tool' };
  if (isMetaToolName(a.name)) return { ok: false, message: `${a.name} cannot be called through ${CALL_TOOL}` };
  if (a.arguments !== undefined && !isObject(a.arguments)) return { ok: false, message: 'arguments must be an object' };
  return { ok: true, value: { name: a.name, arguments: a.arguments ?? {} } };
}

export function parseLoadArgs(args: unknown): Parsed<{ names: string[] }> {
  const a = isObject(args) ? args : {};
  if (!Array.isArray(a.names) || a.names.length === 0 || !a.names.every((n) => typeof n === 'string' && n !== '')) {
    return { ok: false, message: 'names must be a non-empty array of tool names' };
  }
  if (a.names.length > MAX_LOAD_NAMES) return { ok: false, message: `names may list at most ${MAX_LOAD_NAMES} tools` };
  return { ok: true, value: { names: [...new Set(a.names as string[])] } };
}

function textResult(text: string, isError = false): JsonObject {
  return isError ? { content: [{ type: 'text', text }], isError: true } : { content: [{ type: 'text', text }] };
}

/**
 * The result of a find: the found tools exactly as a client would list them,
 * as one compact JSON text `{"tools":[...]}`. Definitions go through
 * compactTool by default (the same form search mode lists loaded tools in;
 * it validates the same arguments as the original schema). Scores stay
 * out: they mean nothing to a model and cost tokens.
 */
export function formatFindResult(
  hits: readonly SearchHit[],
  definitionOf: (name: string) => JsonObject | undefined,
  options: { compact?: boolean; maxTokens?: number } = {},
): JsonObject {
  const compact = options.compact ?? true;
  const maxTokens = options.maxTokens ?? DEFAULT_FIND_RESULT_MAX_TOKENS;
  const tools: JsonObject[] = [];
  const more: string[] = [];
  let spent = 0;
  for (const hit of hits) {
    const def = definitionOf(hit.tool.name);
    if (!def) continue;
    const shown = compact ? compactCached(def) : def;
    const cost = toolTokensCached(shown);
    if (tools.length > 0 && spent + cost > maxTokens) {
      more.push(`${hit.tool.name}: ${firstSentence(typeof def.description === 'string' ? def.description : '')}`.trim());
      continue;
    }
    tools.push(shown);
    spent += cost;
  }
  if (tools.length === 0) return textResult('No matching tools. Try other words for the task.');
  const body: JsonObject = { tools };
  if (more.length > 0) {
    body.more = more;
    body.note = `Schemas of "more" left out for size: find one with ${FIND_TOOLS} {"query": its name, "limit": 1}.`;
  }
  return textResult(JSON.stringify(body));
}

function firstSentence(text: string): string {
  const t = text.trim().split('\n')[0] ?? '';
  const m = /^.*?[.!?。](?=\s|$)/.exec(t);
  return (m ? m[0] : t).slice(0, 160);
}

/** What a load did, in one short line the model can act on. */
export function formatLoadResult(result: LoadResult): JsonObject {
  const parts: string[] = [];
  if (result.added.length) parts.push(`loaded: ${result.added.join(', ')}`);
  if (result.kept.length) parts.push(`already loaded: ${result.kept.join(', ')}`);
  if (result.evicted.length) parts.push(`unloaded to make room: ${result.evicted.join(', ')}`);
  const unknown = result.rejected.filter((r) => r.reason === 'unknown').map((r) => r.name);
  const tooBig = result.rejected.filter((r) => r.reason === 'over-budget').map((r) => r.name);
  if (unknown.length) parts.push(`unknown: ${unknown.join(', ')}`);
  if (tooBig.length) parts.push(`too large to load, use ${CALL_TOOL}: ${tooBig.join(', ')}`);
  const nothing = result.added.length === 0 && result.kept.length === 0;
  return textResult(parts.join('; '), nothing);
}

/** A meta-tool call with invalid arguments: a tool error the model can read and retry, not a protocol error. */
export function metaToolError(message: string): JsonObject {
  return textResult(message, true);
}
