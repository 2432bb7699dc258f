/**
 * The processes of a running gateway, read from /proc: its workers (the
 * primary's children running worker/main.js) and their resident memory, so
 * a test can say "no worker restarted" and "no worker grew past a bound".
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcessInfo {
  pid: number;
  rssBytes: number;
}

/** The gateway's worker processes (children of the primary `primaryPid`), sorted by pid. */
export function workerProcesses(primaryPid: number): ProcessInfo[] {
  const out = execFileSync('ps', ['--ppid', String(primaryPid), '-o', 'pid=,rss=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && /worker[\\/]main\.js/.test(m[3]!))
    .map((m) => ({ pid: Number(m[1]), rssBytes: Number(m[2]) * 1024 }))
    .sort((a, b) => a.pid - b.pid);
}

/** Resident memory of one process in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The value of a metric line `name{labels} value` in Prometheus text, or undefined. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  const escaped = `${name}${labels}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

/**
 * Every in-flight registration table the node reports on /metrics
 * (`only1mcp_pending_registrations` in workers, `only1mcp_primary_pending_registrations`
 * in the primary), as `where/table` → count. Each must return to 0 when idle.
 */
export function pendingRegistrations(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^only1mcp_(primary_)?pending_registrations\{table="([^"]+)"\} (\S+)$/gm)) {
    out[`${m[1] ? 'primary' : 'worker'}/${m[2]}`] = Number(m[3]);
  }
  return out;
}
