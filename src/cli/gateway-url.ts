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
