/**
 * Control messages between the primary and its workers over node:cluster's
 * IPC channel (low volume: configuration, lifecycle). Request traffic to
 * stdio backends uses the frame channel instead (src/ipc/frame-channel.ts).
 */
import type { GatewayConfig } from '../config/model.js';
import type { FeedBatch } from '../observe/activity.js';
import type { AdminAnswer, AdminOp } from './admin-protocol.js';

export type { AdminAnswer, AdminOp } from './admin-protocol.js';

export type PrimaryToWorkerControl =
  /** `disabled`: servers an operator disabled at runtime (their entries come with enabled: false). */
  | { t: 'config'; config: GatewayConfig; stateKey: string; ipcPath: string; index: number; disabled: string[] }
  | { t: 'reconfigure'; config: GatewayConfig; disabled: string[] }
  | { t: 'admin-res'; id: number; answer: AdminAnswer }
  /** The primary gathers a node-wide view: each worker answers with its part. */
  | { t: 'admin-collect'; id: number; what: 'sessions' }
  /** An operator restarted a server: the worker reopens its own connections to it (HTTP); stdio children restart in the primary. */
  | { t: 'admin-restart'; server: string }
  /** The node joined the cluster's shared requestState key (it started while Redis was away). */
  | { t: 'state-key'; stateKey: string }
  | { t: 'drain'; timeoutMs: number }
  | { t: 'metrics'; id: number; text: string; contentType: string };

export type WorkerToPrimaryControl =
  | { t: 'want-config' }
  | { t: 'listening'; port: number }
  | { t: 'ready' }
  | { t: 'drained' }
  | { t: 'metrics-req'; id: number }
  | { t: 'admin-req'; id: number; op: AdminOp; args: Record<string, string> }
  | { t: 'admin-part'; id: number; body: unknown }
  /** Every ADMIN_FEED_FLUSH_MS: the worker's recent requests and log lines, and its counters. */
  | { t: 'feed'; batch: FeedBatch };

export const ENV_WORKER_INDEX = 'ONLY1MCP_WORKER_INDEX';
