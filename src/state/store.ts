/**
 * The shared-state interface. Everything that must survive a change of
 * worker (or node) goes through here: 2025-era session records and the
 * per-session event log that makes streams resumable. The in-process
 * implementation serves the single-node default and unit tests; the Redis
 * implementation serves clusters.
 */
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { LogLevel } from '../mcp/versions.js';

export interface SessionRecord {
  id: string;
  protocolVersion: string;
  capabilities: JsonObject;
  clientInfo: JsonObject;
  principal: string;
  /** 'streamable' (POST/GET /mcp) or 'sse' (legacy /sse + /messages). */
  transport: 'streamable' | 'sse';
  logLevel: LogLevel | undefined;
  initialized: boolean;
  createdAt: number;
}

export interface StoredEvent {
  /** `<streamId>_<seq>`: the SSE id a client echoes in Last-Event-ID. */
  id: string;
  data: string;
}

export interface StateStore {
  readonly kind: 'memory' | 'redis';
  getSession(id: string): Promise<SessionRecord | undefined>;
  putSession(record: SessionRecord): Promise<void>;
  deleteSession(id: string): Promise<void>;
  /** Refreshes the session's idle expiry. */
  touchSession(id: string): Promise<void>;

  /** Appends an event to one stream of a session; returns its id. */
  appendEvent(sessionId: string, streamId: string, data: string): Promise<string>;
  /** Events of the stream named in `lastEventId` that came after it; undefined if that stream is unknown. */
  eventsAfter(sessionId: string, lastEventId: string): Promise<{ streamId: string; events: StoredEvent[] } | undefined>;

  close(): Promise<void>;
}

export function parseEventId(id: string): { streamId: string; seq: number } | undefined {
  const cut = id.lastIndexOf('_');
  if (cut <= 0) return undefined;
  const seq = Number(id.slice(cut + 1));
  if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { streamId: id.slice(0, cut), seq };
}
