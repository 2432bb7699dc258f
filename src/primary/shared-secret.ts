/**
 * The key that seals requestState. Every worker of every node must use the
 * same one, or a 2026-07-28 client's retry that lands on another node fails
 * verification. With Redis the first node to start mints it (SET NX) and the
 * others read it; it carries a long TTL that every running node keeps
 * renewing, so no key lives forever and none expires while in use. A node
 * that starts while Redis is away seals with a key of its own, then joins
 * the shared one when Redis answers (its workers still accept states sealed
 * with the old key, which only this node issued).
 */
import { randomBytes } from 'node:crypto';
import { openRedis } from '../state/redis/connect.js';
import { KeySpace, SCOPE } from '../state/redis/key-space.js';
import { parseRedisUrl } from '../state/redis/redis-url.js';
import { REDIS_CONNECT_TIMEOUT_MS } from '../state/redis/redis-defaults.js';
import { REDIS_KEY_PREFIX } from '../config/defaults.js';
import type { Logger } from '../observe/log.js';

export const STATE_KEY_TTL_MS = 30 * 24 * 3_600_000;
/**
 * How often a joined node renews the key and checks it is still the one in
 * Redis (an emptied Redis gets it minted again, and nodes converge on one).
 */
export const STATE_KEY_SYNC_MS = 30_000;

/** How often a node that could not reach Redis at start tries again to join the shared key. */
export const STATE_KEY_RETRY_MS = 5_000;

export interface SharedSecret {
  /** The key to seal with now. */
  readonly key: Buffer;
  stop(): void;
}

/**
 * The node's sealing key. Starts with the shared key when Redis answers,
 * else with a key of its own; then keeps the shared key alive (renewing its
 * TTL, and minting it again if Redis lost it, e.g. a restarted embedded
 * redis-server), and calls `onChange` when the key to use changes: a node
 * that started without Redis joins the cluster's key once Redis is back.
 */
export async function sharedStateKey(redisUrl: string | undefined, logger: Logger, onChange: (key: Buffer) => void = () => undefined): Promise<SharedSecret> {
  const local = randomBytes(32);
  if (redisUrl === undefined) return { key: local, stop: () => undefined };
  // No offline queue: while Redis is away a sync fails at once instead of queueing commands for
  // however long the outage lasts (a cluster's queue waits for the cluster, unbounded). The first
  // sync waits for the connection instead, bounded.
  const redis = openRedis(parseRedisUrl(redisUrl), 'commands');
  redis.on('error', () => undefined);
  const connected = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, REDIS_CONNECT_TIMEOUT_MS);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const name = new KeySpace(REDIS_KEY_PREFIX).key(SCOPE.gateway, 'statekey');
  let current = local;
  let shared = false;
  /** SET NX offers ours (current) in case the key is missing; GET says which one the cluster uses. */
  const sync = async (): Promise<void> => {
    await redis.set(name, current.toString('hex'), 'PX', STATE_KEY_TTL_MS, 'NX');
    await redis.pexpire(name, STATE_KEY_TTL_MS);
    const hex = await redis.get(name);
    if (!hex) throw new Error('state key vanished');
    const key = Buffer.from(hex, 'hex');
    if (!shared) logger.info(current === local && key.equals(local) ? 'minted the shared requestState key' : 'using the shared requestState key');
    shared = true;
    if (!key.equals(current)) {
      current = key;
      onChange(key);
    }
  };
  try {
    await connected;
    await sync();
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not read the shared requestState key from Redis; sealing with this node\'s own key until Redis answers (until then, retries of input_required rounds must come back to this node)');
  }
  // Once joined, sync every STATE_KEY_SYNC_MS; until then, try every few seconds.
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void sync().catch(() => undefined).finally(schedule), shared ? STATE_KEY_SYNC_MS : STATE_KEY_RETRY_MS);
    timer.unref();
  };
  schedule();
  return {
    get key() {
      return current;
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      redis.disconnect();
    },
  };
}
