/**
 * zod issues → the messages a user reads. Type, enum and unknown-key
 * messages are generated here from the issue (zod's own wording is written
 * for developers: "Invalid input: expected string, received number");
 * every other message was written next to its check in the schema.
 */
import * as z from 'zod';
import type { KeyPath } from './config-error.js';

export interface PathIssue {
  readonly path: KeyPath;
  readonly message: string;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  record: 'an object',
  array: 'a list',
};

/** Unknown keys this close to a known one get a "did you mean". */
const SUGGEST_MAX_DISTANCE = 2;

export function translateIssues(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  return translate(schema, unwrapUnions(issues));
}

/**
 * A union (`replicas: 3` or `replicas: [{ url }]`) that failed in every
 * branch is reported through the one branch whose type matched, when one
 * did: its issues lie below the union's path. `replicas: [{ url: 5 }]` then
 * reads "replicas[0].url: expected a string", not the union's summary.
 */
function unwrapUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((iss) => {
    if (iss.code !== 'invalid_union') return [iss];
    const matched = iss.errors.filter((branch) => branch.length > 0 && branch.every((b) => b.path.length > 0));
    if (matched.length !== 1) return [iss];
    return unwrapUnions((matched[0] as z.core.$ZodIssue[]).map((b) => ({ ...b, path: [...iss.path, ...b.path] })));
  });
}

function translate(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  const out: PathIssue[] = [];
  const seen = new Set<string>();
  const add = (path: KeyPath, message: string): void => {
    // One bad value can trip two checks with the same message (range and safe-integer).
    const key = JSON.stringify([path, message]);
    if (!seen.has(key)) out.push({ path, message });
    seen.add(key);
  };
  for (const iss of issues) {
    const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
    switch (iss.code) {
      case 'invalid_type': {
        // zod names the JS type it wanted ("number"); the user wants to know it must be whole.
        const target = schemaAt(schema, path);
        const expected = iss.expected === 'number' && target instanceof z.ZodNumber && target.isInt ? 'int' : iss.expected;
        add(path, iss.input === undefined ? 'is required' : `expected ${EXPECTED[expected] ?? expected}, got ${describe(iss.input, expected)}`);
        break;
      }
      case 'unrecognized_keys': {
        const target = schemaAt(schema, path);
        const known = target instanceof z.ZodObject ? Object.keys(target.shape) : [];
        for (const key of iss.keys) add([...path, key], `unknown key${suggest(key, known)}`);
        break;
      }
      case 'invalid_value': {
        const options = iss.values.map((v) => JSON.stringify(v));
        const expected = options.length === 1 ? options[0] : `one of ${options.join(', ')}`;
        add(path, `expected ${expected}, got ${describe(iss.input)}`);
        break;
      }
      case 'invalid_key':
        add(path, iss.issues[0]?.message ?? iss.message);
        break;
      default:
        add(path, iss.message);
    }
  }
  return out;
}

/** How a wrong value is named: scalars by their text (short ones), the rest by kind. */
export function describe(value: unknown, expected?: string): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  switch (typeof value) {
    case 'string':
      return value.length <= 40 && expected !== 'string' ? JSON.stringify(value) : 'a string';
    case 'number':
      return expected === 'int' || expected === undefined ? String(value) : 'a number';
    case 'boolean':
      return expected === undefined ? String(value) : 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

function suggest(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = SUGGEST_MAX_DISTANCE + 1;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

/** The schema that validates the value at `path` (optional wrappers removed). */
function schemaAt(schema: z.ZodType, path: KeyPath): unknown {
  let node: unknown = schema;
  for (const seg of [...path, undefined]) {
    while (node instanceof z.ZodOptional || node instanceof z.ZodDefault) node = node.unwrap();
    if (seg === undefined) break;
    // A union: the branch that can hold this segment (a list for an index, an object for a key).
    if (node instanceof z.ZodUnion) node = (node.options as unknown[]).find((o) => (typeof seg === 'number' ? o instanceof z.ZodArray : o instanceof z.ZodObject || o instanceof z.ZodRecord));
    if (node instanceof z.ZodObject) node = node.shape[String(seg)];
    else if (node instanceof z.ZodRecord) node = node.valueType;
    else if (node instanceof z.ZodArray) node = node.element;
    else return undefined;
  }
  return node;
}

/** Levenshtein distance, small strings only. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}
