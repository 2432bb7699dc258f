/**
 * Per-server filtering and shaping of what clients see: allow/deny globs
 * for tools, prompts and resources, renamed tools, replaced descriptions.
 * Globs (`*` only, src/config/glob.ts) match the backend's own names (tools,
 * prompts) and URIs or URI templates (resources), before any renaming or
 * prefixing. Deny wins over allow.
 *
 * The backend's lists are unknown when the config loads, so only what is
 * decidable from the file is checked: a filter that provably hides
 * everything (deny "*", an empty allow list, every allow glob covered by a
 * deny glob), and renames or descriptions of tools the filter hides.
 */
import * as z from 'zod';
import { anyGlob, globCovers, matchesEverything } from './glob.js';
import { nonEmptyString } from './schema-parts.js';
import type { Fail } from './routing-schema.js';

/** What clients accept as a tool name (MCP: 1-128 characters; clients commonly stop at 64). */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const TOOL_NAME_RULE = 'a tool name is 1-64 characters of A-Z, a-z, 0-9, "_", "-" and "."';

const globs = (what: string) => z.array(nonEmptyString).describe(what);

const filterKeys = (noun: string, matched: string) => ({
  allow: globs(`Globs (* matches any run of characters) on ${matched}; only ${noun} matching one are exposed. Default: all.`).optional(),
  deny: globs(`Globs on ${matched}; ${noun} matching one are hidden (from lists and search, and refused when called). Wins over allow.`).optional(),
});

const ToolShaping = z.strictObject({
  ...filterKeys('tools', 'the backend\'s tool names'),
  rename: z
    .record(z.string(), z.string().regex(TOOL_NAME_PATTERN, { error: TOOL_NAME_RULE }))
    .optional()
    .describe('Backend tool name → the name clients see (the naming policy and prefix still apply on top).'),
  descriptions: z.record(z.string(), z.string()).optional().describe('Backend tool name → the description clients see instead of the backend\'s.'),
});

const ItemFilter = (noun: string, matched: string) => z.strictObject(filterKeys(noun, matched));

export const shapingKeys = {
  tools: ToolShaping.optional().describe('Which of the server\'s tools clients see, and under which names and descriptions.'),
  prompts: ItemFilter('prompts', 'the backend\'s prompt names').optional().describe('Which of the server\'s prompts clients see.'),
  resources: ItemFilter('resources and resource templates', 'resource URIs and URI templates')
    .optional()
    .describe('Which of the server\'s resources and resource templates clients see; a read of a hidden URI is refused.'),
};

export interface FilterEntry {
  readonly allow?: readonly string[] | undefined;
  readonly deny?: readonly string[] | undefined;
}

export interface ShapingEntry {
  readonly tools?: (FilterEntry & { rename?: Record<string, string> | undefined; descriptions?: Record<string, string> | undefined }) | undefined;
  readonly prompts?: FilterEntry | undefined;
  readonly resources?: FilterEntry | undefined;
  /** Windsurf / Roo Code: tool names hidden by the client; here, a deny list. */
  readonly disabledTools?: readonly string[] | undefined;
}

export function checkShaping(s: ShapingEntry, fail: Fail): void {
  const toolDeny = [...(s.tools?.deny ?? []), ...(s.disabledTools ?? [])];
  checkFilter('tools', s.tools?.allow, toolDeny, s.tools?.deny !== undefined ? ['tools', 'deny'] : ['disabledTools'], fail);
  checkFilter('prompts', s.prompts?.allow, s.prompts?.deny ?? [], ['prompts', 'deny'], fail);
  checkFilter('resources', s.resources?.allow, s.resources?.deny ?? [], ['resources', 'deny'], fail);

  const hidden = hiddenBy(s.tools?.allow, toolDeny);
  const targets = new Map<string, string>();
  for (const [from, to] of Object.entries(s.tools?.rename ?? {})) {
    const why = hidden(from);
    if (why) fail(['tools', 'rename', from], `renames a tool that ${why}`);
    const other = targets.get(to);
    if (other !== undefined) fail(['tools', 'rename', from], `"${other}" is already renamed to "${to}"`);
    targets.set(to, from);
  }
  for (const name of Object.keys(s.tools?.descriptions ?? {})) {
    const why = hidden(name);
    if (why) fail(['tools', 'descriptions', name], `describes a tool that ${why}`);
  }
}

/** Fails when the filter provably leaves nothing of its kind. */
function checkFilter(kind: string, allow: readonly string[] | undefined, deny: readonly string[], denyAt: (string | number)[], fail: Fail): void {
  const all = deny.find(matchesEverything);
  if (all !== undefined) {
    fail(denyAt, `"${all}" hides every one of the server's ${kind}; remove the filter, or disable the server`);
    return;
  }
  if (allow === undefined) return;
  if (allow.length === 0) {
    fail([kind, 'allow'], `an empty allow list exposes none of the server's ${kind}; leave allow out to expose all`);
    return;
  }
  const covered = allow.map((a) => [a, deny.find((d) => globCovers(d, a))] as const);
  if (covered.every(([, d]) => d !== undefined)) {
    const pairs = covered.map(([a, d]) => `"${a}" by "${d}"`).join(', ');
    fail(denyAt, `hides everything ${kind}.allow lets through (${pairs}), so none of the server's ${kind} would be exposed`);
  }
}

/** Why a tool name is hidden by the filter, or undefined when it is not. */
function hiddenBy(allow: readonly string[] | undefined, deny: readonly string[]): (name: string) => string | undefined {
  const denied = anyGlob(deny);
  const allowed = allow === undefined ? () => true : anyGlob(allow);
  return (name) => {
    if (denied(name)) return 'the deny list hides';
    if (!allowed(name)) return 'the allow list does not let through';
    return undefined;
  };
}
