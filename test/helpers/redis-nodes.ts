/**
 * What the test Redis deployments (redis.ts) share: the ACL user every one
 * requires, the server arguments, the deployment and fault types, and small
 * helpers to launch a server, scan keys and wait.
 */
import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Cluster, Redis } from 'ioredis';
import { start, waitForLine, type Proc } from './processes.js';
import type { TestCerts } from './tls.js';

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

/** Options of a deployment: TLS on every port (and between its nodes), clients required to show a certificate. */
export interface DeploymentOptions {
  tls?: TestCerts | undefined;
}

/** The server side of TLS: `port` becomes the TLS port, plain TCP is off. */
export function serverTlsArgs(port: number, tls: TestCerts | undefined): string[] {
  if (!tls) return ['--port', String(port)];
  return ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.serverCert, '--tls-key-file', tls.serverKey, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'yes', '--tls-replication', 'yes', '--tls-cluster', 'yes'];
}

/** What a test's own clients (admin, redis-cli) use to reach a TLS deployment. */
export function clientTls(tls: TestCerts | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined;
  return { ca: fs.readFileSync(tls.ca), cert: fs.readFileSync(tls.clientCert), key: fs.readFileSync(tls.clientKey) };
}

/** The URL's scheme prefix and query for a deployment: rediss and the gateway's certificate files when TLS is on. */
export function urlParts(plain: 'redis' | 'redis+cluster' | 'redis+sentinel', tls: TestCerts | undefined): { scheme: string; tlsQuery: string[] } {
  if (!tls) return { scheme: plain, tlsQuery: [] };
  return { scheme: plain.replace(/^redis/, 'rediss'), tlsQuery: [`ca=${encodeURIComponent(tls.ca)}`, `cert=${encodeURIComponent(tls.clientCert)}`, `key=${encodeURIComponent(tls.clientKey)}`] };
}

/** Starts redis-server on `port` with its files in `dir` (a replica writes the RDB it receives there). */
export async function launchServer(port: number, dir: string, extra: string[] = [], tls?: TestCerts): Promise<Proc> {
  const proc = start('redis-server', [...serverTlsArgs(port, tls), '--dir', dir, ...SERVER_ARGS, ...ACL_ARGS, ...extra]);
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

