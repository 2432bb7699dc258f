/**
 * Running the `only1mcp` command line as a user would, from the built dist/:
 * a private HOME and XDG folders per test (nothing touches the machine's own
 * config or PID files), and a way to find every process a run left behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CLI } from './gateway.js';
import { ROOT } from './processes.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A private home, config and state folder under `dir`. */
export function isolatedEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_STATE_HOME: path.join(dir, 'state'),
    ONLY1MCP_CONFIG: '',
    ONLY1MCP_ROOT: ROOT,
    ...extra,
  };
}

/** Runs to completion, blocking: only for commands that start nothing that outlives them. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Any command line, without blocking this process (a gateway it starts may keep writing to our pipes). */
export function runAsync(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export function runCliAsync(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<CliResult> {
  return runAsync(process.execPath, [CLI, ...args], env, cwd);
}

/**
 * Live processes whose command line or environment holds `marker`. Give a
 * command a unique marker in its environment (every process it starts
 * inherits it, except stdio backends, which get an allow-listed
 * environment: put the marker in their arguments) and this finds all of them.
 */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // a zombie is already gone
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (cmdline.includes(marker) || environ.includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Waits (bounded) until no process holds `marker`; returns those still there. */
export async function untilNoneWith(marker: string, timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let left = processesWith(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesWith(marker);
  }
  return left;
}
