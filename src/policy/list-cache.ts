/**
 * Backend lists (tools, prompts, resources, templates) shared across
 * workers and nodes, with coalescing: when many workers need the same list
 * at once (all of them see a backend's list_changed), one takes a lock and
 * asks the backend; the others wait for its result instead of asking too.
 *
 * Keys name the backend by a fingerprint of its whole configuration
 * (command, URL, headers, credentials), so two differently configured
 * backends — which may see different tools, say for different principals —
 * never share an entry. Every failure of the store falls back to asking the
 * backend directly.
 */
import { createHash } from 'node:crypto';
import { LIST_CHANNEL, type StateStore } from '../state/store.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { ServerConfig } from '../config/model.js';

/** How long a fetched list is served to other workers. Short: it only has to cover a burst. */
export const LIST_CACHE_TTL_MS = 60_000;
/** How long one worker may hold the fetch lock (a backend slower than this loses coalescing, not correctness). */
export const LIST_LOCK_TTL_MS = 10_000;
/** A waiting worker re-reads the cache at least this often (in case it missed the publish). */
const LIST_WAIT_POLL_MS = 250;

interface Entry {
  at: number;
  items: JsonObject[];
}

export function serverFingerprint(server: ServerConfig): string {
  return createHash('sha256').update(JSON.stringify(server)).digest('base64url').slice(0, 22);
}

export class ListCache {
  private readonly waiters = new Map<string, Array<() => void>>();
  private readonly unsubscribe: () => void;
  fetchesFromBackend = 0;
  /** Lists served from the shared cache (another worker's or node's fetch). */
  hits = 0;

  constructor(private readonly store: StateStore) {
    this.unsubscribe = store.subscribe(LIST_CHANNEL, (m) => {
      if (m.t !== 'list') return;
      const waiting = this.waiters.get(m.key);
      this.waiters.delete(m.key);
      for (const wake of waiting ?? []) wake();
    });
  }

  /** The list, fetched at or after `since` (ms since epoch) by any worker, or from the backend now. */
  async fetch(key: string, since: number, load: () => Promise<JsonObject[]>): Promise<JsonObject[]> {
    try {
      const hit = await this.read(key, since);
      if (hit) {
        this.hits++;
        return hit;
      }
      if (await this.store.tryLock(`list:${key}`, LIST_LOCK_TTL_MS)) {
        try {
          return await this.loadAndShare(key, load);
        } finally {
          await this.store.unlock(`list:${key}`).catch(() => undefined);
        }
      }
      // Another worker is fetching: wait for its result (re-reading in case it landed before we listened).
      const deadline = Date.now() + LIST_LOCK_TTL_MS;
      while (Date.now() < deadline) {
        const waiting = this.waitFor(key, Math.min(LIST_WAIT_POLL_MS, deadline - Date.now()));
        const got = await this.read(key, since);
        if (got) {
          this.hits++;
          return got;
        }
        await waiting;
      }
      return (await this.read(key, since)) ?? (await this.loadDirect(load));
    } catch {
      return this.loadDirect(load);
    }
  }

  close(): void {
    this.unsubscribe();
  }

  private async read(key: string, since: number): Promise<JsonObject[] | undefined> {
    const raw = await this.store.getCached(`list:${key}`);
    if (raw === undefined) return undefined;
    const entry = JSON.parse(raw) as Entry;
    return entry.at >= since ? entry.items : undefined;
  }

  private async loadAndShare(key: string, load: () => Promise<JsonObject[]>): Promise<JsonObject[]> {
    const items = await this.loadDirect(load);
    const entry: Entry = { at: Date.now(), items };
    await this.store.setCached(`list:${key}`, JSON.stringify(entry), LIST_CACHE_TTL_MS);
    await this.store.publish(LIST_CHANNEL, { t: 'list', key });
    return items;
  }

  private loadDirect(load: () => Promise<JsonObject[]>): Promise<JsonObject[]> {
    this.fetchesFromBackend++;
    return load();
  }

  private waitFor(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      const list = this.waiters.get(key) ?? [];
      list.push(done);
      this.waiters.set(key, list);
    });
  }
}
