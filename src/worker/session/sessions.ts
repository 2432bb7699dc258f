/**
 * 2025-era sessions held by this worker, backed by the shared store.
 *
 * A session id is 144 random bits (above the 128 asked for; a UUID has only
 * 122). Records are cached here and re-read only when another worker says
 * they changed, so a request costs no store round trip; the idle expiry is
 * refreshed at most every SESSION_TOUCH_INTERVAL_MS. When the store is
 * unreachable, sessions known here keep working, new ones are created
 * locally and written to the store once it is back.
 */
import { randomBytes } from 'node:crypto';
import { GatewayError } from '../../mcp/errors.js';
import type { JsonObject } from '../../mcp/jsonrpc.js';
import { LiveSession } from './live-session.js';
import { newStreamId } from './producer-stream.js';
import { sessionChannel, StoreUnavailable, type SessionRecord, type StateStore } from '../../state/store.js';
import type { Logger } from '../../observe/log.js';
import { countDroppedNotification, observeSessions, UNSCOPED_BACKEND } from '../../observe/metrics.js';

/** Random bytes in a session id. */
export const SESSION_ID_BYTES = 18;
/** The idle expiry of a session record is pushed back at most this often per worker. */
export const SESSION_TOUCH_INTERVAL_MS = 30_000;
/** How often idle live sessions are released from this worker's memory. */
const LIVE_SWEEP_INTERVAL_MS = 60_000;

/** Copies of one notification from different workers within this window are one notification. */
const NOTIFY_ONCE_WINDOW_MS = 10_000;
/**
 * After the store comes back from an outage (a restarted Redis, a cluster
 * master back, a Sentinel failover), other workers are still writing back
 * the sessions it lost. For this long, a session id the store does not know
 * is answered 503 "retry shortly" rather than 404 "gone": a 404 would make
 * the client drop a session that exists. The cost: a truly unknown id gets
 * 503 instead of 404 for this long after a store outage.
 */
export const STORE_RESYNC_GRACE_MS = 5_000;

export class Sessions {
  private readonly live = new Map<string, LiveSession>();
  private readonly touched = new Map<string, number>();
  /** Records written while the store was unreachable, re-written when it is back. */
  private readonly unsynced = new Set<string>();
  private readonly endHandlers: Array<(id: string) => void> = [];
  private readonly releaseHandlers: Array<(record: SessionRecord) => void> = [];
  private readonly forgetHandlers: Array<(id: string) => void> = [];
  private readonly sweeper: NodeJS.Timeout;
  /** When the store last came back after having been reachable before (0: never). */
  private storeBackAt = 0;
  private storeSeenUp: boolean;

