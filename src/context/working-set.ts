/**
 * A search-mode session's working set: the backend tools it has loaded, which
 * appear in its tools/list beside the meta-tools. Bounded by a token budget;
 * when a load does not fit, the least recently used tools go.
 *
 * "Used" means loaded, found again, or called (`touch`). The set lives in the
 * shared session record, so its state is plain JSON (`toJSON`/`fromJSON`),
 * and every change reports which names were added and evicted so that the
 * caller can send `notifications/tools/list_changed` only when the list
 * really changed.
 *
 * A tool larger than the whole budget is rejected, never loaded: loading it
 * would evict everything and still break the budget. It stays callable
 * through the call meta-tool, which needs no loading.
 */

/** Default budget: about twenty typical tool definitions (docs/context.md). */
export const DEFAULT_WORKING_SET_BUDGET_TOKENS = 4000;

export interface LoadResult {
  /** Names that entered the set, in load order. */
  added: string[];
  /** Names that left the set to make room, least recently used first. */
  evicted: string[];
  /** Names already in the set (now most recently used). */
  kept: string[];
  /** Names not loaded, and why. */
  rejected: Array<{ name: string; reason: 'unknown' | 'over-budget' }>;
}

export interface WorkingSetJson {
  budget: number;
  clock: number;
  /** [name, tokens, last use] in insertion order. */
  entries: Array<[string, number, number]>;
}

interface Entry {
  tokens: number;
  used: number;
}

export class WorkingSet {
  /** Insertion order is the order tools are listed in, so the list stays stable while use changes. */
  private readonly entries = new Map<string, Entry>();
  private clock = 0;
  private total = 0;

  constructor(readonly budget: number = DEFAULT_WORKING_SET_BUDGET_TOKENS) {
    if (!Number.isFinite(budget) || budget < 0) throw new RangeError(`working set budget must be a non-negative number of tokens, got ${budget}`);
  }

  /** Loaded names in the order they were loaded. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get size(): number {
    return this.entries.size;
  }

  get tokens(): number {
    return this.total;
  }

  /**
   * Loads names in order; `tokensOf` gives a tool's cost or undefined for an
   * unknown name. A name loaded earlier in the same call is never evicted by
   * a later one: a request that does not fit as a whole keeps its first tools.
   */
  load(names: readonly string[], tokensOf: (name: string) => number | undefined): LoadResult {
    const result: LoadResult = { added: [], evicted: [], kept: [], rejected: [] };
    const protectedNames = new Set<string>();
    for (const name of names) {
      if (protectedNames.has(name)) continue;
      const existing = this.entries.get(name);
      if (existing) {
        existing.used = ++this.clock;
        protectedNames.add(name);
        result.kept.push(name);
        continue;
      }
      const tokens = tokensOf(name);
      if (tokens === undefined) {
        result.rejected.push({ name, reason: 'unknown' });
        continue;
      }
      const evictable = [...this.entries].filter(([n]) => !protectedNames.has(n)).sort((a, b) => a[1].used - b[1].used);
      const room = this.budget - this.total + evictable.reduce((s, [, e]) => s + e.tokens, 0);
      if (tokens > room) {
        result.rejected.push({ name, reason: 'over-budget' });
        continue;
      }
      for (const [victim, entry] of evictable) {
        if (this.total + tokens <= this.budget) break;
        this.entries.delete(victim);
        this.total -= entry.tokens;
        result.evicted.push(victim);
      }
      this.entries.set(name, { tokens, used: ++this.clock });
      this.total += tokens;
      protectedNames.add(name);
      result.added.push(name);
    }
    // A name evicted and re-added in one call is neither: to the client the list still has it.
    const both = new Set(result.added.filter((n) => result.evicted.includes(n)));
    if (both.size > 0) {
      result.added = result.added.filter((n) => !both.has(n));
      result.evicted = result.evicted.filter((n) => !both.has(n));
      result.kept.push(...both);
    }
    return result;
  }

  /** Marks a loaded tool as just used; false when it is not loaded. */
  touch(name: string): boolean {
    const entry = this.entries.get(name);
    if (!entry) return false;
    entry.used = ++this.clock;
    return true;
  }

  /** Drops names (a backend's tool went away); returns those that were loaded. */
  remove(names: readonly string[]): string[] {
    const removed: string[] = [];
    for (const name of names) {
      const entry = this.entries.get(name);
      if (!entry) continue;
      this.entries.delete(name);
      this.total -= entry.tokens;
      removed.push(name);
    }
    return removed;
  }

  toJSON(): WorkingSetJson {
    return { budget: this.budget, clock: this.clock, entries: [...this.entries].map(([n, e]) => [n, e.tokens, e.used]) };
  }

  /**
   * Rebuilds a set from `toJSON()` output read back from the store. Malformed
   * input gives an empty set with the given budget rather than an error: a
   * corrupt record must not take the session down, and an empty working set
   * is always valid. A smaller budget than recorded evicts LRU first.
   */
  static fromJSON(json: unknown, budget?: number): WorkingSet {
    const raw = typeof json === 'string' ? safeParse(json) : json;
    const recorded = isRecord(raw) && typeof raw.budget === 'number' && raw.budget >= 0 ? raw.budget : DEFAULT_WORKING_SET_BUDGET_TOKENS;
    const set = new WorkingSet(budget ?? recorded);
    if (!isRecord(raw) || !Array.isArray(raw.entries)) return set;
    const valid = raw.entries.filter(
      (e): e is [string, number, number] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'number' && e[1] >= 0 && typeof e[2] === 'number',
    );
    for (const [name, tokens, used] of valid) {
      if (set.entries.has(name)) continue;
      set.entries.set(name, { tokens, used });
      set.total += tokens;
    }
    set.clock = Math.max(typeof raw.clock === 'number' ? raw.clock : 0, ...valid.map((e) => e[2]));
    // Honour the (possibly smaller) budget.
    const byUse = [...set.entries].sort((a, b) => a[1].used - b[1].used);
    for (const [name, entry] of byUse) {
      if (set.total <= set.budget) break;
      set.entries.delete(name);
      set.total -= entry.tokens;
    }
    return set;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
