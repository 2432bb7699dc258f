/**
 * Control messages between the primary and its workers over node:cluster's
 * IPC channel (low volume: configuration, lifecycle). Request traffic to
 * stdio backends uses the frame channel instead (src/ipc/frame-channel.ts).
 */
import type { GatewayConfig } from '../config/model.js';

export type PrimaryToWorkerControl =
  | { t: 'config'; config: GatewayConfig; stateKey: string; ipcPath: string; index: number }
  | { t: 'reconfigure'; config: GatewayConfig }
  /** The node joined the cluster's shared requestState key (it started while Redis was away). */
  | { t: 'state-key'; stateKey: string }
  | { t: 'drain'; timeoutMs: number }
  /** The watchdog's question (worker-pool.ts): answered at once by a worker whose event loop runs. */
  | { t: 'heartbeat'; seq: number }
  | { t: 'metrics'; id: number; text: string; contentType: string };

export type WorkerToPrimaryControl =
  | { t: 'want-config' }
  | { t: 'listening'; port: number }
  | { t: 'ready' }
  | { t: 'drained' }
  | { t: 'heartbeat'; seq: number }
  | { t: 'metrics-req'; id: number };

export const ENV_WORKER_INDEX = 'ONLY1MCP_WORKER_INDEX';
