/**
 * The key that seals requestState. Every worker of every node must use the
 * same one, or a 2026-07-28 client's retry that lands on another node fails
 * verification. With Redis the first node to start mints it (SET NX) and the
 * others read it; it carries a long TTL that every running node keeps
 * renewing, so no key lives forever and none expires while in use.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisOptions } from '../state/redis/redis-store.js';
import { REDIS_KEY_PREFIX } from '../config/defaults.js';
import type { Logger } from '../observe/log.js';

export const STATE_KEY_TTL_MS = 30 * 24 * 3_600_000;
export const STATE_KEY_RENEW_MS = 3_600_000;

export interface SharedSecret {
  key: Buffer;
  stop(): void;
}

export async function sharedStateKey(redisUrl: string | undefined, logger: Logger): Promise<SharedSecret> {
  const local = randomBytes(32);
  if (redisUrl === undefined) return { key: local, stop: () => undefined };
  const { url, options } = redisOptions(redisUrl);
  const redis = url ? new Redis(url, { ...options, enableOfflineQueue: true }) : new Redis({ ...options, enableOfflineQueue: true });
  redis.on('error', () => undefined);
  const name = `${REDIS_KEY_PREFIX}statekey`;
  try {
    await redis.set(name, local.toString('hex'), 'PX', STATE_KEY_TTL_MS, 'NX');
    const hex = await redis.get(name);
    if (!hex) throw new Error('state key vanished');
    const timer = setInterval(() => void redis.pexpire(name, STATE_KEY_TTL_MS).catch(() => undefined), STATE_KEY_RENEW_MS);
    timer.unref();
    return {
      key: Buffer.from(hex, 'hex'),
      stop: () => {
        clearInterval(timer);
        redis.disconnect();
      },
    };
  } catch (err) {
    redis.disconnect();
    logger.warn({ err: (err as Error).message }, 'could not read the shared requestState key from Redis; this node seals with its own key, so retries of input_required rounds must come back to this node');
    return { key: local, stop: () => undefined };
  }
}
