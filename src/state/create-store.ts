/**
 * Picks the StateStore for a worker: Redis when the configuration names one
 * (including the primary's private embedded redis-server), else in-process.
 */
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis/redis-store.js';
import type { StateStore } from './store.js';

/** The config value that asks for the in-process store explicitly. */
export const IN_PROCESS_REDIS_URL = 'memory';

export function createStore(redisUrl: string | undefined, prefix: string): StateStore {
  if (redisUrl === undefined || redisUrl === IN_PROCESS_REDIS_URL) return new MemoryStore();
  return new RedisStore(redisUrl, prefix);
}
