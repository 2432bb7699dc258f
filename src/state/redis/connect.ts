/**
 * ioredis clients for a parsed Redis URL: one endpoint (TCP or unix
 * socket), a Sentinel-managed master, or a Cluster, with ACL credentials
 * and TLS files.
 *
 * Two purposes, two behaviours while Redis is away:
 * - `commands`: no offline queue (a command while disconnected fails at
 *   once), a bounded command timeout, no retry;
 * - `subscriber`: subscribe commands wait for the connection however long,
 *   since they are on no request's path and must land once Redis is back;
 *   on a cluster, subscriptions are sharded (one connection per master).
 * Both reconnect forever, every 50·2^n ms up to REDIS_RECONNECT_MAX_MS.
 */
import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import {
  REDIS_CLUSTER_MAX_REDIRECTIONS,
  REDIS_CLUSTER_RETRY_DELAY_MS,
  REDIS_COMMAND_TIMEOUT_MS,
  REDIS_CONNECT_TIMEOUT_MS,
  REDIS_RECONNECT_MAX_MS,
} from './redis-defaults.js';
import { RedisUrlError, type RedisTarget, type RedisTlsFiles } from './redis-url.js';

export type RedisClient = Redis | Cluster;
export type ConnectionPurpose = 'commands' | 'subscriber';

const backoff = (times: number): number => Math.min(50 * 2 ** times, REDIS_RECONNECT_MAX_MS);

/** The TLS files read into options; throws RedisUrlError naming the file that cannot be read. */
export function readTlsFiles(files: RedisTlsFiles): ConnectionOptions {
  const read = (what: 'ca' | 'cert' | 'key', file: string | undefined): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new RedisUrlError(`cannot read the TLS ${what} file "${file}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const options: ConnectionOptions = {};
  const ca = read('ca', files.ca);
  const cert = read('cert', files.cert);
  const key = read('key', files.key);
  if (ca) options.ca = ca;
  if (cert) options.cert = cert;
  if (key) options.key = key;
  if (files.servername !== undefined) options.servername = files.servername;
  return options;
}

/** What every connection to a data node carries: credentials, TLS, timeouts by purpose. */
function nodeOptions(target: RedisTarget, purpose: ConnectionPurpose, tls: ConnectionOptions | undefined): RedisOptions {
  const options: RedisOptions = {
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    lazyConnect: false,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(tls ? { tls } : {}),
  };
  if (purpose === 'subscriber') return { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null };
  return { ...options, enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 0 };
}

export function openRedis(target: RedisTarget, purpose: ConnectionPurpose): RedisClient {
  const tls = target.tls ? readTlsFiles(target.tls) : undefined;
  const node = nodeOptions(target, purpose, tls);
  if (target.topology === 'cluster') return openCluster(target, purpose, node, tls);
  const options: RedisOptions = { ...node, retryStrategy: backoff, ...(target.db !== undefined ? { db: target.db } : {}) };
  if (target.socket !== undefined) return new Redis({ ...options, path: target.socket });
  if (target.topology === 'single') return new Redis({ ...options, host: target.endpoints[0]!.host, port: target.endpoints[0]!.port });
  return new Redis({
    ...options,
    sentinels: target.endpoints.map((e) => ({ host: e.host, port: e.port })),
    name: target.masterName!,
    ...(target.sentinelUsername !== undefined ? { sentinelUsername: target.sentinelUsername } : {}),
    ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: tls } : {}),
    sentinelCommandTimeout: REDIS_CONNECT_TIMEOUT_MS,
    sentinelRetryStrategy: backoff,
    // Sentinel announces +switch-master; without listening for it a client stays on the old
    // master until that connection drops, and keeps writing there while it is being demoted.
    failoverDetector: true,
    // A master demoted under us answers writes with READONLY: reconnect (through the sentinels)
    // rather than keep failing. The command itself fails; the caller serves from local state.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 1 : false),
  });
}

function openCluster(target: RedisTarget, purpose: ConnectionPurpose, node: RedisOptions, tls: ConnectionOptions | undefined): Cluster {
  // Per-node options: ioredis manages each node connection's queue and reconnection itself.
  const { enableOfflineQueue, lazyConnect: _lazy, ...redisOptions } = node;
  const options: ClusterOptions = {
    enableOfflineQueue,
    clusterRetryStrategy: backoff,
    maxRedirections: REDIS_CLUSTER_MAX_REDIRECTIONS,
    retryDelayOnFailover: REDIS_CLUSTER_RETRY_DELAY_MS,
    retryDelayOnClusterDown: REDIS_CLUSTER_RETRY_DELAY_MS,
    retryDelayOnTryAgain: REDIS_CLUSTER_RETRY_DELAY_MS,
    slotsRefreshTimeout: REDIS_CONNECT_TIMEOUT_MS,
    // SSUBSCRIBE/SPUBLISH: a channel lives on the shard of its slot, so a publish's receiver count
    // is exact (classic PUBLISH reports only the subscribers of the node it reached).
    shardedSubscribers: purpose === 'subscriber',
    redisOptions,
    // Nodes are announced by address; with TLS, keep the name given here for the certificate check
    // (ioredis would otherwise resolve seed names to addresses first).
    ...(tls ? { dnsLookup: (address: string, callback: (err: null, address: string) => void) => callback(null, address) } : {}),
  };
  return new Cluster(target.endpoints.map((e) => ({ host: e.host, port: e.port })), options);
}
