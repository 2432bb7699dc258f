/**
 * Private Redis deployments for tests, on free ports, never the machine's
 * shared one, in the three topologies the gateway supports:
 *
 * - single: one redis-server;
 * - cluster: three masters (`--cluster-enabled yes`, joined by
 *   `redis-cli --cluster create ... --cluster-replicas 0`), redis-cluster.ts;
 * - sentinel: a master, a replica and three sentinels, each sentinel with a
 *   writable config file in a temp dir, redis-sentinel.ts.
 *
 * Every deployment requires an ACL user (the default user is off) whose
 * password needs percent-encoding in a URL, so every suite also checks
 * credentials end to end. Each offers the fault its topology is tested
 * with (`fault`), and a plan step that fixes the URL before anything runs
 * (a gateway pointed at a Redis that is not there yet).
 */
import fs from 'node:fs';
import { Redis } from 'ioredis';
import { tempDir } from './gateway.js';
import { freePort } from './ports.js';
import { planCluster } from './redis-cluster.js';
import { planSentinel } from './redis-sentinel.js';
import { clientTls, launchServer, scanNodes, urlParts, REDIS_AUTH, REDIS_PASSWORD, REDIS_USER, TOPOLOGIES, type DeploymentOptions, type PlannedRedis, type TestRedis, type Topology } from './redis-nodes.js';

export { REDIS_AUTH, REDIS_PASSWORD, REDIS_USER, TOPOLOGIES, waitUntil, type DeploymentOptions, type Fault, type PlannedRedis, type TestRedis, type Topology } from './redis-nodes.js';

/**
 * The topologies a suite runs against: all three, or those named in
 * TEST_REDIS_TOPOLOGIES (comma-separated) to rerun one while debugging.
 */
export function testTopologies(): Topology[] {
  const asked = process.env.TEST_REDIS_TOPOLOGIES;
  if (!asked) return [...TOPOLOGIES];
  const list = asked.split(',').map((t) => t.trim()) as Topology[];
  for (const t of list) if (!TOPOLOGIES.includes(t)) throw new Error(`TEST_REDIS_TOPOLOGIES: unknown topology "${t}"`);
  return list;
}

export async function planRedis(topology: Topology, options: DeploymentOptions = {}): Promise<PlannedRedis> {
  if (topology === 'cluster') return planCluster(options);
  if (topology === 'sentinel') return planSentinel(options);
  return planSingle(options);
}

/** How many fresh sets of ports startRedis tries: free ports are chosen, closed, then bound, and another process may take one in between. */
const PORT_ATTEMPTS = 3;

export async function startRedis(topology: Topology = 'single', options: DeploymentOptions = {}): Promise<TestRedis> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (await planRedis(topology, options)).start();
    } catch (err) {
      if (attempt >= PORT_ATTEMPTS || !/Address already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function planSingle({ tls }: DeploymentOptions): Promise<PlannedRedis> {
  const port = await freePort();
  const { scheme, tlsQuery } = urlParts('redis', tls);
  const url = `${scheme}://${REDIS_AUTH}@127.0.0.1:${port}${tlsQuery.length > 0 ? `?${tlsQuery.join('&')}` : ''}`;
  return {
    topology: 'single',
    url,
    async start() {
      const dir = tempDir('only1mcp-redis-');
      let proc = await launchServer(port, dir, [], tls);
      const admin = new Redis({ port, host: '127.0.0.1', username: REDIS_USER, password: REDIS_PASSWORD, retryStrategy: () => 100, tls: clientTls(tls) });
      admin.on('error', () => undefined);
      return {
        topology: 'single',
        url,
        admin,
        fault: {
          outage: true,
          name: 'redis-server killed (SIGKILL) and restarted empty',
          async inject() {
            proc.child.kill('SIGKILL');
            await proc.exited;
          },
          async heal() {
            proc = await launchServer(port, dir, [], tls);
          },
        },
        scan: (prefix) => scanNodes([admin], prefix),
        async stop() {
          admin.disconnect();
          await proc.stop();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}
