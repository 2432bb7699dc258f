/**
 * Picks the StateStore for a worker: Redis when the configuration names one
 * (including the primary's private embedded redis-server), else in-process.
 */
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis/redis-store.js';
import type { StateStore } from './store.js';

/** The config value that asks for the in-process store explicitly. */
export const IN_PROCESS_REDIS_URL = 'memory';

/** What --redis, REDIS_URL and the config key `redis` accept, and the message when something else is given. */
export function isRedisSetting(value: string): boolean {
  return /^(redis|rediss|unix):\/\/./.test(value) || value === IN_PROCESS_REDIS_URL;
}
export const REDIS_SETTING_RULE = 'a redis://, rediss:// or unix:// URL, or "memory" for in-process state (one worker)';

export function createStore(redisUrl: string | undefined, prefix: string): StateStore {
  if (redisUrl === undefined || redisUrl === IN_PROCESS_REDIS_URL) return new MemoryStore();
  return new RedisStore(redisUrl, prefix);
}
