/**
 * The 2026-07-28 request metadata headers: `Mcp-Method`, `Mcp-Name` and
 * `Mcp-Param-*`, with the Base64 sentinel (`=?base64?...?=`) for values that
 * are not plain visible ASCII. Used both to write headers to modern backends
 * and to validate a modern client's headers against its body.
 */
import { isObject, type JsonObject } from './jsonrpc.js';

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';

/** Visible ASCII and inner spaces/tabs only: what can travel as a header value unchanged. */
function isPlainHeaderValue(value: string): boolean {
  if (value.length === 0) return true;
  if (/^[ \t]|[ \t]$/.test(value)) return false;
  if (value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX)) return false;
  return /^[\x20-\x7e\t]*$/.test(value);
}

export function encodeHeaderValue(value: string): string {
  if (isPlainHeaderValue(value)) return value;
  return `${SENTINEL_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_SUFFIX}`;
}

/** Decodes a sentinel-encoded value; undefined when the encoding is malformed. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

export function decodeHeaderValue(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX))) return value;
  const b64 = value.slice(SENTINEL_PREFIX.length, value.length - SENTINEL_SUFFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(b64, 'base64');
  // Canonical encodings only: one value, one spelling (non-zero padding bits are refused).
  if (bytes.toString('base64') !== b64) return undefined;
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Methods whose `Mcp-Name` header mirrors `params.name` or `params.uri`. */
export const NAMED_METHODS: Readonly<Record<string, 'name' | 'uri'>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** The value `Mcp-Name` must carry for this request, or undefined when the method has none. */
export function routingName(method: string, params: JsonObject | undefined): string | undefined {
  const field = NAMED_METHODS[method];
  if (!field) return undefined;
  const value = params?.[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `x-mcp-header` annotations of a tool's input schema: header name → property
 * path. Only chains of `properties` keys count, as the transport text requires.
 */
export function paramHeaders(inputSchema: unknown): Array<{ header: string; path: string[] }> {
  const out: Array<{ header: string; path: string[] }> = [];
  const walk = (schema: unknown, path: string[]) => {
    if (!isObject(schema) || !isObject(schema.properties)) return;
    for (const [key, sub] of Object.entries(schema.properties)) {
      if (!isObject(sub)) continue;
      const header = sub['x-mcp-header'];
      if (typeof header === 'string' && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(header)) out.push({ header, path: [...path, key] });
      walk(sub, [...path, key]);
    }
  };
  walk(inputSchema, []);
  return out;
}

/** The header value for one annotated argument, or undefined when absent/null/not primitive. */
export function paramHeaderValue(args: unknown, path: string[]): string | undefined {
  let cur: unknown = args;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  if (typeof cur === 'string') return encodeHeaderValue(cur);
  if (typeof cur === 'boolean') return cur ? 'true' : 'false';
  if (typeof cur === 'number' && Number.isSafeInteger(cur)) return String(cur);
  return undefined;
}
