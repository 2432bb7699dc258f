/**
 * The text rules of `compact` mode (compact.ts has the schema rules and the
 * list of all rules). A text rule removes only layout, what is said twice,
 * or words that restate a name, a type or the requiredness the schema
 * already shows; formats, units, allowed values and calling rules stay.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';

/**
 * C1: text without layout: trimmed lines, no indentation, at most one blank
 * line in a row, and a line wrapped mid-sentence joined to the next (so that
 * C10 judges whole sentences, not the halves of one).
 */
export function tidyText(text: string): string {
  return tidyLines(joinWrappedLines(tidyLines(text).split('\n')).join('\n'));
}

/** C1 without the joining: for text that is already a selection of whole lines (C9, C10). */
function tidyLines(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A line that starts an "Args:"-style entry ("query: …", "limit (int): …"). */
const ENTRY_START = /^[\w.-]+(?:\s*\([^)]*\))?\s*:(?:\s|$)/;

/**
 * A wrapped line ends without punctuation and the next one goes on in lower
 * case. Lines of fewer than four words are not joined: those are list items
 * without bullets, whose line breaks separate values.
 */
function joinWrappedLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  let fenced = false;
  for (const line of lines) {
    const prev = out.at(-1);
    if (!fenced && prev !== undefined && wrapsInto(prev, line)) out[out.length - 1] = `${prev} ${line}`;
    else out.push(line);
    if (line.startsWith('```')) fenced = !fenced;
  }
  return out;
}

