/**
 * The embedded default: with no Redis configured, the primary runs a private
 * redis-server child on a unix socket in a private directory, with no
 * persistence, so that several workers can share state on one machine out
 * of the box. Without the binary the gateway falls back to the in-process
 * store (one worker); the log says which.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../observe/log.js';

/** How long the private redis-server gets to open its socket. */
export const EMBEDDED_REDIS_START_TIMEOUT_MS = 5_000;

export interface EmbeddedRedis {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startEmbeddedRedis(logger: Logger, binary = 'redis-server'): Promise<EmbeddedRedis | undefined> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'only1mcp-redis-'));
  const socket = path.join(dir, 'redis.sock');
  let child: ChildProcess;
  try {
    child = spawn(binary, ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch {
    return undefined;
  }
  const spawned = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!spawned) {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  child.stderr?.on('data', (d: Buffer) => logger.warn({ redis: d.toString().trim() }, 'embedded redis-server'));
  const deadline = Date.now() + EMBEDDED_REDIS_START_TIMEOUT_MS;
  while (Date.now() < deadline && !(await canConnect(socket))) await new Promise((r) => setTimeout(r, 25));
  if (!(await canConnect(socket))) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    logger.warn('the embedded redis-server did not open its socket in time');
    return undefined;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `unix://${socket}`,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
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
