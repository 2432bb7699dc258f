// Processes for the benchmarks: started pinned to CPU cores with taskset
// (util-linux; it execs the command, so the pid we hold is the program's),
// found again by walking /proc, measured from /proc/<pid>/status and /stat,
// and stopped with SIGTERM then SIGKILL.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

/** Ticks per second of /proc/<pid>/stat times (sysconf(_SC_CLK_TCK); 100 on every Linux we know). */
export const CLOCK_TICKS_PER_S = 100;
/** How long a process may take to become ready before the benchmark gives up. */
export const READY_TIMEOUT_MS = 60_000;
/** How long a process gets between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 5_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `command args` pinned to `cpus` (a taskset list such as "1" or
 * "0,1"), optionally niced. Output is kept (last 64 KB) for diagnostics.
 */
export function startPinned(command, args, { cpus, nice, env, cwd, stdin = 'ignore' } = {}) {
  const argv = [];
  if (cpus !== undefined) argv.push('taskset', '-c', String(cpus));
  if (nice !== undefined) argv.push('nice', '-n', String(nice));
  argv.push(command, ...args);
  const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, ...env }, cwd, stdio: [stdin, 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => {
    output = (output + d.toString()).slice(-65_536);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    resolve({ code, signal });
  }));
  return {
    child,
    pid: child.pid,
    get output() {
      return output;
    },
    get exited() {
      return exited;
    },
    /** Resolves with the first stdout line matching `re`. */
    waitForLine(re, timeoutMs = READY_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        let buffered = '';
        const timer = setTimeout(() => fail(new Error(`timed out waiting for ${re} from ${command}; output:\n${output}`)), timeoutMs);
        const onData = (d) => {
          buffered += d.toString();
          const m = buffered.match(re);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const onExit = () => fail(new Error(`${command} exited before ${re}; output:\n${output}`));
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout.off('data', onData);
          child.stderr.off('data', onData);
          child.off('exit', onExit);
        };
        const fail = (err) => {
          cleanup();
          reject(err);
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.once('exit', onExit);
      });
    },
    async stop(graceMs = STOP_GRACE_MS) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => !exited && killTree(child.pid), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
}

/** SIGKILL a process and everything below it (only processes this benchmark started). */
export function killTree(pid) {
  for (const p of [...descendants(pid).map((d) => d.pid), pid]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Polls `url` until it answers `status` ('any': any HTTP answer at all). */
export async function waitForHttp(url, { timeoutMs = READY_TIMEOUT_MS, status = 200, proc } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc?.exited) throw new Error(`process exited before ${url} answered; output:\n${proc.output}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (status === 'any' || res.status === status) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (${last})${proc ? `; output:\n${proc.output}` : ''}`);
}

function readStat(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'.
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    // utime + stime of every thread, plus cutime + cstime of children already reaped
    // (a peer that spawns a process per request pays for it here).
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { comm: text.slice(text.indexOf('(') + 1, close), ppid: Number(fields[1]), ticks };
  } catch {
    return undefined;
  }
}

/** Every live process whose ancestry leads to `root`. */
export function descendants(root) {
  const parentOf = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(name);
    if (stat) parentOf.set(Number(name), stat.ppid);
  }
  const out = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [pid, ppid] of parentOf) {
      if (ppid === parent) {
        out.push({ pid, cmdline: cmdline(pid) });
        queue.push(pid);
      }
    }
  }
  return out;
}

export function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return '';
  }
}

/** Resident set size in kB (VmRSS), or undefined for a process that is gone. */
export function rssKb(pid) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** User + system CPU time consumed so far, in ticks. */
export function cpuTicks(pid) {
  return readStat(pid)?.ticks;
}

/** Busy and steal ticks of the whole machine (all cores) from /proc/stat. */
export function machineTicks() {
  const [, user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return { busy: user + nice + system + irq + softirq, steal };
}

/** Percent of one core the whole machine was busy over the next `ms`. */
export async function machineBusyPercent(ms) {
  const t0 = performance.now();
  const a = machineTicks().busy;
  await new Promise((r) => setTimeout(r, ms));
  return ((machineTicks().busy - a) / CLOCK_TICKS_PER_S / ((performance.now() - t0) / 1000)) * 100;
}

/** Re-pins a running process and all its threads. */
export function pin(pid, cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(pid)], { stdio: 'ignore' });
}
