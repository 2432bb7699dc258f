/**
 * 2025-era sessions held by this worker, backed by the shared store.
 *
 * A session id is 144 random bits (above the 128 the issue asks for; a UUID
 * has only 122). A request naming a session this worker has not seen is
 * looked up in the store, so a session initialised elsewhere keeps working
 * here.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject, JsonRpcNotification } from '../../mcp/jsonrpc.js';
import { LiveSession } from './live-session.js';
import type { SessionRecord, StateStore } from '../../state/store.js';
import type { LogLevel } from '../../mcp/versions.js';

/** Random bytes in a session id. */
export const SESSION_ID_BYTES = 18;
/** How often idle live sessions are released from this worker's memory. */
const LIVE_SWEEP_INTERVAL_MS = 60_000;

export class Sessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly endHandlers: Array<(id: string) => void> = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(readonly store: StateStore, private readonly idleMs: number) {
    this.sweeper = setInterval(() => this.sweep(), LIVE_SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get size(): number {
    return this.live.size;
  }

  async create(init: { protocolVersion: string; capabilities: JsonObject; clientInfo: JsonObject; principal: string; transport: SessionRecord['transport'] }): Promise<LiveSession> {
    const record: SessionRecord = {
      id: randomBytes(SESSION_ID_BYTES).toString('base64url'),
      ...init,
      logLevel: undefined,
      initialized: false,
      createdAt: Date.now(),
    };
    await this.store.putSession(record);
    const session = new LiveSession(record, this.store);
    this.live.set(record.id, session);
    return session;
  }

  /** The session for an id, from this worker or from the store; undefined when it does not exist (404). */
  async resolve(id: string): Promise<LiveSession | undefined> {
    const local = this.live.get(id);
    if (local) {
      local.lastSeen = Date.now();
      return local;
    }
    const record = await this.store.getSession(id);
    if (!record) return undefined;
    const session = new LiveSession(record, this.store);
    this.live.set(id, session);
    return session;
  }

  async update(session: LiveSession, patch: Partial<Omit<SessionRecord, 'id' | 'createdAt'>>): Promise<void> {
    session.record = { ...session.record, ...patch };
    await this.store.putSession(session.record);
  }

  async setLogLevel(session: LiveSession, level: LogLevel): Promise<void> {
    await this.update(session, { logLevel: level });
  }

  /** Called when a session ends (DELETE, transport gone, expiry): releases what it held elsewhere. */
  onEnd(handler: (id: string) => void): void {
    this.endHandlers.push(handler);
  }

  async end(id: string): Promise<boolean> {
    const session = this.live.get(id);
    this.live.delete(id);
    session?.close();
    for (const handler of this.endHandlers) handler(id);
    const known = session !== undefined || (await this.store.getSession(id)) !== undefined;
    await this.store.deleteSession(id);
    return known;
  }

  /** Sends an unscoped notification to every session on this worker that passes `filter`. */
  broadcast(message: JsonRpcNotification, filter: (s: LiveSession) => boolean = () => true): void {
    for (const session of this.live.values()) if (filter(session)) void session.standalone.send(message);
  }

  all(): IterableIterator<LiveSession> {
    return this.live.values();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const session of this.live.values()) session.close();
    this.live.clear();
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [id, session] of this.live) {
      if (session.lastSeen < cutoff && session.inflight.size === 0 && !session.standalone.attached) {
        this.live.delete(id);
        session.close();
      }
    }
  }
}
