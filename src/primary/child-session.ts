/**
 * One stdio backend process and the one MCP session on its pipes: spawn,
 * handshake, calls under rewritten ids, and the end of the process.
 *
 * The node's shared child for a server (stdio-host.ts, restarted with backoff)
 * and the per-client children of a pool (stdio-pool.ts, never restarted: a
 * new one is a new backend session) are both one of these.
 */
import { GatewayError } from '../mcp/errors.js';
import type { JsonObject, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from '../mcp/jsonrpc.js';
import { RpcConnection } from '../backends/rpc-connection.js';
import { handshake, type BackendIdentity } from '../backends/handshake.js';
import { StdioChild } from './stdio-child.js';
import { MAX_STDIO_LINE_BYTES } from '../config/defaults.js';
import { internalErrors } from '../observe/internal-error.js';
import type { BackendProtocol, StdioServerConfig } from '../config/model.js';
import type { Logger } from '../observe/log.js';

export interface ChildSessionHandlers<O> {
  /** A notification; `owner` is set when it belongs to a call in flight. */
  onNotification(message: JsonRpcNotification, owner: O | undefined): void;
  /** A backend-to-client request; `owner` is set when one call can be named as its cause. */
  onServerRequest(message: JsonRpcRequest, owner: O | undefined): Promise<JsonObject>;
  /** The process is gone (once per child), with why. */
  onExit(why: string): void;
  /** One line the process wrote on stderr (already logged). */
  onStderr?(line: string): void;
}

export class ChildSession<O> {
  readonly child: StdioChild;
  readonly conn: RpcConnection<O>;
  identity: BackendIdentity | undefined;
  private exited = false;

  constructor(
    readonly config: StdioServerConfig,
    handlers: ChildSessionHandlers<O>,
    private readonly logger: Logger,
    /** The owner of requests the gateway itself sends (handshake, subscriptions, log level). */
    private readonly hostOwner: O,
    tokenPrefix: string,
  ) {
    const child = new StdioChild(config);
    this.child = child;
    this.conn = new RpcConnection<O>((m) => child.send(m), {
      onNotification: (n, owner) => handlers.onNotification(n, owner),
      onServerRequest: (r, owner) => handlers.onServerRequest(r, owner),
      onInvalid: (reason) => this.logger.warn({ backend: config.name, reason }, 'backend sent an invalid JSON-RPC message'),
      // One line per backend and limit (repeats collapse into a count: log-collapse.ts).
      onLimit: (reason) => this.logger.warn({ backend: config.name, reason }, 'backend sent a message past an input limit; refused'),
    }, tokenPrefix);
    const exit = (why: string) => {
      // 'spawnError' and 'exit' can both fire for one child; report it once.
      if (this.exited) return;
      this.exited = true;
      this.identity = undefined;
      handlers.onExit(why);
    };
    // A backend's message runs gateway code in the primary: a fault there is reported, never the primary's end.
    const guarded = (what: string, handle: () => void) => {
      try {
        handle();
      } catch (err) {
        internalErrors(this.logger).report(err, `handling a ${what} from backend ${config.name}`);
      }
    };
    child.on('message', (m) => guarded('message', () => this.conn.receive(m)));
    child.on('refused', (err) => guarded('refused message', () => this.conn.receiveRefused(err)));
    child.on('invalidLine', (reason) => this.logger.debug({ backend: config.name, reason }, 'skipped a non-JSON stdout line'));
    // A result over the line cap cannot be passed on; the call it answered fails now rather than at its timeout.
    child.on('oversized', (bytes, id) => {
      this.logger.warn({ backend: config.name, bytes, limit: MAX_STDIO_LINE_BYTES, id }, 'backend wrote a message over the line cap; dropped');
      if (id !== undefined) this.conn.fail(id, new GatewayError('GW_ERR_BACKEND_PROTOCOL', `backend ${config.name} answered with a message of ${bytes} bytes, over the ${MAX_STDIO_LINE_BYTES}-byte limit (MAX_STDIO_LINE_BYTES)`));
    });
    child.on('stderr', (line) => {
      handlers.onStderr?.(line);
      this.logger.info({ backend: config.name, stderr: line }, 'backend stderr');
    });
    child.on('exit', (code, signal) => exit(`exited with ${signal ?? `code ${code}`}`));
    child.on('spawnError', (err) => exit(`could not start: ${err.message}`));
  }

  get name(): string {
    return this.config.name;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Spawns the process and opens its MCP session; rejects with why it could not. */
  async open(protocol: BackendProtocol, capabilities: JsonObject | undefined, timeoutMs: number): Promise<BackendIdentity> {
    this.child.start();
    const identity = await handshake(
      (method, params, t) => this.hostRequest(method, params, t),
      (m, p) => this.conn.notify(m, p),
      protocol,
      timeoutMs,
      capabilities,
    );
    if (this.exited) throw new GatewayError('GW_ERR_BACKEND_CRASHED', `backend ${this.name} exited during its handshake`);
    this.identity = identity;
    return identity;
  }

  /** A request the gateway itself sends, bounded by `timeoutMs`. */
  hostRequest(method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonRpcResponse> {
    const sent = this.conn.request(method, params, this.hostOwner, 'host');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.conn.cancel(sent.id, `${method} timed out`);
        reject(new GatewayError('GW_ERR_BACKEND_TIMEOUT', `${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      void sent.response.then((r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  }

  /** Fails what is in flight with `error`, then stdin EOF, SIGTERM, SIGKILL in turn. */
  async stop(error: GatewayError): Promise<void> {
    this.conn.failAll(error);
    await this.child.stop();
  }

  kill(): void {
    this.child.kill();
  }
}
