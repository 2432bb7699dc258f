/**
 * A local 3-master Redis Cluster: three `redis-server --cluster-enabled yes`
 * on free ports (client and bus ports both chosen, since port + 10000 may
 * be taken or out of range), joined by `redis-cli --cluster create ...
 * --cluster-replicas 0 --cluster-yes`. No replicas: losing a master loses
 * its slots until it returns, and with full coverage required (the
 * default) the whole cluster refuses commands meanwhile.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort } from './ports.js';
import { start, type Proc } from './processes.js';
import { tempDir } from './gateway.js';
import { clientTls, launchServer, scanNodes, urlParts, waitUntil, REDIS_AUTH, REDIS_PASSWORD, REDIS_USER, type DeploymentOptions, type PlannedRedis, type TestRedis } from './redis-nodes.js';
import type { TestCerts } from './tls.js';

const MASTERS = 3;
/** Short, so a lost node is declared failed (and a returning one cleared, 2× this) within seconds. */
const NODE_TIMEOUT_MS = 2_000;

interface Node {
  port: number;
  bus: number;
  proc?: Proc;
}

export async function planCluster({ tls }: DeploymentOptions): Promise<PlannedRedis> {
  const nodes: Node[] = [];
  for (let i = 0; i < MASTERS; i++) nodes.push({ port: await freePort(), bus: await freePort() });
  const { scheme, tlsQuery } = urlParts('redis+cluster', tls);
  const url = `${scheme}://${REDIS_AUTH}@${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}${tlsQuery.length > 0 ? `?${tlsQuery.join('&')}` : ''}`;
  return { topology: 'cluster', url, start: () => startCluster(nodes, url, tls) };
}

async function startCluster(nodes: Node[], url: string, tls: TestCerts | undefined): Promise<TestRedis> {
  const dir = tempDir('only1mcp-cluster-');
  const launch = async (node: Node) => {
    node.proc = await launchServer(node.port, dir, [
      '--cluster-enabled', 'yes',
      '--cluster-config-file', path.join(dir, `nodes-${node.port}.conf`),
      '--cluster-port', String(node.bus),
      '--cluster-node-timeout', String(NODE_TIMEOUT_MS),
    ], tls);
  };
  const launched = await Promise.allSettled(nodes.map(launch));
  const failed = launched.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(nodes.map((n) => n.proc?.stop()));
    throw failed.reason;
  }
  const cliTls = tls ? ['--tls', '--cacert', tls.ca, '--cert', tls.clientCert, '--key', tls.clientKey] : [];
  const create = start('redis-cli', [...cliTls, '--user', REDIS_USER, '--pass', REDIS_PASSWORD, '--no-auth-warning', '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes']);
  if ((await create.exited) !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.output()}`);
  const direct = nodes.map((n) => {
    const client = new Redis({ port: n.port, host: '127.0.0.1', username: REDIS_USER, password: REDIS_PASSWORD, retryStrategy: () => 100, lazyConnect: true, tls: clientTls(tls) });
    client.on('error', () => undefined);
    return client;
  });
  const state = async (client: Redis) => /cluster_state:(\w+)/.exec(String(await client.cluster('INFO')))?.[1];
  const allOk = async () => (await Promise.all(direct.map(state))).every((s) => s === 'ok');
  await waitUntil('the cluster to report cluster_state:ok on every node', allOk);

  const admin = new Cluster(nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), { redisOptions: { username: REDIS_USER, password: REDIS_PASSWORD, tls: clientTls(tls) } });
  admin.on('error', () => undefined);
  await waitUntil('the admin cluster client', async () => (await admin.ping()) === 'PONG');
  const victim = nodes[MASTERS - 1]!;
  return {
    topology: 'cluster',
    url,
    admin,
    fault: {
      outage: true,
      name: 'one of three masters killed (SIGKILL), then restarted empty from its nodes.conf',
      async inject() {
        victim.proc!.child.kill('SIGKILL');
        await victim.proc!.exited;
        await waitUntil('the surviving masters to declare the cluster down', async () => (await state(direct[0]!)) === 'fail');
      },
      async heal() {
        await launch(victim);
        await waitUntil('the cluster to be whole again', allOk);
      },
    },
    scan: (prefix) => scanNodes(admin.nodes('master'), prefix),
    async stop() {
      admin.disconnect();
      for (const client of direct) client.disconnect();
      await Promise.all(nodes.map((n) => n.proc?.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
