/**
 * Real replica processes for routing tests (test/fixtures/replica-server.ts):
 * start one on a port, read what reached it, and config lines naming them.
 */
import path from 'node:path';
import { FIXTURES } from './gateway.js';
import { freePort } from './ports.js';
import { start, waitForLine, type Proc } from './processes.js';

export interface ReplicaProc {
  name: string;
  port: number;
  url: string;
  proc: Proc;
  /** tools/call counts by tool, as the replica counted them. */
  stats(): Promise<{ name: string; calls: Record<string, number>; sessions: number }>;
  /** The `id` arguments of calls of `tool` it printed (--log-calls), in order; they survive a SIGKILL. */
  loggedIds(tool: string): string[];
}

/** Starts a replica (on `port`, else a free one) and waits until it listens. */
export async function startReplica(name: string, extra: string[] = [], port?: number): Promise<ReplicaProc> {
  const p = port ?? (await freePort());
  const proc = start(process.execPath, [path.join(FIXTURES, 'replica-server.js'), '--name', name, '--port', String(p), ...extra]);
  await waitForLine(proc, /listening http:\/\/\S+/);
  const url = `http://127.0.0.1:${p}/mcp`;
  return {
    name,
    port: p,
    url,
    proc,
    stats: async () => (await (await fetch(`http://127.0.0.1:${p}/stats`)).json()) as Awaited<ReturnType<ReplicaProc['stats']>>,
    loggedIds: (tool) => [...proc.output().matchAll(new RegExp(`^call ${tool} (\\S+)$`, 'gm'))].map((m) => m[1] as string),
  };
}

/** A server entry `fx` over these replicas, with extra keys (indented four spaces). */
export function replicatedServer(replicas: ReadonlyArray<{ url: string; weight?: number }>, extra = ''): string {
  const lines = replicas.map((r) => `      - url: ${r.url}${r.weight === undefined ? '' : `\n        weight: ${r.weight}`}`);
  return `servers:\n  fx:\n    replicas:\n${lines.join('\n')}\n${extra}`;
}

export const textOf = (result: unknown): string => (result as { content: Array<{ text?: string }> }).content[0]?.text ?? '';

/** Polls until `check` holds (true), or fails naming `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
