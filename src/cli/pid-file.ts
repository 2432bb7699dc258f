/**
 * One PID file per listening port, so `stop` and `status` find the gateway
 * they mean even when several run on one machine (tests do).
 */
import fs from 'node:fs';
import path from 'node:path';
import { defaultStateDir, DEFAULT_PORT } from '../config/defaults.js';

export interface PidInfo {
  pid: number;
  host: string;
  port: number;
  config: string | null;
}

export function pidFilePath(port: number = DEFAULT_PORT): string {
  return path.join(defaultStateDir(), `gateway-${port}.pid`);
}

export function logFilePath(port: number = DEFAULT_PORT): string {
  return path.join(defaultStateDir(), `gateway-${port}.log`);
}

export function readPidFile(port?: number): PidInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(pidFilePath(port), 'utf8')) as PidInfo;
    return isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
