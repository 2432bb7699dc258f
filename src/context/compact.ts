/**
 * `compact` context mode: the same tools with fewer tokens.
 *
 * Every rule keeps what a model needs to call a tool correctly. Rules on the
 * input schema never change which arguments validate (the unit tests check
 * this with ajv on every LiveMCPBench tool); rules on text only remove what
 * is said twice or is layout. Each rule is named here, in its comment, and in
 * docs/context.md:
 *
 *   C1 whitespace   descriptions lose indentation and repeated blank lines
 *   C2 $schema      the dialect marker goes when nothing in the schema reads
 *                   differently between draft-07 and 2020-12
 *   C3 auto-title   titles that restate the property or tool name go
 *   C4 null-default `default: null` goes: omitting an optional value already means none
 *   C5 nullable     anyOf [X, {type: null}] becomes X with type [T, "null"]
 *   C6 type-union   anyOf of bare {type} branches becomes one type list
 *   C7 const-enum   anyOf of const branches becomes one enum; their
 *                   descriptions move into the parent's description
 *   C8 no-ops       `required: []`, `additionalProperties: true`, `items: {}`, `$comment`
 *   C9 args-docs    an "Args:" block in a tool description moves into the
 *                   parameters it documents
 *   C10 brief       a tool description keeps its first paragraph (what the
 *                   tool does) and every later line or sentence that names a
 *                   parameter or says must/only/required/never; output
 *                   docs ("Returns:"), examples and usage essays go
 *   C11 empty-default `default` equal to the type's empty value ("", false, [], {}) goes
 *   C12 said-twice  a parameter description's "default is X" goes when `default` is X
 *
 * Pure and deterministic: the input is not modified, key order is kept.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';

export function compactTool(tool: JsonObject): JsonObject {
  const out: JsonObject = {};
  const name = typeof tool.name === 'string' ? tool.name : '';
  let schema = isObject(tool.inputSchema) ? compactRootSchema(tool.inputSchema, name) : tool.inputSchema;
  let description = typeof tool.description === 'string' ? tidyText(tool.description) : tool.description;
  if (typeof description === 'string' && isObject(schema)) ({ description, schema } = moveArgsDocs(description, schema));
  if (typeof description === 'string') description = briefDescription(description, isObject(schema) && isObject(schema.properties) ? Object.keys(schema.properties) : []);
  for (const [key, value] of Object.entries(tool)) {
    if (key === 'description') {
      if (description !== '') out.description = description;
    } else if (key === 'inputSchema') out.inputSchema = schema;
    else if (key === 'outputSchema' && isObject(value)) out.outputSchema = compactRootSchema(value, name);
    // C3: a tool title that only restates the name.
    else if (key === 'title' && typeof value === 'string' && sameWords(value, name)) continue;
    else out[key] = value;
  }
  return out;
}

function compactRootSchema(schema: JsonObject, toolName: string): JsonObject {
  const out = compactSchema(schema, undefined);
  // C2: the dialect marker, when the schema means the same under draft-07 and 2020-12.
  if (typeof out.$schema === 'string' && /draft-07|2019-09|2020-12/.test(out.$schema) && !dialectSensitive(out)) delete out.$schema;
  // C3: generated root titles ("search_papersArguments", "Input").
  if (typeof out.title === 'string' && (sameWords(out.title, toolName) || sameWords(out.title, `${toolName}Arguments`) || sameWords(out.title, `${toolName}Input`))) {
    delete out.title;
  }
  return out;
}

/** Keywords whose meaning differs between draft-07 and 2020-12, or that only one of them has. */
const DIALECT_KEYWORDS = new Set([
  'additionalItems', 'dependencies', 'dependentRequired', 'dependentSchemas', 'prefixItems', 'unevaluatedItems', 'unevaluatedProperties',
  '$recursiveRef', '$recursiveAnchor', '$dynamicRef', '$dynamicAnchor', '$anchor', '$id', 'id', 'minContains', 'maxContains', '$vocabulary',
]);

function dialectSensitive(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(dialectSensitive);
  if (!isObject(schema)) return false;
  for (const [key, value] of Object.entries(schema)) {
    if (DIALECT_KEYWORDS.has(key)) return true;
    if (key === 'items' && Array.isArray(value)) return true;
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'boolean') return true;
    // draft-07 ignores the siblings of $ref, 2020-12 applies them.
    if (key === '$ref' && Object.keys(schema).some((k) => !ANNOTATIONS.has(k) && k !== '$ref')) return true;
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') continue;
    if (typeof value === 'object' && value !== null && dialectSensitive(value)) return true;
  }
  return false;
}

