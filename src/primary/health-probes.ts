/**
 * What one active health probe does, per kind of replica. A probe resolves
 * when the replica passes and rejects (or is aborted by the prober's
 * timeout) when it fails; it is told to stop through `signal`.
 *
 *   httpGetProbe     GET a path on the replica's origin; 2xx passes
 *   httpPingProbe    an MCP ping over HTTP with a small client of its own
 *                    (http-ping.ts)
 *   stdioHostPing    an MCP ping to a stdio child through its host in this
 *                    primary (the child the workers' calls reach)
 *
 * "Ping" is `ping` for a 2025 server and `server/discover` for a 2026-07-28
 * one, which has no ping method.
 */
import { modernMeta } from '../backends/handshake.js';
import type { JsonObject } from '../mcp/jsonrpc.js';
import type { BackendStatusWire, PrimaryToWorker } from '../ipc/stdio-protocol.js';
import type { WorkerPort } from './worker-calls.js';

export type Probe = (signal: AbortSignal) => Promise<void>;

/** `replicaUrl`: the replica's MCP endpoint; `path` is taken on its origin (`/healthz`). */
export function httpGetProbe(replicaUrl: string, path: string, headers: Readonly<Record<string, string>> = {}): Probe {
  const target = new URL(path, new URL(replicaUrl).origin);
  return async (signal) => {
    const res = await fetch(target, { method: 'GET', headers, signal, redirect: 'manual' });
    // The body is not read: a health endpoint's answer is its status, and a large body must cost nothing.
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status > 299) throw new Error(`GET ${target.pathname} answered ${res.status}`);
  };
}

/** The part of StdioHost a ping needs. */
export interface PingableHost {
  status(): BackendStatusWire;
  call(worker: WorkerPort, id: number, method: string, params: JsonObject | undefined, group: string): void;
}

/** The primary's table of worker calls (worker-calls.ts), through which a call is cancelled. */
export interface CallCanceller {
  cancel(worker: { readonly index: number }, id: number, reason: string): void;
}

/** Worker indexes are 0 and up; the prober's pings go as a worker of its own that no real one can be. */
const PROBER_WORKER_INDEX = -1;
/** One sequence for every stdio ping of this primary: (worker, id) keys the primary's call table. */
let nextPingId = 1;

export function stdioHostPing(host: PingableHost, calls: CallCanceller): Probe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const id = nextPingId++;
      const port: WorkerPort = {
        index: PROBER_WORKER_INDEX,
        send(message: PrimaryToWorker) {
          if (message.t !== 'result' || message.id !== id) return;
          signal.removeEventListener('abort', onAbort);
          if (message.r !== undefined) resolve();
          else reject(new Error(message.ge?.message ?? message.e?.message ?? 'ping failed'));
        },
        // The prober keeps no queue: its answers are taken as they are sent.
        bufferedBytes: () => 0,
        drained: () => Promise.resolve(),
      };
      // A cancelled call is never answered: the probe settles here.
      const onAbort = () => {
        calls.cancel(port, id, 'health probe timed out');
        reject(new Error('ping timed out'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // 2026-07-28 has no ping: its servers answer server/discover at any time.
      const modern = host.status().era === 'modern';
      host.call(port, id, modern ? 'server/discover' : 'ping', modern ? { _meta: modernMeta() } : undefined, 'gateway');
    });
}
