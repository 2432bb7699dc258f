/**
 * Offline tool search across every backend: BM25F over a tool's fields,
 * plus evidence that a whole server fits the query. See docs/context.md for
 * each technique and what it measurably adds on LiveMCPBench.
 *
 * Build cost is one pass over the tools (the index is rebuilt whenever a
 * backend's tool list changes); a search touches only the postings of the
 * query's terms. Field-weighted term frequencies are query-independent, so
 * they are folded into the postings at build time and a search is a sum of
 * precomputed numbers.
 */
import { terms } from './text-analysis.js';
import { toolText, type IndexedTool } from './tool-fields.js';
import { producerLinks } from './dataflow.js';
import { glossaryWords, synonymsOf } from './synonyms.js';
import { parameterTypes, queryValues, typeTerm } from './value-types.js';

export type { IndexedTool } from './tool-fields.js';

export interface SearchHit {
  tool: IndexedTool;
  score: number;
}

type Field = 'name' | 'server' | 'description' | 'params' | 'types';
const FIELDS: readonly Field[] = ['name', 'server', 'description', 'params', 'types'];

export interface ToolIndexOptions {
  /** How much one occurrence in each field counts (BM25F). */
  fieldWeights: Readonly<Record<Field, number>>;
  /** Length normalisation per field (BM25F b). */
  fieldB: Readonly<Record<Field, number>>;
  /** Term-frequency saturation (BM25 k1). */
  k1: number;
  /** Stem words (text-analysis.ts); off only for ablation. */
  stem: boolean;
  /** Weight of the server-level score added to each of its tools. 0 disables. */
  serverWeight: number;
  /** Recognise values (paths, URLs...) in queries and match them to parameter types (value-types.ts). */
  valueTypes: boolean;
  /** Weight of synonyms of query words (synonyms.ts); 0 disables. */
  synonymWeight: number;
  /** Index English words for Chinese glossary words in descriptions (synonyms.ts). */
  glossary: boolean;
  /** Weight of the best per-clause score for multi-step requests; 0 disables. */
  clauseWeight: number;
  /** Share of a consumer's score given to the tools that produce its inputs (dataflow.ts); 0 disables. */
  producerWeight: number;
  /** Bonus for the share of a tool's name words the query contains, times the best score; 0 disables. */
  nameCoverageWeight: number;
}

export const DEFAULT_INDEX_OPTIONS: ToolIndexOptions = {
  fieldWeights: { name: 3, server: 2, description: 1, params: 0.5, types: 1 },
  fieldB: { name: 0.3, server: 0.3, description: 0.5, params: 0.5, types: 0 },
  k1: 2,
  stem: true,
  serverWeight: 0,
  valueTypes: true,
  synonymWeight: 0.5,
  glossary: true,
  clauseWeight: 0,
  producerWeight: 0.7,
  nameCoverageWeight: 0.2,
};

/** Verbs that open most tool names and say nothing about what the tool is for. */
const NAME_FILLER = new Set(['get', 'list', 'set']);

/** Only the leading tools of a search lift their producers: a weak match says little about what the task needs first. */
const PRODUCER_SOURCES = 10;

interface Posting {
  doc: number;
  /** Field-weighted, length-normalised term frequency. */
  tf: number;
}

/** BM25F postings over a set of documents made of fields. */
class Bm25F {
  private readonly postings = new Map<string, Posting[]>();
  private readonly idf = new Map<string, number>();

  constructor(docs: readonly Record<Field, string[]>[], private readonly options: ToolIndexOptions) {
    const avg = {} as Record<Field, number>;
    for (const f of FIELDS) avg[f] = Math.max(1, docs.reduce((s, d) => s + d[f].length, 0) / Math.max(1, docs.length));
    docs.forEach((doc, i) => {
      const tf = new Map<string, number>();
      for (const f of FIELDS) {
        const list = doc[f];
        if (list.length === 0) continue;
        const norm = options.fieldWeights[f] / (1 - options.fieldB[f] + (options.fieldB[f] * list.length) / avg[f]);
        for (const t of list) tf.set(t, (tf.get(t) ?? 0) + norm);
      }
      for (const [t, v] of tf) {
        let p = this.postings.get(t);
        if (!p) this.postings.set(t, (p = []));
        p.push({ doc: i, tf: v });
      }
    });
    const n = docs.length;
    for (const [t, p] of this.postings) this.idf.set(t, Math.log(1 + (n - p.length + 0.5) / (p.length + 0.5)));
  }