function wrapsInto(prev: string, line: string): boolean {
  return !/[.!?:;。！？：；]$/.test(prev) && prev.split(' ').length >= 4 && !prev.startsWith('```') && /^[a-z(]/.test(line) && !ENTRY_START.test(line);
}

/**
 * C1, last pass: a line break after a full sentence is a space, unless the
 * next line is a list item, a heading or an "Args:"-style entry, whose line
 * breaks carry the structure.
 */
export function joinSentenceLines(text: string): string {
  const out: string[] = [];
  let fenced = false;
  for (const line of text.split('\n')) {
    const prev = out.at(-1);
    if (!fenced && prev !== undefined && sentenceThen(prev, line)) out[out.length - 1] = /[。！？]$/.test(prev) ? `${prev}${line}` : `${prev} ${line}`;
    else out.push(line);
    if (line.startsWith('```')) fenced = !fenced;
  }
  return out.join('\n');
}

function sentenceThen(prev: string, line: string): boolean {
  if (!/[.!?。！？]$/.test(prev) || LIST_LINE.test(prev)) return false;
  return line !== '' && !LIST_LINE.test(line) && !line.startsWith('#') && !line.startsWith('```') && !line.endsWith(':') && !ENTRY_START.test(line);
}

/** Words that make a sentence a calling rule rather than commentary. */
const RULE_WORDS = /\b(?:must|only|required|requires?|never|cannot|can't|do not|don't|absolute|format)\b|必须|只能|不能|格式/i;
/** Output docs and examples: "Returns:", "## RETURN FORMAT:", "Response Format:", "Example template_sequence:". */
const OUTPUT_SECTION = /^(?:#{1,6}\s*)?(?:(?:Returns?|Response|Output)(?: (?:format|value|type|schema|structure))?|Yields?|Raises|Examples?(?: \w+)?|Usage|Notes?)\s*:/i;
const ARGS_HEADER = /^(?:Args|Arguments|Parameters|Params):$/i;
/**
 * The next docstring section ("Raises:", "Example template_sequence:") or a
 * markdown heading ends the one before; "Structured results including:"
 * introduces a list inside the section and does not.
 */
const SECTION_HEADER = /^(?:[A-Z]\w*(?: \w+){0,3}(?<! (?:including|with|containing|like|following)):|#{1,6}\s.{1,60})$/;
/** A line introducing what values look like: "Memory URL Format:", "## IDENTIFIER FORMATS:", "Accepts various ID formats:". */
const FORMAT_HEADER = /\b(?:formats?|syntax)\b.*:$/i;
const LIST_LINE = /^(?:[-*•]|\d+[.)])\s/;
const ARG_LINE = /^(\w+)(?:\s*\([^)]*\))?\s*:\s*(.*)$/;

/**
 * C10: the first paragraph says what the tool does; later text is kept
 * sentence by sentence only where it constrains the call: it names a
 * parameter or states a rule. Output sections are dropped whole; a list
 * under a heading about formats or syntax is kept whole.
 */
export function briefDescription(description: string, params: readonly string[]): string {
  const paragraphs = description.split(/\n\s*\n/);
  if (description.length < BRIEF_MIN_CHARS) return description;
  const [first = '', ...later] = paragraphs.length > 1 ? paragraphs : splitFirstSentence(description);
  const named = params.filter((p) => p.length > 2).map((p) => new RegExp(`(?:^|[^A-Za-z0-9_])${escapeRegExp(p)}(?:$|[^A-Za-z0-9_])`));
  const kept: string[] = [];
  let section: Section = 'text';
  let fenced = false;
  for (const line of later.join('\n').split('\n')) {
    // Inside a code fence a "# comment" is code, not a heading.
    if (line.startsWith('```')) fenced = !fenced;
    else if (!fenced) section = sectionAt(line, section);
    if (section === 'output') continue;
    // An Args block still here documents what the schema lacks (C9 moved the rest), and a list
    // under "Memory URL Format:" is what a value may look like: keep them whole.
    if (section === 'args' || section === 'format') {
      kept.push(line);
      continue;
    }
    for (const sentence of line.split(/(?<=[.!?。；;])\s+/)) {
      if (RULE_WORDS.test(sentence) || named.some((re) => re.test(sentence))) kept.push(sentence);
    }
  }
  const firstPart = first.split('\n').filter((l) => !OUTPUT_SECTION.test(l)).join('\n');
  return tidyLines([firstPart, ...kept].join('\n'));
}

type Section = 'text' | 'output' | 'args' | 'format';

/** The section a line opens, or the one it continues. */
function sectionAt(line: string, current: Section): Section {
  if (OUTPUT_SECTION.test(line)) return 'output';
  if (ARGS_HEADER.test(line)) return 'args';
  if (current === 'format' && LIST_LINE.test(line)) return 'format';
  const heading = SECTION_HEADER.test(line);
  // "All operations return a standardized format:" inside "## RETURN FORMAT:" is still output.
  if (FORMAT_HEADER.test(line) && (heading || current !== 'output')) return 'format';
  if (heading || current === 'format') return 'text';
  return current;
}

/** Short descriptions are left alone: there is nothing to gain. */
const BRIEF_MIN_CHARS = 200;

function splitFirstSentence(text: string): string[] {
  const m = /^[\s\S]*?[.!?。](?=\s)/.exec(text);
  if (!m) return [text];
  return [m[0], text.slice(m[0].length)];
}

/** C12: removes a clause that restates the schema's own default ("default is 600", "(default: 'x')", "Defaults to \"1d\"."). */
export function dropDefaultSentence(description: string, value: unknown): string {
  if (value === null || typeof value === 'object') return description;
  const v = escapeRegExp(String(value));
  const clause = new RegExp(`\\s*(?:\\(\\s*default(?:s)?(?: value)?\\s*(?:is|:|=)?\\s*['"\`]?${v}['"\`]?\\s*\\)|[,;]?\\s*(?:the )?default(?:s)?(?: value)?\\s*(?:is|to|:|=)\\s*['"\`]?${v}['"\`]?(?=[\\s.,;)]|$)\\.?)`, 'i');
  return description.replace(clause, '').trim();
}

/**
 * C9: Python docstrings put parameter docs in the tool description ("Args:
 * query: the search text"). Each documented parameter's text moves to that
 * parameter's description when the schema has none there, or is dropped when
 * the schema already says the same; the block goes only if every entry was
 * placed, so nothing is lost.
 */
export function moveArgsDocs(description: string, schema: JsonObject): { description: string; schema: JsonObject } {
  const properties = schema.properties;
  if (!isObject(properties)) return { description, schema };
  const lines = description.split('\n');
  const start = lines.findIndex((l) => ARGS_HEADER.test(l));
  if (start < 0) return { description, schema };
  let end = start + 1;
  while (end < lines.length && !SECTION_HEADER.test(lines[end]!)) end++;
  const entries: Array<{ name: string; text: string }> = [];
  for (const line of lines.slice(start + 1, end)) {
    if (line === '') continue;
    const m = ARG_LINE.exec(line);
    if (m && isObject(properties[m[1]!])) entries.push({ name: m[1]!, text: m[2]!.trim() });
    else if (entries.length > 0) entries.at(-1)!.text += ` ${line}`;
    else return { description, schema };
  }
  if (entries.length === 0) return { description, schema };
  const newProps: JsonObject = {};
  for (const [name, prop] of Object.entries(properties)) {
    const entry = entries.find((e) => e.name === name);
    const existing = isObject(prop) && typeof prop.description === 'string' ? prop.description : '';
    if (!entry || !isObject(prop) || entry.text === '' || existing.includes(entry.text)) newProps[name] = prop;
    else if (existing === '' || entry.text.includes(existing)) newProps[name] = { ...prop, description: entry.text };
    else newProps[name] = { ...prop, description: `${existing} ${entry.text}` };
  }
  const kept = [...lines.slice(0, start), ...lines.slice(end)].join('\n');
  return { description: tidyLines(kept), schema: { ...schema, properties: newProps } };
}

/** Lower-case words of an identifier or a text: "fileAbsolutePath" → file, absolute, path; "axisXTitle" → axis, x, title. */
export function nameWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== '');
}

