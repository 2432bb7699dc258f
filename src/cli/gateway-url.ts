/** The base URL of a running gateway: --url, else the PID file of --port (or the default port). */
import { intFlag, stringFlag, type Parsed } from './args.js';
import { readPidFile } from './pid-file.js';

export function gatewayBase(parsed: Parsed): string | undefined {
  const url = stringFlag(parsed, 'url');
  if (url !== undefined) return url.replace(/\/mcp\/?$/, '').replace(/\/$/, '');
  const info = readPidFile(intFlag(parsed, 'port', 1, 65535));
  if (!info) return undefined;
  return `http://${info.host === '0.0.0.0' ? '127.0.0.1' : info.host}:${info.port}`;
}

/**
 * GET of an admin endpoint of the running gateway, as JSON; undefined (after
 * saying why on stderr) when there is no gateway or it refused.
 */
export async function fetchAdmin<T>(parsed: Parsed, path: string): Promise<T | undefined> {
  const base = gatewayBase(parsed);
  if (!base) {
    process.stderr.write('no running gateway found: start one with only1mcp start, or pass --url\n');
    return undefined;
  }
  const res = await fetch(`${base}${path}`);
  if (!res.ok) {
    process.stderr.write(`${base}${path} answered HTTP ${res.status}\n`);
    return undefined;
  }
  return (await res.json()) as T;
}
