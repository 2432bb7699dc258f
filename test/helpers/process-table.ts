/**
 * What the tests read about the gateway's processes from Linux /proc: which
 * of a primary's descendants are workers, whether a pid still runs (a
 * zombie does not), and a process's RSS.
 */
import fs from 'node:fs';
import { descendants } from '../../src/cli/process-tree.js';

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Running, and not a zombie waiting to be reaped. */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** The live worker processes under a primary. */
export function workerPids(primary: number): number[] {
  return descendants(primary).filter((pid) => alive(pid) && cmdline(pid).includes('worker/main.js'));
}

export function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Until `count` workers have answered GET /health (each names its pid in x-only1mcp-worker). */
export async function untilWorkersAnswer(base: string, count: number): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < 400 && seen.size < count; i++) {
    const res = await fetch(`${base}/health`, { headers: { connection: 'close' } });
    await res.arrayBuffer();
    seen.add(String(res.headers.get('x-only1mcp-worker')));
    if (seen.size < count) await new Promise((r) => setTimeout(r, 50));
  }
  if (seen.size < count) throw new Error(`only ${seen.size} of ${count} workers answered`);
}
