/**
 * The AdminApi over HTTP: GET and POST under `<base>/api/v1/admin/`, with the
 * CLI's credentials (ONLY1MCP_TOKEN as a bearer token). Every request has a
 * deadline and every body a size cap, so a slow or hostile --url costs one
 * status-line error, never a hung or swollen TUI.
 */
import { AdminHttpError, type AdminApi, type LogLine, type MetricsSummary, type RecentRequest, type ServerAction, type ServerInfo, type SystemInfo } from './admin-api.js';
import { decodeLogs, decodeMetrics, decodeRequests, decodeServers, decodeSessions, decodeSystem, errorMessage } from './decode.js';
import { TUI_MAX_RESPONSE_BYTES, TUI_REQUEST_TIMEOUT_MS } from './defaults.js';
import { fetchFailureReason } from '../bridge/stdio-bridge.js';

export const ADMIN_API_PATH = '/api/v1/admin/';

/** The gateway did not answer at all (refused, reset, timed out): the TUI shows "disconnected". */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

export class HttpAdminApi implements AdminApi {
  constructor(
    /** The gateway's base URL (gateway-url.ts): origin plus any path prefix. */
    readonly base: string,
    private readonly headers: Record<string, string>,
    private readonly timeoutMs = TUI_REQUEST_TIMEOUT_MS,
  ) {}

  async servers(): Promise<ServerInfo[]> {
    return decodeServers(await this.get('servers'));
  }

  async system(): Promise<SystemInfo> {
    return decodeSystem(await this.get('system'));
  }

  async metrics(): Promise<MetricsSummary> {
    return decodeMetrics(await this.get('metrics'));
  }

  async sessions(): Promise<number> {
    return decodeSessions(await this.get('sessions'));
  }

  async recentRequests(after: number, limit: number): Promise<RecentRequest[]> {
    return decodeRequests(await this.get(`requests/recent?after=${after}&limit=${limit}`));
  }

  async recentLogs(after: number, limit: number): Promise<LogLine[]> {
    return decodeLogs(await this.get(`logs/recent?after=${after}&limit=${limit}`));
  }

  async act(server: string, action: ServerAction): Promise<number> {
    const { status } = await this.request('POST', `servers/${encodeURIComponent(server)}/${action}`);
    return status;
  }

  private async get(path: string): Promise<unknown> {
    const { text } = await this.request('GET', path);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AdminHttpError(200, path, `${path}: the answer is not JSON`);
    }
  }

  private async request(method: 'GET' | 'POST', path: string): Promise<{ status: number; text: string }> {
    const url = `${this.base}${ADMIN_API_PATH}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { method, headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new UnreachableError(timedOut ? `no answer within ${this.timeoutMs / 1000} s` : fetchFailureReason(err));
    }
    const text = await readCapped(res, path);
    if (!res.ok) throw new AdminHttpError(res.status, path, `${method} ${path}: HTTP ${res.status}${text ? `: ${errorMessage(text)}` : ''}`);
    return { status: res.status, text };
  }
}

/** The body as text, refused past TUI_MAX_RESPONSE_BYTES (the stream is cancelled, not drained). */
async function readCapped(res: Response, path: string): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: Awaited<ReturnType<typeof reader.read>>;
    try {
      chunk = await reader.read();
    } catch (err) {
      throw new UnreachableError(fetchFailureReason(err));
    }
    if (chunk.done) break;
    size += chunk.value.byteLength;
    if (size > TUI_MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new AdminHttpError(res.status, path, `${path}: answer larger than ${TUI_MAX_RESPONSE_BYTES} bytes`);
    }
    chunks.push(chunk.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