  constructor(
    readonly store: StateStore,
    private readonly idleMs: number,
    private readonly logger: Logger,
    private readonly workerTag: string,
  ) {
    this.sweeper = setInterval(() => this.sweep(), LIVE_SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    observeSessions(() => this.live.size);
    this.storeSeenUp = store.healthy;
    store.onHealth((healthy) => {
      if (!healthy) return;
      // The first connection is no return: nothing was lost that others must write back.
      if (this.storeSeenUp) this.storeBackAt = Date.now();
      this.storeSeenUp = true;
      void this.resync();
    });
  }

  get size(): number {
    return this.live.size;
  }

  async create(init: Pick<SessionRecord, 'protocolVersion' | 'capabilities' | 'clientInfo' | 'principal' | 'transport' | 'contextMode' | 'askedContextMode'>): Promise<LiveSession> {
    const record: SessionRecord = {
      id: randomBytes(SESSION_ID_BYTES).toString('base64url'),
      ...init,
      logLevel: undefined,
      initialized: false,
      createdAt: Date.now(),
      standaloneStream: `g${newStreamId()}`,
    };
    const session = this.adopt(record);
    await this.write(record);
    return session;
  }

  /**
   * The session for an id: this worker's, else the store's. undefined means
   * it does not exist (404); an unreachable store is GW_ERR_STATE_UNAVAILABLE
   * (503), not 404, because the session may well exist.
   */
  async resolve(id: string): Promise<LiveSession | undefined> {
    const local = this.live.get(id);
    if (local) {
      local.lastSeen = Date.now();
      this.touch(local);
      return local;
    }
    let record: SessionRecord | undefined;
    try {
      record = await this.store.getSession(id);
    } catch (err) {
      if (err instanceof StoreUnavailable) throw new GatewayError('GW_ERR_STATE_UNAVAILABLE', 'Service Unavailable: this session is not known to this worker and the shared state store cannot be reached; retry shortly');
      throw err;
    }
    // Not found means "gone" only from a store this worker trusts: while it counts as unreachable a
    // node may answer for slots it lost (a restarted cluster master), and just after it returns
    // other workers are still writing back what it lost.
    if (!record && (!this.store.healthy || Date.now() - this.storeBackAt < STORE_RESYNC_GRACE_MS)) {
      throw new GatewayError('GW_ERR_STATE_UNAVAILABLE', 'Service Unavailable: the shared state store is recovering (unreachable a moment ago, or just back while other workers write back what it lost) and may not hold this session yet; retry shortly');
    }
    return record ? this.adopt(record) : undefined;
  }

  async update(session: LiveSession, patch: Partial<Omit<SessionRecord, 'id' | 'createdAt' | 'standaloneStream'>>): Promise<void> {
    session.record = { ...session.record, ...patch };
    session.writeSeq++;
    session.writesInFlight++;
    try {
      if (this.unsynced.has(session.id)) {
        await this.write(session.record);
      } else {
        try {
          // Only the changed fields: this worker's copy of the others may be older than the store's.
          await this.store.patchSession(session.record, patch, this.idleMs);
        } catch (err) {
          if (!(err instanceof StoreUnavailable)) throw err;
          this.unsynced.add(session.id);
          this.logger.warn({ session: session.id }, 'session change kept locally: the shared state store is unreachable; it will be written when the store is back');
        }
      }
    } finally {
      session.writesInFlight--;
    }
    // Every worker holding the session re-reads it, this one too: that read is the one that
    // lands after this write, where a read dropped by refresh() overlapped it.
    void this.store.publish(sessionChannel(session.id), { t: 'record' }).catch(() => undefined);
  }

  /**
   * The session's record as the store has it now, for reads that must see a
   * change the client made through another worker a moment ago (the
   * 'record' message that refreshes this copy may still be on its way).
   * Falls back to this worker's copy when the store is unreachable.
   */
  async fresh(session: LiveSession): Promise<SessionRecord> {
    if (this.unsynced.has(session.id)) return session.record;
    try {
      await this.refresh(session);
    } catch (err) {
      if (!(err instanceof StoreUnavailable)) throw err;
    }
    return session.record;
  }

  /**
   * Replaces this worker's copy with the store's, unless a change made here
   * overlapped the read: the store answers in command order, so such a read
   * may predate the change and would silently undo it (a log level set a
   * moment ago, lost to a refresh prompted by an earlier change). The copy
   * here is then newer; the change's own 'record' message re-reads later.
   */
  private async refresh(session: LiveSession): Promise<void> {
    const seq = session.writeSeq;
    const busy = session.writesInFlight > 0;
    const record = await this.store.getSession(session.id);
    if (record && !busy && session.writeSeq === seq && session.writesInFlight === 0) session.record = record;
  }

  /** Called when a session ends (DELETE, transport gone, expiry): releases what it held elsewhere. */
  onEnd(handler: (id: string) => void): void {
    this.endHandlers.push(handler);
  }

  /**
   * Called once per session that ends by DELETE or by its transport closing,
   * on the worker that ended it (not on every worker that held it), with its
   * last record: what the session held elsewhere (its own backend sessions)
   * is released there.
   */
  onRelease(handler: (record: SessionRecord) => void): void {
    this.releaseHandlers.push(handler);
  }

  /** Called whenever a session leaves this worker's memory, however (ended, ended elsewhere, idle): the edge's session counts. */
  onForget(handler: (id: string) => void): void {
    this.forgetHandlers.push(handler);
  }

  async end(id: string): Promise<boolean> {
    const session = this.live.get(id);
    const record = session?.record ?? (await this.store.getSession(id).catch(() => undefined));
    const known = record !== undefined;
    if (record) for (const handler of this.releaseHandlers) handler(record);
    this.drop(id);
    await this.store.deleteSession(id).catch(() => undefined);
    await this.store.publish(sessionChannel(id), { t: 'ended' }).catch(() => undefined);
    return known;
  }

  /** Delivers an unscoped notification to every session on this worker that passes `filter`. */
  broadcast(message: JsonObject, filter: (s: LiveSession) => boolean = () => true): void {
    for (const session of this.live.values()) if (filter(session)) notifyCounted(session, message);
  }

  /**
   * Like broadcast, for notifications every worker produces at once (a
   * backend's list_changed reaches them all): a session held by several
   * workers gets it from the first to claim it. Without the store, each
   * sends (a duplicate beats a loss).
   */
  broadcastOnce(message: JsonObject, what: string): void {
    for (const session of this.live.values()) {
      void this.store.claim(`${session.id}:${what}`, NOTIFY_ONCE_WINDOW_MS).then(
        (first) => first && notifyCounted(session, message),
        () => notifyCounted(session, message),
      );
    }
  }

  all(): IterableIterator<LiveSession> {
    return this.live.values();
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const id of [...this.live.keys()]) this.drop(id);
  }

