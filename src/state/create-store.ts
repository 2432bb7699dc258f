/**
 * Picks the StateStore for a worker: Redis when the configuration names one
 * (including the primary's private embedded redis-server), else in-process.
 */
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis/redis-store.js';
import { IN_PROCESS_REDIS_URL } from './store-setting.js';
import type { StateStore } from './store.js';

export function createStore(redisUrl: string | undefined, prefix: string): StateStore {
  if (redisUrl === undefined || redisUrl === IN_PROCESS_REDIS_URL) return new MemoryStore();
  return new RedisStore(redisUrl, prefix);
}
