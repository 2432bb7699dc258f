/**
 * The one glob syntax of the config: `*` matches any run of characters
 * (including none); every other character matches itself, case-sensitively.
 * Used for client names in context overrides and for the allow/deny lists
 * of tools, prompts and resources. Tool names cannot contain `*`, so no
 * escape is needed.
 */

/** A compiled glob: one RegExp, built once, tested many times. */
export function compileGlob(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map(escape).join('.*')}$`, 's');
}

export function globMatch(glob: string, text: string): boolean {
  return compileGlob(glob).test(text);
}

/** A predicate for "matches any of these globs"; an empty list matches nothing. */
export function anyGlob(globs: readonly string[]): (text: string) => boolean {
  if (globs.length === 0) return () => false;
  const re = new RegExp(globs.map((g) => `(?:${compileGlob(g).source})`).join('|'), 's');
  return (text) => re.test(text);
}

/**
 * True when every text `inner` matches is matched by `outer`, decided
 * statically. `outer` matching `inner`'s own text (its `*` taken as a
 * character that one of outer's `*` absorbs) is exactly that: outer's
 * literal characters line up with inner's literal ones, and each of inner's
 * `*` lies inside a `*` of outer, which then absorbs whatever it stands for.
 */
export function globCovers(outer: string, inner: string): boolean {
  return globMatch(outer, inner);
}

/** A glob that matches every text (`*`, `**`, ...). */
export function matchesEverything(glob: string): boolean {
  return glob.length > 0 && /^\*+$/.test(glob);
}

function escape(part: string): string {
  return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
