/**
 * The embedded default: with no Redis configured, the primary runs a private
 * redis-server child on a unix socket in a private directory, with no
 * persistence, so that several workers can share state on one machine out
 * of the box. Without the binary the gateway falls back to the in-process
 * store (one worker); the log says which.
 *
 * The child is supervised like a stdio backend: if it dies, it is started
 * again on the same socket (the workers' clients reconnect by themselves and
 * write back the sessions they hold), with a growing delay if it keeps dying.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../observe/log.js';
import { Backoff } from './backoff.js';
import { childLedger, RECLAIMABLE_DIR_PREFIX } from './child-ledger.js';
import { withParentDeathSignal } from './parent-death.js';

/** How long the private redis-server gets to open its socket. */
export const EMBEDDED_REDIS_START_TIMEOUT_MS = 5_000;
/** Restart delays of a redis-server that keeps dying: 100 ms doubling to 10 s; 30 s up resets. */
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 10_000;
const HEALTHY_AFTER_MS = 30_000;

export interface EmbeddedRedis {
  url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
  /** At once and synchronously, for a primary that is exiting now. */
  kill(): void;
}

type Outcome = { ok: true; child: ChildProcess } | { ok: false; reason: 'no-binary' | 'no-socket' };

/** Starts the private redis-server, or says in a few words why it could not. */
export async function startEmbeddedRedis(logger: Logger, binary = 'redis-server'): Promise<EmbeddedRedis | { failed: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), RECLAIMABLE_DIR_PREFIX));
  childLedger.addDir(dir);
  const socket = path.join(dir, 'redis.sock');
  const first = await launch(binary, dir, socket, logger);
  if (!first.ok) {
    fs.rmSync(dir, { recursive: true, force: true });
    childLedger.removeDir(dir);
    return { failed: first.reason === 'no-binary' ? `no ${binary} on PATH` : `${binary} did not open its socket within ${EMBEDDED_REDIS_START_TIMEOUT_MS} ms` };
  }
  let child = first.child;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const backoff = new Backoff(RESTART_MIN_MS, RESTART_MAX_MS, HEALTHY_AFTER_MS);
  backoff.started();

  const supervise = (c: ChildProcess) => {
    c.once('exit', (code, signal) => {
      if (stopping) return;
      const delay = backoff.failed();
      logger.error({ code, signal, restartInMs: delay }, 'the embedded redis-server exited; restarting it (shared state held in it is gone; workers write back the sessions they hold)');
      restartTimer = setTimeout(() => void restart(), delay);
    });
  };
  const restart = async () => {
    if (stopping) return;
    fs.rmSync(socket, { force: true });
    const next = await launch(binary, dir, socket, logger);
    if (stopping) {
      if (next.ok) next.child.kill('SIGKILL');
      return;
    }
    if (!next.ok) {
      const delay = backoff.failed();
      logger.error({ reason: next.reason, restartInMs: delay }, 'the embedded redis-server did not come back; trying again');
      restartTimer = setTimeout(() => void restart(), delay);
      return;
    }
    child = next.child;
    backoff.started();
    supervise(child);
    logger.info({ redisPid: child.pid }, 'the embedded redis-server is back');
  };
  supervise(child);

  return {
    url: `unix://${socket}`,
    get pid() {
      return child.pid;
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(dir, { recursive: true, force: true });
      childLedger.removeDir(dir);
    },
    kill() {
      stopping = true;
      clearTimeout(restartTimer);
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts redis-server on `socket` and waits for the socket to accept connections. */
async function launch(binary: string, dir: string, socket: string, logger: Logger): Promise<Outcome> {
  let child: ChildProcess;
  const args = ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'];
  try {
    child = spawn(...withParentDeathSignal(binary, args), { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    return { ok: false, reason: 'no-binary' };
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) return { ok: false, reason: 'no-binary' };
  childLedger.add(child.pid, 'redis', 'embedded redis-server');
  child.once('exit', () => childLedger.remove(child.pid));
  child.stderr?.on('data', (d: Buffer) => logger.warn({ redis: d.toString().trim() }, 'embedded redis-server'));
  const deadline = Date.now() + EMBEDDED_REDIS_START_TIMEOUT_MS;
  while (Date.now() < deadline && child.exitCode === null && !(await canConnect(socket))) await new Promise((r) => setTimeout(r, 25));
  if (child.exitCode !== null || !(await canConnect(socket))) {
    child.kill('SIGKILL');
    return { ok: false, reason: 'no-socket' };
  }
  return { ok: true, child };
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socket, () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
