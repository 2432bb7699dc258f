/**
 * Messages between a worker and the primary about stdio backends.
 *
 * Workers never see a child's own ids: `id` here is the worker's call id on
 * this channel, and the primary maps it to a fresh id on the child's pipe.
 * Backend-to-client requests get a primary-side id (`sid`) so the worker's
 * answer finds its way back to the child's original request id.
 *
 * `s` names an upstream scope (src/gateway/upstream-scope.ts): a message with
 * one is about that client's own child from the server's pool, not the
 * node's shared child. A scoped call carries what opening a child for the
 * scope needs (`c`: the client's capabilities; `lv`: its log level) and the
 * child instance the client last used (`x`), so the primary can say when the
 * client's backend state was lost (`reset`).
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
  | { t: 'call'; id: number; b: string; m: string; p?: JsonObject; g: string; s?: string; c?: JsonObject; lv?: LogLevel; x?: string }
  | { t: 'cancel'; id: number; reason: string }
  | { t: 'notify'; b: string; m: string; p?: JsonObject; s?: string }
  | { t: 'answer'; b: string; sid: number; r?: JsonObject; e?: JsonRpcErrorObject }
  | { t: 'sub'; id: number; b: string; uri: string; on: boolean; s?: string; c?: JsonObject; x?: string }
  | { t: 'level'; b: string; level: LogLevel | null; s?: string }
  /** The scope's client session ended: its child is stopped now. */
  | { t: 'release'; b: string; s: string };

export type PrimaryToWorker =
  | { t: 'result'; id: number; r?: JsonObject; e?: JsonRpcErrorObject; ge?: WireError; inst?: string; reset?: boolean }
  | { t: 'event'; b: string; n: JsonRpcNotification; rel?: number; s?: string }
  | { t: 'ask'; sid: number; b: string; m: string; p?: JsonObject; rel?: number; s?: string }
  | { t: 'status'; s: BackendStatusWire }
  /** A shared child sent a message that names no call: refused or dropped, counted by the worker told. */
  | { t: 'unattributed'; b: string; m: string; kind: 'request' | 'notification' };
