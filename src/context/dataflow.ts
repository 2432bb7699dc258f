/**
 * Co-usage without usage logs: within one server, which tools produce the
 * values other tools require. `find_nearby_places` requires a latitude and
 * `geocode_address` says it returns one; `add_slide` requires a
 * presentation_id and `create_presentation` makes presentations. A task that
 * needs the consumer needs the producer first, so a search that ranks a
 * consumer high also lifts its producers (tool-index.ts).
 *
 * Links come from the schemas and descriptions alone: producer A → consumer B
 * when B requires a parameter whose distinctive words all occur in A's name
 * or description while A does not take that parameter itself, or when A's
 * name is a creating verb whose object B's name or description mentions.
 */
import { isObject } from '../mcp/jsonrpc.js';
import { terms } from './text-analysis.js';

/** Parameter-name words that say nothing about the value's kind ("from_station" → station). */
const GENERIC_PARAM_WORDS = new Set(
  terms('id ids name names from to source target start end min max home work new old input output value values data type key index number count text y x').concat(['id']),
);

/** Verbs that bring a resource into existence for the tools beside them. */
const CREATING_VERBS = new Set(terms('create new open load init initialize start'));

export interface DataflowTool {
  nameTerms: readonly string[];
  descriptionTerms: readonly string[];
  inputSchema?: unknown;
}

function requiredParams(schema: unknown): string[] {
  if (!isObject(schema) || !Array.isArray(schema.required)) return [];
  return schema.required.filter((r): r is string => typeof r === 'string');
}

/** Every word of every parameter name: a tool that takes a "from_latitude" does not produce latitudes. */
function paramWords(schema: unknown): Set<string> {
  const out = new Set<string>();
  if (isObject(schema) && isObject(schema.properties)) for (const k of Object.keys(schema.properties)) for (const w of terms(k)) out.add(w);
  return out;
}

/**
 * producers[b] = indices of the tools that produce what tool b needs. Only
 * tools of one server are compared: `group` lists the indices of one server.
 */
export function producerLinks(tools: readonly DataflowTool[], groups: readonly (readonly number[])[]): number[][] {
  const producers: number[][] = tools.map(() => []);
  const own = tools.map((t) => paramWords(t.inputSchema));
  const needs = tools.map((t) =>
    requiredParams(t.inputSchema)
      .map((p) => terms(p).filter((w) => !GENERIC_PARAM_WORDS.has(w)))
      .filter((words) => words.length > 0),
  );
  const vocab = tools.map((t) => new Set([...t.nameTerms, ...t.descriptionTerms]));
  for (const group of groups) {
    if (group.length < 2) continue;
    for (const b of group) {
      for (const a of group) {
        if (a === b) continue;
        const producer = tools[a]!;
        const words = vocab[a]!;
        const byParam = needs[b]!.some((need) => need.every((w) => words.has(w) && !own[a]!.has(w)));
        const verb = producer.nameTerms[0];
        const object = producer.nameTerms.slice(1).filter((w) => !GENERIC_PARAM_WORDS.has(w));
        const byVerb = verb !== undefined && CREATING_VERBS.has(verb) && object.length > 0 && object.every((w) => vocab[b]!.has(w));
        if (byParam || byVerb) producers[b]!.push(a);
      }
    }
  }
  return producers;
}