  /** Adds weight × BM25 contribution of each query term into `scores`. */
  score(query: ReadonlyMap<string, number>, scores: Float64Array): void {
    const k1 = this.options.k1;
    for (const [t, weight] of query) {
      const p = this.postings.get(t);
      if (!p) continue;
      const idf = this.idf.get(t)! * weight;
      for (const { doc, tf } of p) scores[doc] = scores[doc]! + (idf * tf * (k1 + 1)) / (k1 + tf);
    }
  }
}

export class ToolIndex {
  private readonly tools: readonly IndexedTool[];
  private readonly docs: Bm25F;
  private readonly servers: Bm25F;
  private readonly serverOf: Int32Array;
  private readonly serverCount: number;
  /** Distinct name words of each tool, without filler verbs. */
  private readonly nameTerms: string[][];
  /** producers[b]: tools that produce what tool b requires. */
  private readonly producers: number[][];
  private readonly options: ToolIndexOptions;

  constructor(tools: readonly IndexedTool[], options: Partial<ToolIndexOptions> = {}) {
    this.options = { ...DEFAULT_INDEX_OPTIONS, ...options };
    this.tools = tools;
    const analyse = (text: string) => terms(text, this.options.stem);
    const docs = tools.map((tool) => {
      const text = toolText(tool);
      const types = this.options.valueTypes ? [...parameterTypes(tool.inputSchema)].map(typeTerm) : [];
      return { name: analyse(text.name), server: analyse(text.server), description: analyse(this.options.glossary ? `${text.description} ${glossaryWords(text.description)}` : text.description), params: analyse(text.params), types };
    });
    this.docs = new Bm25F(docs, this.options);
    this.nameTerms = docs.map((d) => [...new Set(d.name)].filter((w) => !NAME_FILLER.has(w)));
    const serverIds = new Map<string, number>();
    const serverDocs: Record<Field, string[]>[] = [];
    this.serverOf = new Int32Array(tools.length);
    tools.forEach((tool, i) => {
      let id = serverIds.get(tool.server);
      if (id === undefined) {
        id = serverDocs.length;
        serverIds.set(tool.server, id);
        serverDocs.push({ name: [], server: [], description: [], params: [], types: [] });
      }
      this.serverOf[i] = id;
      const d = serverDocs[id]!;
      const doc = docs[i]!;
      d.name.push(...doc.name);
      if (d.server.length === 0) d.server.push(...doc.server);
      d.description.push(...doc.description);
      d.params.push(...doc.params);
      d.types.push(...doc.types);
    });
    this.serverCount = serverDocs.length;
    const groups: number[][] = serverDocs.map(() => []);
    tools.forEach((_t, i) => groups[this.serverOf[i]!]!.push(i));
    this.producers = this.options.producerWeight > 0
      ? producerLinks(tools.map((t, i) => ({ nameTerms: docs[i]!.name, descriptionTerms: docs[i]!.description, inputSchema: t.inputSchema })), groups)
      : [];
    this.servers = new Bm25F(serverDocs, this.options);
  }

  get size(): number {
    return this.tools.length;
  }

  /** Query terms with their weights. */
  analyseQuery(query: string): Map<string, number> {
    const q = new Map<string, number>();
    let text = query;
    if (this.options.valueTypes) {
      const values = queryValues(query);
      text = values.text;
      for (const t of values.types) q.set(typeTerm(t), 1);
    }
    if (this.options.glossary) text = `${text} ${glossaryWords(text)}`;
    const base = terms(text, this.options.stem);
    for (const t of base) q.set(t, 1);
    if (this.options.synonymWeight > 0) {
      for (const t of base) for (const s of synonymsOf(t)) if (!q.has(s)) q.set(s, this.options.synonymWeight);
    }
    return q;
  }

