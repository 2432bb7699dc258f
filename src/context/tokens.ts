/**
 * Token accounting with the o200k_base encoding (GPT-4o and later), offline:
 * gpt-tokenizer ships the BPE ranks inside the package, so nothing is
 * downloaded at run time (see docs/context.md for why this tokenizer).
 *
 * Convention: a tool costs the tokens of `JSON.stringify(tool)`, the JSON a
 * client receives in tools/list. A list costs the sum of its tools (the
 * array's commas and brackets are left out so that costs add up, which the
 * working-set budget relies on). Clients re-render tools in their own
 * formats, so these are a stable proxy, not what a given model is billed.
 */
import { createRequire } from 'node:module';

type O200k = typeof import('gpt-tokenizer/encoding/o200k_base');

/**
 * Loaded on first use, synchronously (the package ships a CommonJS build):
 * the BPE ranks take ~0.4 s to load, which every worker would otherwise pay
 * at start (a respawned worker included) even when nobody counts tokens.
 */
let encoding: O200k | undefined;
function o200k(): O200k {
  encoding ??= createRequire(import.meta.url)('gpt-tokenizer/encoding/o200k_base') as O200k;
  return encoding;
}

/**
 * Special-token strings such as "<|endoftext|>" inside a backend's
 * description are counted as plain text; the tokenizer's default is to throw,
 * which would let one backend break tools/list for everybody.
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() } as const;

export function countTokens(text: string): number {
  return o200k().countTokens(text, PLAIN_TEXT);
}

/** Tokens of one tool as a client receives it: `JSON.stringify(tool)`. */
export function toolTokens(tool: unknown): number {
  return countTokens(JSON.stringify(tool));
}

/** Tokens of a tools/list: the sum of its tools. */
export function listTokens(tools: readonly unknown[]): number {
  let sum = 0;
  for (const tool of tools) sum += toolTokens(tool);
  return sum;
}
