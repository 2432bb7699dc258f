/**
 * Ending everything a command launched: the process, its process group
 * (workers, the embedded redis-server) and its descendants in other groups
 * (stdio backends run in groups of their own so that a terminal's Ctrl-C
 * does not reach them). The descendants are listed before any signal is
 * sent: once a parent dies its children are re-parented and can no longer
 * be told apart from anyone else's.
 */
import fs from 'node:fs';

/** How long SIGTERM gets before SIGKILL. */
export const KILL_TREE_GRACE_MS = 5_000;

/** Every live descendant of `root` (Linux /proc; elsewhere none are found and the group kill must do). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  for (const entry of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM to the group of `leader` and to every descendant, then SIGKILL to what is left; resolves when all are gone. */
export async function killTree(leader: number, graceMs = KILL_TREE_GRACE_MS): Promise<void> {
  const pids = [leader, ...descendants(leader)];
  signal(-leader, 'SIGTERM');
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
  signal(-leader, 'SIGKILL');
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL');
}