/** Plural and singular as one word: "entities" ~ "entity", "adults" ~ "adult" ("process" stays). */
function stem(word: string): string {
  return word.replace(/ies$/, 'y').replace(/(?<=[^s])s$/, '');
}

/** Grammar and instruction verbs that carry no fact about a value. */
const FILLER = new Set(['the', 'a', 'an', 'of', 'for', 'to', 'in', 'on', 'by', 'with', 'from', 'at', 'into', 'is', 'are', 'be', 'this', 'that', 'which', 'should', 'set', 'specify', 'provide', 'enter', 'given', 'use']);
/** What a JSON type already says about its value: `number` a quantity, `boolean` a yes/no, `array` a list. */
const TYPE_WORDS: Readonly<Record<string, readonly string[]>> = {
  number: ['number'],
  integer: ['number'],
  boolean: ['whether', 'if'],
  array: ['list', 'array'],
  object: ['object'],
};

/**
 * C13: a description none of whose words says more than the names the model
 * reads beside it (the tool's name with its server prefix, the parameter's
 * and its parents' names), the type, or, for an optional parameter, that it
 * is optional: "The ID of the story" for `id` in `getStory`, "Number of
 * adults" for `adults: number`, "Set the width of chart" for `width` in
 * `generate_bar_chart`. Anything with a digit, quote, bracket, example or
 * non-Latin script is left alone: that is where formats and units live.
 */
export function restatesNames(text: string, names: readonly string[], types: readonly string[] = [], optional = false): boolean {
  if (text === '' || /[0-9"'`()[\]{}<>]|e\.g\.|[^\x00-\x7f]/.test(text)) return false;
  const known = new Set(names.flatMap(nameWords).map(stem));
  for (const t of types) for (const w of TYPE_WORDS[t] ?? []) known.add(w);
  return nameWords(text).every((w) => known.has(stem(w)) || FILLER.has(w) || (optional && (w === 'optional' || w === 'optionally')));
}

const LIST_ITEM = String.raw`(?:"[^"]*"|'[^']*'|\x60[^\x60]*\x60|[\w.-]+)`;
const LIST = String.raw`${LIST_ITEM}(?:\s*(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+|\s*\|\s*)${LIST_ITEM})+`;
const LIST_LEAD = String.raw`(?:e\.g\.,?|i\.e\.,?|one of:?|options?:?|values?:?)`;
/** "(a, b, c)", "(e.g. 'a', 'b')", ", such as 'a' or 'b'", ". Options: a, b" — at the end of a sentence. */
const ENUM_LIST = new RegExp(
  String.raw`\s*\(\s*(?:${LIST_LEAD}\s*)?(${LIST})\s*\)|[,;.]?\s*(?:(?:valid|allowed|possible|supported|available)\s+(?:values|options)|options|one of|can be(?: one of)?|such as,?|e\.g\.,?)\s*:?\s*(${LIST})\s*(?=[.;。]?$|[.;]\s)`,
  'gi',
);
/** What is left of "The optional value can be 'column' or 'line'." once the list goes. */
const ENUM_LEFTOVER = new Set(['the', 'a', 'an', 'optional', 'value', 'values', 'option', 'options', 'valid', 'possible', 'allowed']);

/**
 * C14: a list in a description whose items are all values of the `enum`
 * beside it ("SafeSearch level (strict, moderate, off)", "Time period.
 * Options: \"last-week\", \"last-month\"") says the enum twice.
 */
export function dropEnumList(text: string, values: readonly unknown[]): string {
  const allowed = new Set(values.filter((v) => typeof v === 'string' || typeof v === 'number').map(String));
  if (allowed.size < 2) return text;
  const out = text.replace(ENUM_LIST, (match, inParens?: string, afterLead?: string) => {
    const list = inParens ?? afterLead ?? '';
    const items = list.split(/\s*(?:,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+|\s*\|\s*)/).map((i) => i.replace(/^["'`]|["'`]$/g, ''));
    return items.length >= 2 && items.every((i) => allowed.has(i)) ? '' : match;
  });
  if (out === text) return text;
  const rest = out.replace(/\s+([.,;。])/g, '$1').replace(/^[.,;\s]+/, '').trim();
  return nameWords(rest).every((w) => ENUM_LEFTOVER.has(w)) ? '' : rest;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
