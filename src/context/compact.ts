/**
 * `compact` context mode: the same tools with fewer tokens.
 *
 * Every rule keeps what a model needs to call a tool correctly. Rules on the
 * input schema never change which arguments validate (the unit tests check
 * this with ajv on every LiveMCPBench tool); rules on text only remove what
 * is said twice, restates a name, or is layout. Each rule is named here, in
 * its comment, and in docs/context.md. The text rules live in
 * compact-text.ts.
 *
 *   C1 whitespace   descriptions lose indentation and repeated blank lines;
 *                   a line wrapped mid-sentence joins the next, and a line
 *                   break after a full sentence becomes a space
 *   C2 $schema      the dialect marker goes when nothing in the schema reads
 *                   differently between draft-07 and 2020-12
 *   C3 auto-title   titles that restate the property or tool name go (the
 *                   tool name with or without its server prefix)
 *   C4 null-default `default: null` goes: omitting an optional value already means none
 *   C5 nullable     anyOf [X, {type: null}] becomes X with type [T, "null"]
 *   C6 type-union   anyOf of bare {type} branches becomes one type list
 *   C7 const-enum   anyOf of const branches becomes one enum; their
 *                   descriptions move into the parent's description
 *   C8 no-ops       `required: []`, `additionalProperties: true`, `items: {}`, `$comment`
 *   C9 args-docs    an "Args:" block in a tool description moves into the
 *                   parameters it documents
 *   C10 brief       a tool description keeps its first paragraph (what the
 *                   tool does), every later line or sentence that names a
 *                   parameter or says must/only/required/never/format, and
 *                   lists under a format or syntax heading; output docs
 *                   ("Returns:", "## RETURN FORMAT:"), examples and usage
 *                   essays go
 *   C11 empty-default `default` equal to the type's empty value ("", false, [], {}) goes
 *   C12 said-twice  a parameter description's "default is X" goes when `default` is X
 *   C13 restated    a description whose every word is in the names beside
 *                   it, the type, or filler ("The ID of the story" for `id`
 *                   of `getStory`) goes
 *   C14 enum-twice  a list in a description made only of the enum's values goes
 *   C15 type-merge  anyOf of branches of distinct single types becomes one
 *                   type list when each branch's keywords constrain only its
 *                   type; [enum E, null] becomes enum E + null
 *
 * Pure and deterministic: the input is not modified, key order is kept.
 */
import { isObject, type JsonObject } from '../mcp/jsonrpc.js';
import { briefDescription, dropDefaultSentence, dropEnumList, joinSentenceLines, moveArgsDocs, nameWords, restatesNames, tidyText } from './compact-text.js';

export { briefDescription, tidyText } from './compact-text.js';

export function compactTool(tool: JsonObject): JsonObject {
  const out: JsonObject = {};
  const name = typeof tool.name === 'string' ? tool.name : '';
  let description = typeof tool.description === 'string' ? tidyText(tool.description) : tool.description;
  let input = tool.inputSchema;
  // C9 first, so that the moved docs go through the same rules as the schema's own.
  if (typeof description === 'string' && isObject(input)) ({ description, schema: input } = moveArgsDocs(description, input));
  const schema = isObject(input) ? compactRootSchema(input, name) : input;
  if (typeof description === 'string') description = briefDescription(description, isObject(schema) && isObject(schema.properties) ? Object.keys(schema.properties) : []);
  // C13: "Add a table to a Word document." for word-document-server__add_table.
  if (typeof description === 'string' && restatesNames(description, [name])) description = '';
  if (typeof description === 'string') description = joinSentenceLines(description);
  for (const [key, value] of Object.entries(tool)) {
    if (key === 'description') {
      if (description !== '') out.description = description;
    } else if (key === 'inputSchema') out.inputSchema = schema;
    else if (key === 'outputSchema' && isObject(value)) out.outputSchema = compactRootSchema(value, name);
    // C3: a tool title that only restates the name.
    else if (key === 'title' && typeof value === 'string' && titleOfName(value, name)) continue;
    else out[key] = value;
  }
  return out;
}

function compactRootSchema(schema: JsonObject, toolName: string): JsonObject {
  const out = compactSchema(schema, undefined, [toolName]);
  // C2: the dialect marker, when the schema means the same under draft-07 and 2020-12.
  if (typeof out.$schema === 'string' && /draft-07|2019-09|2020-12/.test(out.$schema) && !dialectSensitive(out)) delete out.$schema;
  // C3: generated root titles ("search_papersArguments", "GitStatus", "Input").
  if (typeof out.title === 'string' && titleOfName(out.title, toolName)) delete out.title;
  return out;
}

/** Words a generator appends to a name to title the arguments object. */
const GENERATED_SUFFIX = new Set(['arguments', 'args', 'input', 'params', 'parameters', 'request']);

/**
 * C3: a title made of the tool's name, whole or without the server prefix
 * the gateway added ("search_papersArguments" for arxiv__search_papers,
 * "GitStatus" for git__git_status, "Fetch" for fetch__fetch), or just a
 * generated suffix ("Input").
 */
