/**
 * The primary's ledger of the processes and folders it owns (stdio
 * backends, the embedded redis-server and its temp folder), kept as a file
 * in the state directory so that a primary killed outright (SIGKILL, OOM
 * killer) leaves a record behind: the next primary to start on the same
 * state directory reclaims whatever the dead one left running.
 *
 * A pid alone is not an identity: after a reboot or a long uptime the
 * number may belong to an unrelated process. Each entry carries the
 * process's start time (/proc/<pid>/stat, field 22, in clock ticks since
 * boot), and nothing is killed unless both still match. The ledger file is
 * named after its owner's pid and start time too, so primaries of several
 * gateways sharing a state directory never reclaim each other's children.
 *
 * Off Linux (no /proc) start times cannot be read: entries are not written
 * and nothing is reclaimed, rather than risk killing a stranger.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Folders a ledger may name for removal: the embedded redis-server's (embedded-redis.ts). */
export const RECLAIMABLE_DIR_PREFIX = 'only1mcp-redis-';

export interface LedgerEntry {
  pid: number;
  /** /proc/<pid>/stat starttime: with the pid, names the process. */
  start: string;
  kind: 'stdio' | 'redis';
  name: string;
}

interface LedgerFile {
  owner: { pid: number; start: string };
  children: LedgerEntry[];
  dirs: string[];
}

export interface Reclaimed {
  /** Processes killed: left running by a primary that is gone. */
  killed: LedgerEntry[];
  /** Temp folders removed. */
  dirs: string[];
  /** The dead primaries whose ledgers these were. */
  owners: number[];
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may contain spaces). */
export function processStartTime(pid: number): string | undefined {
  const fields = statFields(pid);
  return fields?.[19];
}

/** The fields after `pid (comm)`: state is [0], ppid [1], pgrp [2], starttime [19]. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Alive, not a zombie, and still the process the ledger recorded. */
function sameProcess(pid: number, start: string): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== 'Z' && fields[19] === start;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone meanwhile.
  }
}

export class ChildLedger {
  private file: string | undefined;
  private readonly children = new Map<number, LedgerEntry>();
  private readonly dirs = new Set<string>();
  private ownStart: string | undefined;

  /**
   * Opens the ledger in `dir` for this process, after reclaiming what dead
   * primaries left there. Call before starting any child.
   */
  open(dir: string): Reclaimed {
    this.ownStart = processStartTime(process.pid);
    if (this.ownStart === undefined) return { killed: [], dirs: [], owners: [] };
    fs.mkdirSync(dir, { recursive: true });
    const reclaimed = reclaim(dir);
    this.file = path.join(dir, `primary-${process.pid}-${this.ownStart}.json`);
    this.write();
    return reclaimed;
  }

  /** Records a child just spawned (its start time is read now, while it surely runs). */
  add(pid: number | undefined, kind: LedgerEntry['kind'], name: string): void {
    if (!this.file || pid === undefined) return;
    const start = processStartTime(pid);
    if (start === undefined) return;
    this.children.set(pid, { pid, start, kind, name });
    this.write();
  }

  remove(pid: number | undefined): void {
    if (!this.file || pid === undefined || !this.children.delete(pid)) return;
    this.write();
  }

  addDir(dir: string): void {
    if (!this.file) return;
    this.dirs.add(dir);
    this.write();
  }

  removeDir(dir: string): void {
    if (!this.file || !this.dirs.delete(dir)) return;
    this.write();
  }

  /** A clean exit: everything recorded is gone, and so is the ledger. */
  close(): void {
    if (!this.file) return;
    fs.rmSync(this.file, { force: true });
    this.file = undefined;
  }

  private write(): void {
    if (!this.file) return;
    const body: LedgerFile = { owner: { pid: process.pid, start: this.ownStart! }, children: [...this.children.values()], dirs: [...this.dirs] };
    // Write-then-rename: a primary killed mid-write leaves the previous ledger, never half of one.
    const tmp = `${this.file}.tmp`;
    try {
      fs.writeFileSync(tmp, JSON.stringify(body));
      fs.renameSync(tmp, this.file);
    } catch {
      // A read-only or full state directory must not stop a backend from starting; only reclaiming is lost.
    }
  }
}

/** Kills what every dead primary's ledger in `dir` names (pid and start time both matching), removes its folders and the ledger. */
function reclaim(dir: string): Reclaimed {
  const out: Reclaimed = { killed: [], dirs: [], owners: [] };
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.startsWith('primary-') && n.endsWith('.json'));
  } catch {
    return out;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    let ledger: LedgerFile;
    try {
      ledger = JSON.parse(fs.readFileSync(file, 'utf8')) as LedgerFile;
    } catch {
      fs.rmSync(file, { force: true });
      continue;
    }
    if (sameProcess(ledger.owner.pid, ledger.owner.start)) continue;
    out.owners.push(ledger.owner.pid);
    for (const entry of ledger.children ?? []) {
      if (!sameProcess(entry.pid, entry.start)) continue;
      // stdio backends lead process groups of their own: the group takes their children (npx → node) with them.
      if (statFields(entry.pid)?.[2] === String(entry.pid)) kill(-entry.pid, 'SIGKILL');
      kill(entry.pid, 'SIGKILL');
      out.killed.push(entry);
    }
    for (const d of ledger.dirs ?? []) {
      // Only folders of the kind the gateway makes: a ledger is a file anyone with the state directory can edit.
      if (typeof d !== 'string' || !path.isAbsolute(d) || !path.basename(d).startsWith(RECLAIMABLE_DIR_PREFIX)) continue;
      fs.rmSync(d, { recursive: true, force: true });
      out.dirs.push(d);
    }
    fs.rmSync(file, { force: true });
  }
  return out;
}

/** The primary's ledger: opened by runPrimary; before that (and in workers) it records nothing. */
export const childLedger = new ChildLedger();
