/**
 * Query expansion from schemas: values in a request tell which parameters a
 * tool must take. "save it to /root/notes/x.md" needs a tool with a path
 * parameter; "https://..." one with a URL; "amaz0n.com" one with a domain.
 * Values are recognised in the query and replaced by a type marker (their
 * characters are noise to word matching); tools get the same markers from
 * their parameter names and formats. Extensions also say what kind of
 * content is meant (".pptx" → presentation).
 */
import { isObject } from '../mcp/jsonrpc.js';
import { words } from './text-analysis.js';

export type ValueType = 'path' | 'url' | 'domain' | 'email' | 'base64' | 'coordinates';

/** Marker terms cannot collide with words: words never contain "@". */
export const typeTerm = (t: ValueType): string => `@${t}`;

/** Parameter-name words that say which kind of value a parameter takes. */
const PARAM_WORDS: Readonly<Record<string, ValueType>> = {
  path: 'path', file: 'path', filename: 'path', filepath: 'path', dir: 'path', directory: 'path', folder: 'path',
  url: 'url', uri: 'url', link: 'url', href: 'url', website: 'url',
  domain: 'domain', hostname: 'domain', host: 'domain',
  email: 'email',
  base64: 'base64',
  latitude: 'coordinates', longitude: 'coordinates', lat: 'coordinates', lon: 'coordinates', lng: 'coordinates',
};

const FORMATS: Readonly<Record<string, ValueType>> = { uri: 'url', url: 'url', 'uri-reference': 'url', iri: 'url', hostname: 'domain', 'idn-hostname': 'domain', email: 'email', 'idn-email': 'email' };

/** File extensions → words for the kind of content, in the catalog's vocabulary. */
const EXTENSION_WORDS: Readonly<Record<string, string>> = {
  md: 'markdown', markdown: 'markdown', txt: 'text', rst: 'text',
  pdf: 'pdf',
  doc: 'word document', docx: 'word document', odt: 'document',
  ppt: 'presentation powerpoint slide', pptx: 'presentation powerpoint slide', key: 'presentation',
  xls: 'excel spreadsheet sheet', xlsx: 'excel spreadsheet sheet', csv: 'csv spreadsheet', tsv: 'spreadsheet',
  png: 'image picture', jpg: 'image picture', jpeg: 'image picture', gif: 'image', webp: 'image', bmp: 'image', svg: 'svg image',
  html: 'html web page', htm: 'html web page',
  json: 'json', yaml: 'yaml', yml: 'yaml', xml: 'xml',
  py: 'python code script', js: 'javascript code', ts: 'typescript code', java: 'java code', go: 'go code', rs: 'rust code', sh: 'shell script',
  mp3: 'audio music', wav: 'audio music', flac: 'audio music', ogg: 'audio', m4a: 'audio',
  mp4: 'video', mov: 'video', mkv: 'video', webm: 'video',
  zip: 'archive', tar: 'archive', gz: 'archive',
};

/** Types a tool's parameters accept, from their names and formats. */
export function parameterTypes(schema: unknown, depth = 0, out = new Set<ValueType>()): Set<ValueType> {
  if (!isObject(schema) || depth > 3) return out;
  if (typeof schema.format === 'string' && FORMATS[schema.format]) out.add(FORMATS[schema.format]!);
  if (schema.contentEncoding === 'base64') out.add('base64');
  if (isObject(schema.properties)) {
    for (const [key, sub] of Object.entries(schema.properties)) {
      for (const w of words(key)) {
        const t = PARAM_WORDS[w];
        if (t) out.add(t);
      }
      parameterTypes(sub, depth + 1, out);
    }
  }
  if (isObject(schema.items)) parameterTypes(schema.items, depth + 1, out);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[k];
    if (Array.isArray(list)) for (const sub of list) parameterTypes(sub, depth + 1, out);
  }
  return out;
}

export interface QueryValues {
  /** The query with recognised values cut out, plus words they imply (host names, content kinds). */
  text: string;
  types: Set<ValueType>;
}

const URL_RE = /\b(?:https?|ftp):\/\/[^\s"'<>]+|\bwww\.[^\s"'<>]+/giu;
const EMAIL_RE = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/gu;
const PATH_RE = /(?:^|[\s"'(`])((?:~|\.{1,2})?\/[\w.\-@/]*[\w]|[A-Za-z]:\\[^\s"']+)/gu;
const FILE_RE = /\b[\w-]+\.([A-Za-z0-9]{1,8})\b/gu;
const DOMAIN_RE = /\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|ai|app|cn|uk|de|jp|fr|info|gov|edu|co|me|tv|xyz)\b/giu;
const BASE64_RE = /[A-Za-z0-9+/]{64,}={0,2}/gu;
const COORDS_RE = /-?\d{1,3}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}/gu;

/** Host words worth keeping ("youtube", "arxiv"); the rest of a URL is noise. */
function hostWords(host: string): string {
  return host
    .toLowerCase()
    .split('.')
    .filter((p) => p !== 'www' && !/^(com|org|net|io|cn|co|uk|html?)$/.test(p))
    .join(' ');
}

function extensionWords(file: string): string {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(file)?.[1]?.toLowerCase();
  return ext ? (EXTENSION_WORDS[ext] ?? '') : '';
}

/**
 * Words a recognised value implies: a path names a file, an address a web
 * page. Requests rarely say "file" next to "/root/notes/x.md".
 */
const IMPLIED_WORDS: Readonly<Record<ValueType, string>> = {
  path: 'file',
  url: 'url web page',
  domain: 'domain website',
  email: 'email',
  base64: 'base64 data',
  coordinates: 'latitude longitude coordinates',
};

/** Recognises values in a query. */
export function queryValues(query: string): QueryValues {
  const types = new Set<ValueType>();
  const extra: string[] = [];
  let text = query.replace(BASE64_RE, () => {
    types.add('base64');
    return ' ';
  });
  text = text.replace(URL_RE, (url) => {
    types.add('url');
    const host = /^(?:[a-z]+:\/\/)?([^/:?#]+)/i.exec(url)?.[1] ?? '';
    extra.push(hostWords(host), extensionWords(url.replace(/[?#].*$/, '')));
    return ' ';
  });
  text = text.replace(EMAIL_RE, () => {
    types.add('email');
    return ' ';
  });
  text = text.replace(PATH_RE, (m, path: string) => {
    types.add('path');
    const base = path.split(/[\\/]/).pop() ?? '';
    extra.push(extensionWords(base), base.replace(/\.[A-Za-z0-9]{1,8}$/, ''));
    return m.slice(0, m.length - path.length) + ' ';
  });
  text = text.replace(DOMAIN_RE, (d) => {
    types.add('domain');
    types.add('url');
    extra.push(hostWords(d));
    return ' ';
  });
  text = text.replace(FILE_RE, (m, ext: string) => {
    const kind = EXTENSION_WORDS[ext.toLowerCase()];
    if (!kind) return m;
    types.add('path');
    extra.push(kind);
    return m.slice(0, m.length - ext.length - 1);
  });
  text = text.replace(COORDS_RE, () => {
    types.add('coordinates');
    return ' ';
  });
  for (const t of types) extra.push(IMPLIED_WORDS[t]);
  return { text: `${text} ${extra.join(' ')}`, types };
}