/** Keywords that never affect validation. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$comment', 'deprecated', 'readOnly', 'writeOnly']);

/** Keywords holding one subschema, a list of them, or a map of them. */
const SUBSCHEMA = new Set(['items', 'additionalProperties', 'not', 'contains', 'propertyNames', 'if', 'then', 'else', 'additionalItems', 'unevaluatedItems', 'unevaluatedProperties']);
const SUBSCHEMA_LIST = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** Compacts one schema object; `key` is the property name it describes, if any. */
function compactSchema(schema: JsonObject, key: string | undefined): JsonObject {
  let out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SUBSCHEMA.has(k) && isObject(v)) out[k] = compactSchema(v, undefined);
    else if (SUBSCHEMA_LIST.has(k) && Array.isArray(v)) out[k] = v.map((s) => (isObject(s) ? compactSchema(s, undefined) : s));
    else if (SUBSCHEMA_MAP.has(k) && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, isObject(s) ? compactSchema(s, k === 'properties' ? p : undefined) : s]));
    else if (k === 'description' && typeof v === 'string') out[k] = tidyText(v);
    else out[k] = v;
  }
  // C8: keywords that validate nothing.
  if (Array.isArray(out.required) && out.required.length === 0) delete out.required;
  if (out.additionalProperties === true || (isObject(out.additionalProperties) && Object.keys(out.additionalProperties).length === 0)) delete out.additionalProperties;
  if (isObject(out.items) && Object.keys(out.items).length === 0) delete out.items;
  delete out.$comment;
  // C4: an optional value's null default says what omission says.
  if (out.default === null) delete out.default;
  // C11: a default equal to the empty value of its type restates what omission means.
  if (out.default === '' || out.default === false || (Array.isArray(out.default) && out.default.length === 0) || (isObject(out.default) && Object.keys(out.default).length === 0)) delete out.default;
  // C3: generated titles ("Query" for "query"), and titles equal to the description.
  if (typeof out.title === 'string' && ((key !== undefined && sameWords(out.title, key)) || out.title === out.description)) delete out.title;
  // C12: "Defaults to 600." beside `default: 600`.
  if (typeof out.description === 'string' && 'default' in out) out.description = dropDefaultSentence(out.description, out.default);
  if (out.description === '') delete out.description;
  out = collapseAnyOf(out);
  return out;
}

/** Type-specific keywords: they constrain only instances of their type, so they can sit beside a type list that adds "null". */
const TYPE_KEYWORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  string: new Set(['minLength', 'maxLength', 'pattern', 'format', 'contentEncoding', 'contentMediaType']),
  number: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']),
  integer: new Set(['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']),
  array: new Set(['items', 'minItems', 'maxItems', 'uniqueItems', 'contains']),
  object: new Set(['properties', 'required', 'additionalProperties', 'patternProperties', 'minProperties', 'maxProperties', 'propertyNames']),
  boolean: new Set(),
};

function onlyType(s: unknown): s is { type: string } {
  return isObject(s) && typeof s.type === 'string' && Object.keys(s).length === 1;
}

function collapseAnyOf(schema: JsonObject): JsonObject {
  const branches = schema.anyOf;
  if (!Array.isArray(branches) || branches.length < 2 || 'type' in schema || 'oneOf' in schema) return schema;
  const { anyOf: _drop, ...rest } = schema;
  // C6: anyOf [{type: a}, {type: b}] → type [a, b].
  if (branches.every(onlyType)) {
    return insertAfterFirst({ ...rest }, 'type', [...new Set(branches.map((b) => b.type))]);
  }
  // C5: anyOf [X, {type: null}] → X with type [T, "null"], when X's keywords apply only to T.
  if (branches.length === 2) {
    const nullIdx = branches.findIndex((b) => onlyType(b) && b.type === 'null');
    const other = branches[1 - nullIdx];
    if (nullIdx >= 0 && isObject(other) && typeof other.type === 'string' && other.type !== 'null') {
      const allowed = TYPE_KEYWORDS[other.type];
      const fits = allowed !== undefined && Object.keys(other).every((k) => k === 'type' || allowed.has(k) || (ANNOTATIONS.has(k) && !(k in rest)));
      if (fits) {
        const merged: JsonObject = { type: [other.type, 'null'] };
        for (const [k, v] of Object.entries(other)) if (k !== 'type') merged[k] = v;
        return { ...merged, ...rest };
      }
    }
  }
  // C7: anyOf of {type?: T, const: v, description?} → enum [v...], descriptions kept in the parent's.
  const consts = branches.filter((b): b is JsonObject => isObject(b) && 'const' in b && Object.keys(b).every((k) => k === 'const' || k === 'type' || k === 'description' || k === 'title'));
  if (consts.length === branches.length) {
    const types = new Set(consts.map((b) => b.type));
    if (types.size === 1) {
      const type = consts[0]!.type;
      const notes = consts.filter((b) => typeof b.description === 'string' || typeof b.title === 'string').map((b) => `${JSON.stringify(b.const)}: ${tidyText(String(b.description ?? b.title))}`);
      const out: JsonObject = {};
      if (typeof type === 'string') out.type = type;
      out.enum = consts.map((b) => b.const);
      for (const [k, v] of Object.entries(rest)) out[k] = v;
      if (notes.length > 0) out.description = typeof rest.description === 'string' && rest.description !== '' ? `${rest.description} (${notes.join('; ')})` : notes.join('; ');
      return out;
    }
  }
  return schema;
}

