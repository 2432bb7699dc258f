/**
 * A Sentinel-managed master: a master, one replica, and three sentinels
 * (quorum 2), each sentinel with a writable config file in a temp dir
 * (Sentinel rewrites its file as it learns). The sentinels require an ACL
 * user of their own, given to the gateway as sentinelUser/sentinelPassword.
 * The fault is `SENTINEL FAILOVER`: the replica becomes master and the old
 * master its replica.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { start, waitForLine, type Proc } from './processes.js';
import { tempDir } from './gateway.js';
import { clientTls, launchServer, scanNodes, urlParts, waitUntil, REDIS_AUTH, REDIS_PASSWORD, REDIS_USER, type DeploymentOptions, type PlannedRedis, type TestRedis } from './redis-nodes.js';
import type { TestCerts } from './tls.js';

export const MASTER_NAME = 'o1m-master';
const SENTINEL_USER = 'sentinel-admin';
const SENTINEL_PASSWORD = 'sentinel:pw/1';
const SENTINELS = 3;

export async function planSentinel({ tls }: DeploymentOptions): Promise<PlannedRedis> {
  const data = [await freePort(), await freePort()];
  const sentinels: number[] = [];
  for (let i = 0; i < SENTINELS; i++) sentinels.push(await freePort());
  const { scheme, tlsQuery } = urlParts('redis+sentinel', tls);
  const url =
    `${scheme}://${REDIS_AUTH}@${sentinels.map((p) => `127.0.0.1:${p}`).join(',')}/${MASTER_NAME}` +
    `?${[`sentinelUser=${encodeURIComponent(SENTINEL_USER)}`, `sentinelPassword=${encodeURIComponent(SENTINEL_PASSWORD)}`, ...tlsQuery].join('&')}`;
  return { topology: 'sentinel', url, start: () => startSentinel(data as [number, number], sentinels, url, tls) };
}

function sentinelConfig(port: number, masterPort: number, dir: string, tls: TestCerts | undefined): string {
  const listen = tls
    ? ['port 0', `tls-port ${port}`, `tls-cert-file ${tls.serverCert}`, `tls-key-file ${tls.serverKey}`, `tls-ca-cert-file ${tls.ca}`, 'tls-auth-clients yes', 'tls-replication yes']
    : [`port ${port}`];
  return [
    ...listen,
    'bind 127.0.0.1',
    'protected-mode no',
    `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
    `sentinel auth-user ${MASTER_NAME} ${REDIS_USER}`,
    `sentinel auth-pass ${MASTER_NAME} ${REDIS_PASSWORD}`,
    `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
    `sentinel failover-timeout ${MASTER_NAME} 10000`,
    `sentinel sentinel-user ${SENTINEL_USER}`,
    `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
    'user default off',
    `user ${SENTINEL_USER} on >${SENTINEL_PASSWORD} allchannels +@all`,
    '',
  ].join('\n');
}

async function startSentinel([masterPort, replicaPort]: [number, number], sentinelPorts: number[], url: string, tls: TestCerts | undefined): Promise<TestRedis> {
  const dir = tempDir('only1mcp-sentinel-');
  // Both data nodes carry the replication credentials: after a failover the old master is the replica.
  const auth = ['--masteruser', REDIS_USER, '--masterauth', REDIS_PASSWORD];
  fs.mkdirSync(path.join(dir, 'master'));
  fs.mkdirSync(path.join(dir, 'replica'));
  const data: Proc[] = [];
  const sentinels: Proc[] = [];
  try {
    data.push(await launchServer(masterPort, path.join(dir, 'master'), auth, tls));
    data.push(await launchServer(replicaPort, path.join(dir, 'replica'), [...auth, '--replicaof', '127.0.0.1', String(masterPort)], tls));
    await waitForLine(data[1]!, /MASTER <-> REPLICA sync: Finished with success/);
    for (const port of sentinelPorts) {
      const file = path.join(dir, `sentinel-${port}.conf`);
      fs.writeFileSync(file, sentinelConfig(port, masterPort, dir, tls));
      const proc = start('redis-server', [file, '--sentinel']);
      sentinels.push(proc);
      await waitForLine(proc, /\+monitor master/);
    }
  } catch (err) {
    // A port taken between choosing it and binding it: leave nothing running (startRedis tries again).
    await Promise.all([...sentinels, ...data].map((p) => p.stop()));
    throw err;
  }
  const sentinel = new Redis({ port: sentinelPorts[0]!, host: '127.0.0.1', username: SENTINEL_USER, password: SENTINEL_PASSWORD, tls: clientTls(tls) });
  sentinel.on('error', () => undefined);
  const masterInfo = async (): Promise<Record<string, string>> => {
    const flat = (await sentinel.call('SENTINEL', 'MASTER', MASTER_NAME)) as string[];
    const out: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
    return out;
  };
  // A failover needs a replica the sentinels know, and the sentinels each other.
  await waitUntil('the sentinels to know the replica and each other', async () => {
    const info = await masterInfo();
    return info['num-slaves'] === '1' && info['num-other-sentinels'] === String(SENTINELS - 1);
  });
  const masterPortNow = async () => Number(((await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as string[])[1]);

  const admin = new Redis({
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    name: MASTER_NAME,
    username: REDIS_USER,
    password: REDIS_PASSWORD,
    sentinelUsername: SENTINEL_USER,
    sentinelPassword: SENTINEL_PASSWORD,
    failoverDetector: true,
    ...(tls ? { tls: clientTls(tls), sentinelTLS: clientTls(tls), enableTLSForSentinelMode: true } : {}),
  });
  admin.on('error', () => undefined);
  await waitUntil('the admin client', async () => (await admin.ping()) === 'PONG');
  let oldMaster = masterPort;
  return {
    topology: 'sentinel',
    url,
    admin,
    fault: {
      outage: false,
      name: 'SENTINEL FAILOVER (the replica promoted, the master demoted)',
      async inject() {
        oldMaster = await masterPortNow();
        await sentinel.call('SENTINEL', 'FAILOVER', MASTER_NAME);
        await waitUntil('the sentinels to switch to the new master', async () => (await masterPortNow()) !== oldMaster);
      },
      async heal() {
        const old = new Redis({ port: oldMaster, host: '127.0.0.1', username: REDIS_USER, password: REDIS_PASSWORD, tls: clientTls(tls) });
        old.on('error', () => undefined);
        try {
          await waitUntil('the old master to replicate the new one', async () => {
            const role = (await old.role()) as unknown[];
            return role[0] === 'slave' && role[3] === 'connected';
          });
        } finally {
          old.disconnect();
        }
      },
    },
    scan: async (prefix) => scanNodes([admin], prefix),
    async stop() {
      admin.disconnect();
      sentinel.disconnect();
      await Promise.all([...sentinels, ...data].map((p) => p.stop()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
