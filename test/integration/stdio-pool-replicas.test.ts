/**
 * The primary's per-client children of a stdio server with two replicas:
 * one pool per replica, real children (test/fixtures/tiny-mcp.sh answers
 * with its process id), a worker port that records what the primary sends.
 *
 * A client that moves to the other replica gets a new child there and its
 * result says its state was reset; a client that comes back to a replica
 * whose pool still holds its old child (older than what it did meanwhile)
 * gets a new one, not the stale one; the pools of one server share its
 * maxProcesses cap on the node.
 */
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { StdioPool, type ScopedCall } from '../../src/primary/stdio-pool.js';
import { WorkerCalls, type WorkerPort } from '../../src/primary/worker-calls.js';
import { ClientAsks } from '../../src/primary/client-asks.js';
import { parseConfigText } from '../../src/config/load.js';
import type { PrimaryToWorker } from '../../src/ipc/stdio-protocol.js';
import type { StdioServerConfig } from '../../src/config/model.js';
import { ROOT } from '../helpers/processes.js';

const TINY = path.join(ROOT, 'test', 'fixtures', 'tiny-mcp.sh');
const logger = pino({ level: 'silent' });

type Result = Extract<PrimaryToWorker, { t: 'result' }>;
const waiting = new Map<number, (r: Result) => void>();
const port: WorkerPort = {
  index: 0,
  send: (m) => {
    if (m.t === 'result') waiting.get(m.id)?.(m);
  },
  // Takes every message as it is sent: nothing queues, so no back-pressure.
  bufferedBytes: () => 0,
  drained: () => Promise.resolve(),
};
let nextId = 1;

const config = parseConfigText(
  `servers:\n  tiny:\n    command: bash\n    args: [${JSON.stringify(TINY)}]\n    replicas: 2\n    protocol: legacy\n    maxProcesses: 2\n`,
  'tiny.yaml',
  { env: {} },
).servers[0] as StdioServerConfig;
const deps = { workers: () => [port], calls: new WorkerCalls(), asks: new ClientAsks(), logger };
const pools: StdioPool[] = [];
const size = () => pools.reduce((n, p) => n + p.size, 0);
pools.push(new StdioPool(config, deps, '1', size), new StdioPool(config, deps, '2', size));

afterAll(async () => {
  await Promise.all(pools.map((p) => p.stop()));
});

function call(pool: StdioPool, scope: string, expect: string | undefined, fresh = false): Promise<Result> {
  const id = nextId++;
  const done = new Promise<Result>((resolve) => waiting.set(id, resolve));
  const scoped: ScopedCall = { scope, capabilities: {}, level: undefined, expect, fresh };
  pool.call(port, id, scoped, 'tools/call', { name: 'pid', arguments: {} }, scope);
  return done;
}

const pid = (r: Result) => (r.r?.content as Array<{ text: string }> | undefined)?.[0]?.text;

describe('per-client children of two stdio replicas', () => {
  it('moves a client with notice, never back onto its stale child, within one cap for the server', async () => {
    const [one, two] = pools as [StdioPool, StdioPool];
    const first = await call(one, 's:x', undefined);
    expect(first.reset).toBeUndefined();
    const again = await call(one, 's:x', first.inst);
    expect([pid(again), again.inst, again.reset]).toEqual([pid(first), first.inst, undefined]);

    // Replica 1 left rotation: the client's next call goes to replica 2, which says its state is new.
    const moved = await call(two, 's:x', first.inst, true);
    expect(moved.reset).toBe(true);
    expect(pid(moved)).not.toBe(pid(first));

    // Both pools now hold a child for the client: the server's cap (2) is reached for everyone.
    const refused = await call(one, 's:y', undefined);
    expect(refused.ge?.name).toBe('GW_ERR_PROCESS_CAP');

    // Back to replica 1, whose pool still has the child from before the move: a new one, and a notice.
    const back = await call(one, 's:x', moved.inst, true);
    expect(back.reset).toBe(true);
    expect(pid(back)).not.toBe(pid(first));
    expect(back.inst).not.toBe(first.inst);
    expect(one.size + two.size).toBe(2);
  }, 30_000);
});
