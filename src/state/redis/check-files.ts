/**
 * The TLS files a Redis setting names, read once before the gateway
 * starts: a missing or unreadable file is one clear error at `start`, not
 * a worker that crashes on every respawn.
 */
import { IN_PROCESS_REDIS_URL } from '../store-setting.js';
import { readTlsFiles } from './connect.js';
import { parseRedisUrl, RedisUrlError } from './redis-url.js';

/** Throws RedisUrlError ("redis: cannot read the TLS ca file ...") when a named file cannot be read. */
export function checkRedisFiles(setting: string | undefined): void {
  if (setting === undefined || setting === IN_PROCESS_REDIS_URL) return;
  const target = parseRedisUrl(setting);
  if (!target.tls) return;
  try {
    readTlsFiles(target.tls);
  } catch (err) {
    throw err instanceof RedisUrlError ? new RedisUrlError(`redis: ${err.message}`) : err;
  }
}
