/**
 * A cheap guard in the child path, for the children whose command the
 * gateway chooses itself (the embedded redis-server): started through
 * util-linux `setpriv --pdeathsig KILL`, which asks the kernel to SIGKILL
 * the process the moment its parent dies, however the parent died. setpriv
 * execs the command, so the pid is the child's own.
 *
 * Not used for stdio backends: their command is the operator's, and a
 * missing one must keep failing with the spawn error that names it (setpriv
 * would turn it into an exit code). Those rely on the ledger
 * (child-ledger.ts) and on stdin EOF. Without setpriv (not Linux, minimal
 * images) the command runs as given and the ledger alone reclaims it.
 */
import fs from 'node:fs';
import path from 'node:path';

let setpriv: string | null | undefined;

/** The first executable `name` on PATH (or `name` itself when it is a path), if any. */
export function onPath(name: string, pathVar = process.env.PATH ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : pathVar.split(path.delimiter).filter(Boolean).map((d) => path.join(d, name));
  for (const c of candidates) {
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/** [command, args] for spawn: wrapped in setpriv when both it and `command` are there (a missing command keeps its own spawn error). */
export function withParentDeathSignal(command: string, args: readonly string[]): [string, string[]] {
  if (process.platform !== 'linux' || onPath(command) === undefined) return [command, [...args]];
  if (setpriv === undefined) setpriv = onPath('setpriv') ?? null;
  return setpriv === null ? [command, [...args]] : [setpriv, ['--pdeathsig', 'KILL', '--', command, ...args]];
}
