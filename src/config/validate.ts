/**
 * Runs the schema over interpolated data. One allowance: a value that came
 * from a `${...}` reference is text, so where the schema wants a number or a
 * boolean (`port: ${PORT:-7323}`, `enabled: ${USE_GITHUB}`) and the text is
 * one, it is converted and the data validated again. A literal "7323" in the
 * file stays an error: strictness is about what the user wrote.
 */
import type { KeyPath } from './config-error.js';
import { ConfigFileSchema, type ConfigFile } from './schema.js';
import { translateIssues, type PathIssue } from './zod-issues.js';

const NUMBER_TEXT = /^-?\d+(?:\.\d+)?$/;

export type Validated = { ok: true; value: ConfigFile } | { ok: false; issues: PathIssue[] };

export function validateConfigData(data: unknown, resolved: ReadonlySet<string>): Validated {
  let result = ConfigFileSchema.safeParse(data, { reportInput: true });
  if (!result.success && convertResolved(data, result.error.issues.map((i) => i.path as KeyPath), resolved)) {
    result = ConfigFileSchema.safeParse(data, { reportInput: true });
  }
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: translateIssues(ConfigFileSchema, result.error.issues) };
}

/** Converts, in place, resolved strings at failing paths that read as numbers or booleans. */
function convertResolved(data: unknown, paths: readonly KeyPath[], resolved: ReadonlySet<string>): boolean {
  let changed = false;
  for (const p of paths) {
    if (p.length === 0 || !resolved.has(JSON.stringify(p))) continue;
    const parent = p.slice(0, -1).reduce<unknown>((node, seg) => (node as Record<string | number, unknown>)[seg], data) as Record<
      string | number,
      unknown
    >;
    const key = p[p.length - 1] as string | number;
    const text = parent[key];
    if (typeof text !== 'string') continue;
    if (NUMBER_TEXT.test(text)) parent[key] = Number(text);
    else if (text === 'true' || text === 'false') parent[key] = text === 'true';
    else continue;
    changed = true;
  }
  return changed;
}
