/**
 * Where a running gateway is: `--url` (its MCP endpoint as a client uses it,
 * query included), else the PID file of `--port` (or the default port).
 * Errors say which URL failed and what to do about it.
 */
import { credentialHeaders } from './credentials.js';
import { intFlag, stringFlag, UsageError, type Parsed } from './args.js';
import { readPidFile } from './pid-file.js';
import { selfCommand } from './self-command.js';
import { connectHost } from '../primary/port-holder.js';
import { DEFAULT_PORT } from '../config/defaults.js';
import { fetchFailureReason } from '../bridge/stdio-bridge.js';

export const MCP_PATH = '/mcp';

export interface GatewayAddress {
  /** Origin plus any path prefix in front of /mcp: where /health and /admin/* are. */
  base: string;
  /** The MCP endpoint, with the query the user gave (e.g. ?context=search). */
  endpoint: string;
}

/** A URL as typed: no path means the gateway's /mcp; any other path and the query are kept. */
export function addressFromUrl(text: string): GatewayAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url must be an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url must be an http:// or https:// URL, got ${JSON.stringify(text)}`);
  if (url.pathname === '' || url.pathname === '/') url.pathname = MCP_PATH;
  const prefix = url.pathname.replace(/\/mcp\/?$/, '').replace(/\/$/, '');
  return { base: `${url.origin}${prefix}`, endpoint: url.toString() };
}

export function addressOf(host: string, port: number): GatewayAddress {
  const h = connectHost(host);
  const base = `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
  return { base, endpoint: `${base}${MCP_PATH}` };
}

/** --url, else the PID file of --port; undefined when neither finds a gateway. */
export function gatewayAddress(parsed: Parsed): GatewayAddress | undefined {
  const url = stringFlag(parsed, 'url');
  const port = intFlag(parsed, 'port', 1, 65535);
  if (url !== undefined && port !== undefined) throw new UsageError('pass --url or --port, not both');
  if (url !== undefined) return addressFromUrl(url);
  const info = readPidFile(port);
  return info ? addressOf(info.host, info.port) : undefined;
}

/** `only1mcp start` with the port flag when it is not the default: what to run to get a gateway here. */
export function startHint(port: number | undefined): string {
  return `start one with: ${selfCommand()} start${port !== undefined && port !== DEFAULT_PORT ? ` --port ${port}` : ''}`;
}

/**
 * GET of an admin endpoint of the running gateway, as JSON; undefined (after
 * saying why on stderr) when there is no gateway or it refused.
 */
export async function fetchAdmin<T>(parsed: Parsed, path: string): Promise<T | undefined> {
  const address = gatewayAddress(parsed);
  const port = intFlag(parsed, 'port', 1, 65535);
  if (!address) {
    process.stderr.write(`no running only1mcp gateway found on port ${port ?? DEFAULT_PORT} (no PID file): ${startHint(port)}, or pass --url\n`);
    return undefined;
  }
  const url = `${address.base}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: credentialHeaders() });
  } catch (err) {
    process.stderr.write(`cannot reach the gateway at ${url} (${fetchFailureReason(err)}): is it running? ${startHint(port)}, or pass --url\n`);
    return undefined;
  }
  if (!res.ok) {
    const body = (await res.text()).slice(0, 300);
    process.stderr.write(`${url} answered HTTP ${res.status}${body ? `: ${body}` : ''}\n`);
    return undefined;
  }
  return (await res.json()) as T;
}

/** How long the CLI waits for one answer from a running gateway: one that accepts and never answers is reported, not waited on. */
export const CLI_REQUEST_TIMEOUT_MS = 5_000;