/** Words that make a sentence a calling rule rather than commentary. */
const RULE_WORDS = /\b(?:must|only|required|requires?|never|cannot|can't|do not|don't|absolute|format)\b|必须|只能|不能|格式/i;
const OUTPUT_SECTION = /^(?:Returns?|Yields?|Raises|Output|Response|Examples?|Usage|Notes?):/i;

/**
 * C10: the first paragraph says what the tool does; later text is kept
 * sentence by sentence only where it constrains the call: it names a
 * parameter or states a rule. Output sections are dropped whole.
 */
export function briefDescription(description: string, params: readonly string[]): string {
  const paragraphs = description.split(/\n\s*\n/);
  if (description.length < BRIEF_MIN_CHARS) return description;
  const [first = '', ...later] = paragraphs.length > 1 ? paragraphs : splitFirstSentence(description);
  const named = params.filter((p) => p.length > 2).map((p) => new RegExp(`(?:^|[^A-Za-z0-9_])${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:$|[^A-Za-z0-9_])`));
  const kept: string[] = [];
  let section: 'text' | 'output' | 'args' = 'text';
  for (const line of later.join('\n').split('\n')) {
    if (OUTPUT_SECTION.test(line)) section = 'output';
    else if (ARGS_HEADER.test(line)) section = 'args';
    else if (SECTION_HEADER.test(line)) section = 'text';
    if (section === 'output') continue;
    // An Args block still here documents what the schema lacks (C9 moved the rest): keep it whole.
    if (section === 'args') {
      kept.push(line);
      continue;
    }
    for (const sentence of line.split(/(?<=[.!?。；;])\s+/)) {
      if (RULE_WORDS.test(sentence) || named.some((re) => re.test(sentence))) kept.push(sentence);
    }
  }
  const firstPart = first.split('\n').filter((l) => !OUTPUT_SECTION.test(l)).join('\n');
  return tidyText([firstPart, ...kept].join('\n'));
}

/** Short descriptions are left alone: there is nothing to gain. */
const BRIEF_MIN_CHARS = 200;

function splitFirstSentence(text: string): string[] {
  const m = /^[\s\S]*?[.!?。](?=\s)/.exec(text);
  if (!m) return [text];
  return [m[0], text.slice(m[0].length)];
}

/** Removes a clause that restates the schema's own default ("default is 600", "(default: 'x')", "Defaults to \"1d\"."). */
export function dropDefaultSentence(description: string, value: unknown): string {
  if (value === null || typeof value === 'object') return description;
  const v = String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const clause = new RegExp(`\\s*(?:\\(\\s*default(?:s)?(?: value)?\\s*(?:is|:|=)?\\s*['"\`]?${v}['"\`]?\\s*\\)|[,;]?\\s*(?:the )?default(?:s)?(?: value)?\\s*(?:is|to|:|=)\\s*['"\`]?${v}['"\`]?(?=[\\s.,;)]|$)\\.?)`, 'i');
  return description.replace(clause, '').trim();
}

function insertAfterFirst(obj: JsonObject, key: string, value: unknown): JsonObject {
  return { [key]: value, ...obj };
}

/** Same words, ignoring case and separators: "Query" ~ "query", "Page Size" ~ "page_size". */
function sameWords(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().replace(/[^a-z0-9\u0080-\uffff]+/g, '');
  return norm(a) === norm(b);
}

/** C1: text without layout: trimmed lines, no indentation, at most one blank line in a row. */
export function tidyText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const ARGS_HEADER = /^(?:Args|Arguments|Parameters|Params):$/i;
/** The next docstring section ("Returns:", "Raises:", "Example:") ends the Args block. */
const SECTION_HEADER = /^[A-Z][A-Za-z ]{1,30}:$/;
const ARG_LINE = /^(\w+)(?:\s*\([^)]*\))?\s*:\s*(.*)$/;

/**
 * C9: Python docstrings put parameter docs in the tool description ("Args:
 * query: the search text"). Each documented parameter's text moves to that
 * parameter's description when the schema has none there, or is dropped when
 * the schema already says the same; the block goes only if every entry was
 * placed, so nothing is lost.
 */
function moveArgsDocs(description: string, schema: JsonObject): { description: string; schema: JsonObject } {
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
  return { description: tidyText(kept), schema: { ...schema, properties: newProps } };
}
