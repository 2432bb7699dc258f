/**
 * Text → index terms, the same way for tool fields and for queries.
 *
 * Identifiers are split at case changes and separators (`getBaziDetail`,
 * `get-weibo-trending`, `excel_read_sheet`), words are lower-cased, stop
 * words dropped and a light suffix stemmer applied. Han, kana and hangul runs
 * have no spaces, so they become overlapping character bigrams, the usual
 * choice for CJK retrieval without a dictionary.
 */

/**
 * Function words, and the politeness and framing words of requests ("please
 * help me ..."). They occur in queries, not in what tools do, so they would
 * only add noise to long task-style queries.
 */
const STOP_WORDS = new Set(
  (
    'a an the and or but nor of to in on at by for with from into onto over under about as than then so such ' +
    'is are was were be been being am do does did doing done has have had having will would shall should can could may might must ' +
    'i me my mine we us our you your yours he him his she her it its they them their this that these those there here ' +
    'what which who whom whose when where why how all any both each every some most more other same own only also very just too ' +
    'not no yes if else while until up down out off again once further ' +
    'please help want need like let lets give tell make sure via using use used etc e g eg ie one'
  ).split(' '),
);

const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]/u;
/** Word pieces: runs of letters/digits, or one CJK run. */
const PIECES = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+|[\p{L}\p{N}]+/gu;
/** Case boundaries: "getBaziDetail" → get Bazi Detail, "HTMLParser" → HTML Parser. */
const CAMEL = /([\p{Ll}\p{N}])(\p{Lu})|(\p{Lu})(\p{Lu}\p{Ll})/gu;

const ASCII = /^[\x00-\x7f]*$/;
const ASCII_PIECES = /[A-Za-z0-9]+/g;
const HAS_UPPER = /\p{Lu}/u;

/** Splits text (or an identifier) into lower-case words, without stemming or stop words. */
export function words(text: string): string[] {
  const out: string[] = [];
  const ascii = ASCII.test(text);
  const normal = ascii ? text : text.normalize('NFKC');
  const spaced = HAS_UPPER.test(normal) ? normal.replace(CAMEL, (_m, a?: string, b?: string, c?: string, d?: string) => (a !== undefined ? `${a} ${b}` : `${c} ${d}`)) : normal;
  for (const match of spaced.matchAll(ascii ? ASCII_PIECES : PIECES)) {
    const piece = match[0];
    if (!ascii && CJK.test(piece)) {
      if (piece.length === 1) out.push(piece);
      for (let i = 0; i + 1 < piece.length; i++) out.push(piece.slice(i, i + 2));
    } else {
      out.push(piece.toLowerCase());
    }
  }
  return out;
}

const VOWEL = /[aeiouy]/;

/**
 * A light English suffix stemmer (plural, -ing, -ed, -ly, -ation, -er, final
 * e). It conflates "create/creating/creation", "trend/trends/trending",
 * "file/files"; both sides of a match go through it, so consistency matters
 * more than linguistic correctness; a full Porter2 port would be several
 * times the code for an unmeasured difference.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || !/^[a-z]+$/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  let cut = false;
  for (const suffix of ['ations', 'ation', 'ingly', 'ing', 'edly', 'ed', 'ly', 'ers', 'er']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3 && VOWEL.test(w.slice(0, -suffix.length))) {
      w = w.slice(0, -suffix.length);
      if (suffix.startsWith('ation')) w += 'at';
      cut = true;
      break;
    }
  }
  // "running" → "runn" → "run"; l, s and z stay doubled ("filling" → "fill").
  if (cut && w.length > 3 && w.at(-1) === w.at(-2) && !'lsz'.includes(w.at(-1)!) && !VOWEL.test(w.at(-1)!)) w = w.slice(0, -1);
  if (w.length > 3 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

const stemCache = new Map<string, string>();
const STEM_CACHE_MAX = 50_000;

function cachedStem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = stem(word);
    if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}

/** Index terms of a text: words, minus stop words and one-letter words, stemmed. */
export function terms(text: string, stemming = true): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (STOP_WORDS.has(w)) continue;
    if (w.length < 2 && !CJK.test(w)) continue;
    out.push(stemming ? cachedStem(w) : w);
  }
  return out;
}
