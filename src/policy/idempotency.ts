/**
 * Which requests may be sent twice. Reading a list, a resource or a prompt,
 * completing an argument and pinging change nothing on the backend; a tool
 * call may, so it is retried only when the tool says it is read-only or
 * idempotent (MCP tool annotations) and the server's config trusts such
 * hints (`retry.idempotentTools: true`; annotations come from the backend,
 * and the spec calls them hints, not guarantees).
 */
import { isObject } from '../mcp/jsonrpc.js';

export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  'ping',
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/get',
  'completion/complete',
]);

/** `tool`: the tool's definition as the backend listed it (tools/call only). */
export function isIdempotent(method: string, tool: unknown, idempotentTools: boolean): boolean {
  if (IDEMPOTENT_METHODS.has(method)) return true;
  if (method !== 'tools/call' || !idempotentTools || !isObject(tool) || !isObject(tool.annotations)) return false;
  return tool.annotations.readOnlyHint === true || tool.annotations.idempotentHint === true;
}
