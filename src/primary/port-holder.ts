/**
 * Who listens on a TCP port, as far as this process can tell: another
 * only1mcp gateway (it answers GET /health with an `x-only1mcp-worker`
 * header), else the process that owns the listening socket (Linux: the
 * socket's inode in /proc/net/tcp{,6}, then the /proc/PID/fd link that points
 * at it). Used only to word an error, so every step gives up quietly: another
 * user's processes, or a system without /proc, leave the holder unknown.
 */
import fs from 'node:fs';
import http from 'node:http';

/** How long the holder gets to answer GET /health before it is taken for something else. */
export const PORT_HOLDER_HEALTH_TIMEOUT_MS = 1_000;
/** Longest command line quoted in a message. */
export const PORT_HOLDER_COMMAND_CHARS = 200;

export type PortHolder =
  | { kind: 'only1mcp'; workerPid: number; primaryPid: number | undefined }
  | { kind: 'process'; pid: number; command: string };

export async function findPortHolder(host: string, port: number): Promise<PortHolder | undefined> {
  const worker = await only1mcpWorker(connectHost(host), port);
  if (worker !== undefined) return { kind: 'only1mcp', workerPid: worker, primaryPid: parentOf(worker) };
  const pid = listeningPid(port);
  if (pid === undefined) return undefined;
  return { kind: 'process', pid, command: commandLine(pid) };
}

/** Where to connect for a host a server binds: the wildcard addresses are reached on loopback. */
export function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '::1';
  return host;
}

function only1mcpWorker(host: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/health', timeout: PORT_HOLDER_HEALTH_TIMEOUT_MS }, (res) => {
      const header = res.headers['x-only1mcp-worker'];
      res.resume();
      const pid = Number(Array.isArray(header) ? header[0] : header);
      resolve(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

/** The parent of a worker is its gateway's primary (node:cluster forks). */
function parentOf(pid: number): number | undefined {
  try {
    // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** TCP state LISTEN in /proc/net/tcp. */
const TCP_LISTEN = '0A';

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
      const local = f[1]!;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9] !== '0') inodes.add(f[9]!);
    }
  }
  return inodes;
}

function listeningPid(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        if (wanted.has(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

function commandLine(pid: number): string {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
    const text = argv.join(' ');
    return text.length > PORT_HOLDER_COMMAND_CHARS ? `${text.slice(0, PORT_HOLDER_COMMAND_CHARS - 1)}…` : text;
  } catch {
    return '';
  }
}
