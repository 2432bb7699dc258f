/**
 * In-process StateStore: one node, one process's memory. Sessions expire
 * after SESSION_IDLE_TIMEOUT_MS without traffic; each session keeps at most
 * SESSION_EVENT_LOG_MAX_EVENTS events for resumption, oldest dropped first.
 */
import { SESSION_EVENT_LOG_MAX_EVENTS, SESSION_IDLE_TIMEOUT_MS } from '../config/defaults.js';
import { parseEventId, type SessionRecord, type StateStore, type StoredEvent } from './store.js';

interface Log {
  /** streamId → next sequence number */
  seq: Map<string, number>;
  events: Array<{ streamId: string; seq: number; data: string }>;
}

/** How often expired sessions are swept. */
const SWEEP_INTERVAL_MS = 60_000;

export class MemoryStore implements StateStore {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, { record: SessionRecord; expires: number }>();
  private readonly logs = new Map<string, Log>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly idleMs = SESSION_IDLE_TIMEOUT_MS, private readonly maxEvents = SESSION_EVENT_LOG_MAX_EVENTS) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const entry = this.sessions.get(id);
    if (!entry) return undefined;
    if (entry.expires < Date.now()) {
      await this.deleteSession(id);
      return undefined;
    }
    return entry.record;
  }

  async putSession(record: SessionRecord): Promise<void> {
    this.sessions.set(record.id, { record: { ...record }, expires: Date.now() + this.idleMs });
  }

  async deleteSession(id: string): Promise<void> {
    this.sessions.delete(id);
    this.logs.delete(id);
  }

  async touchSession(id: string): Promise<void> {
    const entry = this.sessions.get(id);
    if (entry) entry.expires = Date.now() + this.idleMs;
  }

  async appendEvent(sessionId: string, streamId: string, data: string): Promise<string> {
    let log = this.logs.get(sessionId);
    if (!log) {
      log = { seq: new Map(), events: [] };
      this.logs.set(sessionId, log);
    }
    const seq = log.seq.get(streamId) ?? 0;
    log.seq.set(streamId, seq + 1);
    log.events.push({ streamId, seq, data });
    if (log.events.length > this.maxEvents) log.events.splice(0, log.events.length - this.maxEvents);
    return `${streamId}_${seq}`;
  }

  async eventsAfter(sessionId: string, lastEventId: string): Promise<{ streamId: string; events: StoredEvent[] } | undefined> {
    const parsed = parseEventId(lastEventId);
    const log = this.logs.get(sessionId);
    if (!parsed || !log || !log.seq.has(parsed.streamId)) return undefined;
    const events = log.events
      .filter((e) => e.streamId === parsed.streamId && e.seq > parsed.seq)
      .map((e) => ({ id: `${e.streamId}_${e.seq}`, data: e.data }));
    return { streamId: parsed.streamId, events };
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, entry] of this.sessions) {
      if (entry.expires < now) {
        this.sessions.delete(id);
        this.logs.delete(id);
      }
    }
  }
}