function titleOfName(title: string, toolName: string): boolean {
  const t = nameWords(title);
  if (t.length > 0 && GENERATED_SUFFIX.has(t.at(-1)!)) t.pop();
  if (t.length === 0) return true;
  const n = nameWords(toolName);
  return t.length <= n.length && t.every((w, i) => w === n[n.length - t.length + i]);
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

/**
 * Compacts one schema object; `key` is the property name it describes, if
 * any; `names` are the tool's name and the names of the properties it sits
 * in, which its descriptions may restate (C13).
 */
function compactSchema(schema: JsonObject, key: string | undefined, names: readonly string[]): JsonObject {
  let out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SUBSCHEMA.has(k) && isObject(v)) out[k] = compactSchema(v, undefined, names);
    else if (SUBSCHEMA_LIST.has(k) && Array.isArray(v)) out[k] = v.map((s) => (isObject(s) ? compactSchema(s, undefined, names) : s));
    else if (SUBSCHEMA_MAP.has(k) && isObject(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, isObject(s) ? compactSchema(s, k === 'properties' ? p : undefined, k === 'properties' ? [...names, p] : names) : s]));
    } else if (k === 'description' && typeof v === 'string') out[k] = tidyText(v);
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
  if (isObject(out.properties)) out.properties = propertyTexts(out.properties, Array.isArray(out.required) ? out.required : [], names);
  return out;
}

/** C13, C14 and the C1 sentence joins on each property's description; C13 needs `required`, which only the parent has. */
function propertyTexts(properties: JsonObject, required: readonly unknown[], names: readonly string[]): JsonObject {
  const out: JsonObject = {};
  for (const [p, prop] of Object.entries(properties)) {
    if (!isObject(prop) || typeof prop.description !== 'string') {
      out[p] = prop;
      continue;
    }
    const optional = !required.includes(p);
    let text = prop.description;
    // C14: "SafeSearch level (strict, moderate, off)" beside that enum.
    const values = Array.isArray(prop.enum) ? prop.enum : isObject(prop.items) && Array.isArray(prop.items.enum) ? prop.items.enum : undefined;
    if (values) text = dropEnumList(text, values);
    // C13: "Number of adults" for `adults: number`.
    const types = typeof prop.type === 'string' ? [prop.type] : Array.isArray(prop.type) ? prop.type.filter((t): t is string => typeof t === 'string') : [];
    if (restatesNames(text, [...names, p], types, optional)) text = '';
    text = joinSentenceLines(text);
    if (text === prop.description) out[p] = prop;
    else if (text === '') {
      const { description: _drop, ...rest } = prop;
      out[p] = rest;
    } else out[p] = { ...prop, description: text };
  }
  return out;
}

/** Type-specific keywords: they constrain only instances of their type, so they can sit beside a type list (C5, C15). */
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
  // C5, C15: branches of distinct single types → one schema with a type list.
  const merged = mergeTypeBranches(branches, rest);
  if (merged) return merged;
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

/**
 * C5: anyOf [X, {type: null}] → X with type [T, "null"]; C15 the same for
 * any number of branches of distinct types. Valid only when every keyword of
 * a branch constrains values of that branch's type alone (`minItems` only
 * arrays), so it cannot reach the other types once merged. An enum would
 * constrain every type: it merges only with a bare null branch, by taking
 * null among its values.
 */
function mergeTypeBranches(branches: readonly unknown[], rest: JsonObject): JsonObject | undefined {
  if (!branches.every((b): b is JsonObject & { type: string } => isObject(b) && typeof b.type === 'string')) return undefined;
  const types = branches.map((b) => b.type);
  if (new Set(types).size !== types.length) return undefined;
  const merged: JsonObject = { type: types };
  let withEnum: JsonObject | undefined;
  for (const b of branches) {
    const own = TYPE_KEYWORDS[b.type];
    if (own === undefined && b.type !== 'null') return undefined;
    for (const [k, v] of Object.entries(b)) {
      if (k === 'type') continue;
      if (k === 'enum' && Array.isArray(v) && withEnum === undefined) withEnum = b;
      else if (k in merged || k in rest || !(own?.has(k) || ANNOTATIONS.has(k))) return undefined;
      else merged[k] = v;
    }
  }
  // integer values are numbers too: a bound of either would reach both.
  if (types.includes('number') && types.includes('integer') && Object.keys(merged).some((k) => TYPE_KEYWORDS.number!.has(k))) return undefined;
  if (withEnum !== undefined) {
    if (!branches.every((b) => b === withEnum || (onlyType(b) && b.type === 'null'))) return undefined;
    const values = withEnum.enum as unknown[];
    merged.enum = values.includes(null) ? values : [...values, null];
  }
  return { ...merged, ...rest };
}

function insertAfterFirst(obj: JsonObject, key: string, value: unknown): JsonObject {
  return { [key]: value, ...obj };
}

/** Same words, ignoring case and separators: "Query" ~ "query", "Page Size" ~ "page_size". */
function sameWords(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().replace(/[^a-z0-9\u0080-\uffff]+/g, '');
  return norm(a) === norm(b);
}