  search(query: string, limit: number): SearchHit[] {
    if (limit <= 0) return [];
    const scores = this.scoreQuery(query);
    if (!scores) return [];
    if (this.options.clauseWeight > 0) {
      const clauses = splitClauses(query);
      if (clauses.length > 1) {
        const best = new Float64Array(this.tools.length);
        for (const clause of clauses) {
          const c = this.scoreQuery(clause);
          if (!c) continue;
          const max = maxOf(c);
          if (max <= 0) continue;
          for (let i = 0; i < c.length; i++) best[i] = Math.max(best[i]!, c[i]! / max);
        }
        const max = maxOf(scores);
        for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! + this.options.clauseWeight * max * best[i]!;
      }
    }
    if (this.options.nameCoverageWeight > 0) this.addNameCoverage(this.analyseQuery(query), scores);
    if (this.options.producerWeight > 0) this.liftProducers(scores);
    return topK(scores, limit).map((i) => ({ tool: this.tools[i]!, score: scores[i]! }));
  }

  /**
   * A long request mentions many things; a tool whose name it spells out
   * almost entirely ("current time" → get_current_time) is a stronger match
   * than one sharing a frequent word with it. BM25 sums evidence per word
   * and cannot see that the name is covered as a whole.
   */
  private addNameCoverage(query: ReadonlyMap<string, number>, scores: Float64Array): void {
    const bonus = this.options.nameCoverageWeight * maxOf(scores);
    if (bonus <= 0) return;
    for (let i = 0; i < scores.length; i++) {
      const names = this.nameTerms[i]!;
      if (names.length === 0 || scores[i]! <= 0) continue;
      let hit = 0;
      for (const n of names) if ((query.get(n) ?? 0) >= 1) hit++;
      scores[i] = scores[i]! + (bonus * hit) / names.length;
    }
  }

  /** A producer gains a share of the score of its best consumer among the leading tools. */
  private liftProducers(scores: Float64Array): void {
    const lift = new Float64Array(scores.length);
    for (const b of topK(scores, PRODUCER_SOURCES)) {
      const s = scores[b]!;
      for (const a of this.producers[b]!) if (s > lift[a]!) lift[a] = s;
    }
    for (let a = 0; a < scores.length; a++) scores[a] = Math.max(scores[a]!, this.options.producerWeight * lift[a]!);
  }

  /** Tool scores for one query text, or undefined when it has no terms. */
  private scoreQuery(query: string): Float64Array | undefined {
    const q = this.analyseQuery(query);
    if (q.size === 0) return undefined;
    const scores = new Float64Array(this.tools.length);
    this.docs.score(q, scores);
    if (this.options.serverWeight > 0) {
      const serverScores = new Float64Array(this.serverCount);
      this.servers.score(q, serverScores);
      const max = maxOf(serverScores);
      if (max > 0) {
        const toolMax = maxOf(scores);
        for (let i = 0; i < scores.length; i++) scores[i] = scores[i]! + (this.options.serverWeight * toolMax * serverScores[this.serverOf[i]!]!) / max;
      }
    }
    return scores;
  }
}

function maxOf(a: Float64Array): number {
  let m = 0;
  for (const v of a) if (v > m) m = v;
  return m;
}

/** Steps of a multi-step request: sentences, and parts joined by "then" or commas. */
export function splitClauses(query: string): string[] {
  return query
    .split(/[.!?;\n]+(?:\s|$)|,|\bthen\b|\band then\b/iu)
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}

/** Indices of the `k` highest positive scores, best first; ties keep catalog order. */
function topK(scores: Float64Array, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i]! > 0) idx.push(i);
  idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return idx.slice(0, k);
}
