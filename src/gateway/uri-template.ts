/**
 * Matches a URI against an RFC 6570 template well enough to route a
 * `resources/read` to the backend whose template produced it. Only the
 * shapes MCP servers use are needed: simple `{var}`, reserved `{+var}`,
 * path `{/var}`, and query `{?a,b}` / `{&a}` expansions.
 */

const cache = new Map<string, RegExp>();
/** Templates compiled and kept; a bound, because backends supply them. */
const MAX_CACHED_TEMPLATES = 10_000;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function templateRegex(template: string): RegExp {
  const hit = cache.get(template);
  if (hit) return hit;
  let pattern = '^';
  let last = 0;
  for (const m of template.matchAll(/\{([+#./;?&]?)([^}]*)\}/g)) {
    pattern += escape(template.slice(last, m.index));
    const op = m[1];
    switch (op) {
      case '+':
      case '#':
        pattern += '(.*)';
        break;
      case '/':
        pattern += '(?:/[^/?#]*)*';
        break;
      case '?':
      case '&':
        pattern += '(?:[?&][^#]*)?';
        break;
      case '.':
        pattern += '(?:\\.[^/?#.]*)*';
        break;
      case ';':
        pattern += '(?:;[^/?#]*)*';
        break;
      default:
        pattern += '([^/?#]+)';
    }
    last = (m.index ?? 0) + m[0].length;
  }
  pattern += `${escape(template.slice(last))}$`;
  const re = new RegExp(pattern);
  if (cache.size >= MAX_CACHED_TEMPLATES) cache.clear();
  cache.set(template, re);
  return re;
}

export function matchesTemplate(template: string, uri: string): boolean {
  return templateRegex(template).test(uri);
}