  private adopt(record: SessionRecord): LiveSession {
    const session = new LiveSession(record, this.store, this.logger, this.workerTag, {
      onRecordChanged: (s) => void this.refresh(s).catch(() => undefined),
      onEndedElsewhere: (s) => this.drop(s.id),
    });
    this.live.set(record.id, session);
    this.touched.set(record.id, Date.now());
    return session;
  }

  private drop(id: string): void {
    const session = this.live.get(id);
    if (!session) return;
    this.live.delete(id);
    this.touched.delete(id);
    session.close();
    for (const handler of this.forgetHandlers) handler(id);
    for (const handler of this.endHandlers) handler(id);
  }

  private async write(record: SessionRecord): Promise<void> {
    try {
      await this.store.putSession(record, this.idleMs);
      this.unsynced.delete(record.id);
    } catch (err) {
      if (!(err instanceof StoreUnavailable)) throw err;
      this.unsynced.add(record.id);
      this.logger.warn({ session: record.id }, 'session kept locally: the shared state store is unreachable; it will be written when the store is back');
    }
  }

  private touch(session: LiveSession): void {
    const now = Date.now();
    if (now - (this.touched.get(session.id) ?? 0) < SESSION_TOUCH_INTERVAL_MS) return;
    this.touched.set(session.id, now);
    void this.store.touchSession(session.id, this.idleMs).catch(() => undefined);
  }

  /**
   * The store is back. Sessions created while it was away are written; the
   * others are written only where the store lost them (a restarted Redis
   * without persistence, such as the embedded one), so a copy held here
   * never overwrites a newer one another worker wrote meanwhile.
   */
  private async resync(): Promise<void> {
    for (const [id, session] of this.live) {
      try {
        if (this.unsynced.has(id)) await this.write(session.record);
        else await this.store.restoreSession(session.record, this.idleMs);
      } catch (err) {
        if (!(err instanceof StoreUnavailable)) throw err;
        return;
      }
    }
    for (const id of this.unsynced) if (!this.live.has(id)) this.unsynced.delete(id);
  }

  private sweep(): void {
    const cutoff = Date.now() - this.idleMs;
    for (const [id, session] of this.live) {
      // Idle here does not mean idle everywhere: only this worker's copy is released. A copy that
      // holds resource subscriptions stays, since updates arrive through this worker's backends.
      if (session.lastSeen < cutoff && session.inflight.size === 0 && !session.hasStandalone && session.subscriptions.size === 0) {
        this.live.delete(id);
        this.touched.delete(id);
        session.close();
        for (const handler of this.forgetHandlers) handler(id);
      }
    }
  }
}

/** An unscoped notification for one session's own stream; a drop (the stream is full) is counted. */
function notifyCounted(session: LiveSession, message: JsonObject): void {
  if (!session.notify(message)) countDroppedNotification(UNSCOPED_BACKEND, String(message.method));
}
