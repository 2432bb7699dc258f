/**
 * What `--redis`, `REDIS_URL` and the config key `redis` accept: a Redis
 * URL (redis/redis-url.ts) or "memory" for in-process state. Light on
 * purpose (no client library): the config schema and the CLI check a
 * setting here before anything connects.
 */
import { parseRedisUrl, redactRedisUrl, RedisUrlError, REDIS_URL_RULE } from './redis/redis-url.js';

/** The config value that asks for the in-process store explicitly. */
export const IN_PROCESS_REDIS_URL = 'memory';

export const REDIS_SETTING_RULE = `${REDIS_URL_RULE}, or "memory" for in-process state (one worker)`;

/** Why a setting cannot be used, or undefined when it can. The message never repeats a password. */
export function storeSettingProblem(value: string): string | undefined {
  if (value === IN_PROCESS_REDIS_URL) return undefined;
  try {
    parseRedisUrl(value);
    return undefined;
  } catch (err) {
    if (!(err instanceof RedisUrlError)) throw err;
    // The scheme is wrong altogether: say everything that is accepted, "memory" included.
    return err.message === `expected ${REDIS_URL_RULE}` ? `expected ${REDIS_SETTING_RULE}` : err.message;
  }
}

/** The setting as logs may show it. */
export function redactStoreSetting(value: string): string {
  return value === IN_PROCESS_REDIS_URL ? value : redactRedisUrl(value);
}
