/**
 * What the test Redis deployments (redis.ts) share: the ACL user every one
 * requires, the server arguments, the deployment and fault types, and small
 * helpers to launch a server, scan keys and wait.
 */
import type { Cluster, Redis } from 'ioredis';
import { start, waitForLine, type Proc } from './processes.js';

export type Topology = 'single' | 'cluster' | 'sentinel';
export const TOPOLOGIES: readonly Topology[] = ['single', 'cluster', 'sentinel'];

/** The data nodes' ACL user. */
export const REDIS_USER = 'o1m-test';
/** Its password: '@', '/' and ':' must be percent-encoded in the URL and decoded by the gateway. */
export const REDIS_PASSWORD = 'p@ss/w:rd-7';
export const REDIS_AUTH = `${encodeURIComponent(REDIS_USER)}:${encodeURIComponent(REDIS_PASSWORD)}`;
export const ACL_ARGS = ['--user', 'default', 'off', '--user', REDIS_USER, 'on', `>${REDIS_PASSWORD}`, '~*', '&*', '+@all'];
/** Common to every redis-server a test starts: loopback, no persistence. */
export const SERVER_ARGS = ['--bind', '127.0.0.1', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'];

/**
 * The outage a failure test injects under load:
 * - single: the server is SIGKILLed, then started again empty on its port;
 * - cluster: one master is SIGKILLed until the others declare the cluster
 *   down, then started again, empty, from its nodes.conf (its slots return);
 * - sentinel: SENTINEL FAILOVER: the replica is promoted and the old master
 *   demoted; nothing is unreachable for longer than the switch.
 */
export interface Fault {
  /** Whether the store is unreachable between inject() and heal(). */
  readonly outage: boolean;
  readonly name: string;
  /** Resolves once the fault is in place (the server dead, the cluster down, the new master elected). */
  inject(): Promise<void>;
  /** Resolves once the deployment is whole again. */
  heal(): Promise<void>;
}

export interface TestRedis {
  topology: Topology;
  /** What --redis gets: scheme, credentials, hosts. */
  url: string;
  /** A client for assertions, with the same credentials (follows failovers); closed by stop(). */
  admin: Redis | Cluster;
  fault: Fault;
  /** Every key starting with `prefix`, on every master (SCAN). */
  scan(prefix: string): Promise<string[]>;
  stop(): Promise<void>;
}

export interface PlannedRedis {
  topology: Topology;
  url: string;
  start(): Promise<TestRedis>;
}

/** Starts redis-server on `port` with its files in `dir` (a replica writes the RDB it receives there). */
export async function launchServer(port: number, dir: string, extra: string[] = []): Promise<Proc> {
  const proc = start('redis-server', ['--port', String(port), '--dir', dir, ...SERVER_ARGS, ...ACL_ARGS, ...extra]);
  await waitForLine(proc, /Ready to accept connections/);
  return proc;
}

export async function scanNodes(nodes: Redis[], prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      out.push(...batch);
    } while (cursor !== '0');
  }
  return out;
}

/** Polls `check` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = ` (last error: ${(err as Error).message})`;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last}`);
}

