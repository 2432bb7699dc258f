/**
 * A private redis-server per test file, on a free port, never the machine's
 * shared one. It can be killed and restarted on the same port (Redis
 * failure tests).
 */
import { freePort } from './ports.js';
import { start, waitForLine, type Proc } from './processes.js';

export interface TestRedis {
  port: number;
  url: string;
  proc: Proc;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** `port`: a port chosen beforehand (a gateway already pointed at it, waiting for Redis to arrive). */
export async function startRedis(port?: number): Promise<TestRedis> {
  port ??= await freePort();
  const launch = async () => {
    const proc = start('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no']);
    await waitForLine(proc, /Ready to accept connections/);
    return proc;
  };
  const redis: TestRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    proc: await launch(),
    async kill() {
      redis.proc.child.kill('SIGKILL');
      await redis.proc.exited;
    },
    async restart() {
      redis.proc = await launch();
    },
    stop: () => redis.proc.stop(),
  };
  return redis;
}
