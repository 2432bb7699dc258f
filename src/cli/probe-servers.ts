/**
 * `only1mcp validate --probe`: each enabled server started briefly, by the
 * same code the gateway runs (the stdio child and handshake of the primary,
 * the HTTP links of a worker, the transport probe of a URL-only server), to
 * report what it answered: era, protocol version, server name, tool count;
 * or why it failed, with the last lines of its stderr. Servers are probed
 * side by side, each within its own connect and call timeouts, and stopped
 * (stdin EOF, SIGTERM, SIGKILL; HTTP sessions deleted) before this returns.
 */
import { StdioChild } from '../primary/stdio-child.js';
import { StderrTail } from '../primary/stderr-tail.js';
import { RpcConnection, UpstreamRpcError } from '../backends/rpc-connection.js';
import { handshake, modernMeta, type BackendIdentity } from '../backends/handshake.js';
import { withDeadline } from '../backends/deadline.js';
import { Backend, type CallContext } from '../backends/backend.js';
import { StreamableHttpLink } from '../backends/http/streamable-http-link.js';
import { LegacySseLink } from '../backends/http/legacy-sse-link.js';
import { ProbedHttpLink } from '../backends/http/probed-http-link.js';
import { isFailure, isObject, type JsonObject, type JsonRpcResponse } from '../mcp/jsonrpc.js';
import { GatewayError } from '../mcp/errors.js';
import { MAX_LIST_PAGES } from '../gateway/upstreams.js';
import type { BackendLink, LinkStatus } from '../backends/link.js';
import type { HttpServerConfig, ServerConfig, StdioServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';

export interface ProbeReport {
  name: string;
  ok: boolean;
  /** The transport actually used (a URL-only server's probed one). */
  transport: string;
  identity?: BackendIdentity;
  tools?: number;
  error?: string;
  stderr: string[];
}

export function probeServers(servers: readonly ServerConfig[], logger: Logger): Promise<ProbeReport[]> {
  return Promise.all(servers.map((s) => (s.type === 'stdio' ? probeStdio(s) : probeHttp(s, logger))));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function probeStdio(server: StdioServerConfig): Promise<ProbeReport> {
  const child = new StdioChild(server);
  const tail = new StderrTail();
  child.on('stderr', (line) => tail.push(line));
  const conn = new RpcConnection<undefined>((m) => child.send(m), {
    onNotification: () => undefined,
    onServerRequest: (r) => (r.method === 'ping' ? Promise.resolve({}) : Promise.reject(new UpstreamRpcError(-32601, `only1mcp validate --probe does not answer ${r.method}`))),
  });
  child.on('message', (m) => conn.receive(m));
  // Whichever comes first ends the probe: the child's death, or its answers.
  const died = new Promise<never>((_, reject) => {
    child.on('exit', (code, signal) => reject(new Error(`exited with ${signal ?? `code ${code}`}`)));
    child.on('spawnError', (err) => reject(new Error(`could not start ${server.command}: ${err.message}`)));
  });
  died.catch(() => undefined);
  const request = (method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonRpcResponse> => {
    const sent = conn.request(method, params, undefined, 'probe');
    return withDeadline(sent.response, timeoutMs, undefined, (why) => conn.cancel(sent.id, why), `${server.name} ${method}`);
  };
  child.start();
  try {
    const identity = await Promise.race([handshake(request, (m, p) => conn.notify(m, p), server.common.protocol, server.common.connectTimeoutMs), died]);
    const tools = !isObject(identity.capabilities.tools) ? 0 : await Promise.race([countTools((cursor) => {
      const params: JsonObject = cursor === undefined ? {} : { cursor };
      if (identity.era === 'modern') params._meta = modernMeta();
      return request('tools/list', Object.keys(params).length > 0 ? params : undefined, server.common.callTimeoutMs).then(resultOf);
    }), died]);
    return { name: server.name, ok: true, transport: 'stdio', identity, tools, stderr: tail.snapshot() };
  } catch (err) {
    // Let the last stderr lines of a dying child arrive before they are reported.
    await child.stop();
    return { name: server.name, ok: false, transport: 'stdio', error: message(err), stderr: tail.snapshot() };
  } finally {
    await child.stop();
  }
}

function resultOf(response: JsonRpcResponse): JsonObject {
  if (isFailure(response)) throw new UpstreamRpcError(response.error.code, response.error.message);
  return response.result;
}

async function countTools(page: (cursor: string | undefined) => Promise<JsonObject>): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  for (let i = 0; i < MAX_LIST_PAGES; i++) {
    const result = await page(cursor);
    if (Array.isArray(result.tools)) count += result.tools.filter(isObject).length;
    cursor = typeof result.nextCursor === 'string' && result.nextCursor !== '' ? result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  return count;
}

async function probeHttp(server: HttpServerConfig, logger: Logger): Promise<ProbeReport> {
  let settle!: (s: LinkStatus) => void;
  const settled = new Promise<LinkStatus>((resolve) => (settle = resolve));
  const events = {
    onEvent: () => undefined,
    onUnattributed: () => undefined,
    // The first answer counts: ready, or the first failed attempt (links retry forever).
    onStatus: (s: LinkStatus) => (s.state === 'ready' || s.state === 'restarting' || s.state === 'failed' ? settle(s) : undefined),
  };
  const link: BackendLink = server.probeTransport
    ? new ProbedHttpLink(server, events, logger)
    : server.type === 'sse'
      ? new LegacySseLink(server, events, logger)
      : new StreamableHttpLink(server, events, logger);
  // A URL-only server may need a probe, then a handshake: two connect timeouts.
  const limit = server.common.connectTimeoutMs * (server.probeTransport ? 2 : 1);
  const report = (fields: Partial<ProbeReport>): ProbeReport => ({ name: server.name, ok: false, transport: link.status().transport ?? server.type, stderr: [], ...fields });
  try {
    void link.start();
    const status = await withDeadline(settled, limit, undefined, () => undefined, `${server.name} handshake`);
    if (status.state !== 'ready' || status.identity === undefined) return report({ error: status.lastError ?? `ended ${status.state}` });
    const backend = new Backend(server, link);
    const ctx: CallContext = { clientCapabilities: {}, logLevel: undefined, hooks: NO_HOOKS, acceptInputRequired: false, signal: undefined, group: 'probe' };
    const tools = !isObject(status.identity.capabilities.tools) ? 0 : await countTools((cursor) => backend.call('tools/list', cursor === undefined ? undefined : { cursor }, ctx));
    return report({ ok: true, identity: status.identity, tools });
  } catch (err) {
    return report({ error: message(err) });
  } finally {
    await link.close();
  }
}

const NO_HOOKS = {
  onNotification: () => undefined,
  onServerRequest: (method: string) => Promise.reject(new GatewayError('GW_ERR_METHOD_NOT_FOUND', `only1mcp validate --probe does not answer ${method}`)),
};
