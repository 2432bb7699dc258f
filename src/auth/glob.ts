/**
 * Globs of role grants and rate limits, compiled once into one anchored
 * RegExp per list.
 *
 * Names (servers, tools, prompts): `*` is any run of characters, `?` one.
 * URIs (resources): `*` stops at "/", `**` does not, `?` is one character
 * other than "/"; so `file:///docs/*` is the files in /docs and
 * `file:///docs/**` everything below it.
 * Every other character is literal (a "." in a name is a dot).
 */

export type GlobKind = 'name' | 'uri';

/** One RegExp matching any of `patterns`, or undefined for an empty list (matches nothing). */
export function compileGlobs(patterns: readonly string[], kind: GlobKind, caseInsensitive = false): RegExp | undefined {
  if (patterns.length === 0) return undefined;
  const body = patterns.map((p) => globSource(p, kind)).join('|');
  return new RegExp(`^(?:${body})$`, caseInsensitive ? 'si' : 's');
}

function globSource(pattern: string, kind: GlobKind): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (kind === 'uri' && pattern[i + 1] === '*') {
        out += '.*';
        i++;
      } else {
        out += kind === 'uri' ? '[^/]*' : '.*';
      }
    } else if (c === '?') {
      out += kind === 'uri' ? '[^/]' : '.';
    } else {
      out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return out;
}

export function matches(re: RegExp | undefined, value: string): boolean {
  return re !== undefined && re.test(value);
}
