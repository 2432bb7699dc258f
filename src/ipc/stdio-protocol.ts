/**
 * Messages between a worker and the primary about stdio backends.
 *
 * Workers never see a child's own ids: `id` here is the worker's call id on
 * this channel, and the primary maps it to a fresh id on the child's pipe.
 * Backend-to-client requests get a primary-side id (`sid`) so the worker's
 * answer finds its way back to the child's original request id.
 */
import type { JsonObject, JsonRpcErrorObject, JsonRpcNotification } from '../mcp/jsonrpc.js';
import type { WireError } from '../mcp/errors.js';
import type { LogLevel } from '../mcp/versions.js';

export interface BackendStatusWire {
  name: string;
  state: 'starting' | 'ready' | 'restarting' | 'failed' | 'stopped';
  era?: 'legacy' | 'modern';
  protocolVersion?: string;
  capabilities?: JsonObject;
  serverInfo?: JsonObject;
  instructions?: string;
  pid?: number;
  restarts: number;
  invalidLines: number;
  lastError?: string;
  /** The child's last stderr lines (bounded: STDERR_TAIL_LINES, STDERR_TAIL_BYTES), oldest first. */
  stderrTail?: string[];
  /** Changes every time the child is (re)started, so workers can tell a new process. */
  generation: number;
}

export type WorkerToPrimary =
  | { t: 'hello'; worker: number }
  | { t: 'call'; id: number; b: string; m: string; p?: JsonObject; g: string }
  | { t: 'cancel'; id: number; reason: string }
  | { t: 'notify'; b: string; m: string; p?: JsonObject }
  | { t: 'answer'; b: string; sid: number; r?: JsonObject; e?: JsonRpcErrorObject }
  | { t: 'sub'; id: number; b: string; uri: string; on: boolean }
  | { t: 'level'; b: string; level: LogLevel | null };

export type PrimaryToWorker =
  | { t: 'result'; id: number; r?: JsonObject; e?: JsonRpcErrorObject; ge?: WireError }
  | { t: 'event'; b: string; n: JsonRpcNotification; rel?: number }
  | { t: 'ask'; sid: number; b: string; m: string; p?: JsonObject; rel?: number }
  | { t: 'status'; s: BackendStatusWire };
