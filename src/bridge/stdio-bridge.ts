/**
 * The stdio bridge: a desktop client that can only spawn a command talks
 * JSON-RPC lines on our stdin/stdout; the bridge carries them to a running
 * gateway over Streamable HTTP and writes everything that comes back.
 *
 * Both eras pass through: a legacy client's initialize opens a session whose
 * id the bridge keeps (and re-opens transparently, replaying initialize, if
 * the gateway forgets it); a modern client's requests are sent with the
 * routing headers derived from their bodies. Every request is its own POST,
 * so slow calls never block fast ones.
 */
import { LineSplitter } from '../primary/line-splitter.js';
import { SseDecoder } from '../mcp/sse.js';
import { classify, failure, isObject, metaOf, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest } from '../mcp/jsonrpc.js';
import { META, isLegacyVersion } from '../mcp/versions.js';
import { encodeHeaderValue, routingName } from '../mcp/headers.js';
import { MAX_STDIO_LINE_BYTES } from '../config/defaults.js';

/** Code of the local error a client gets when the gateway cannot be reached (outside the reserved range). */
export const BRIDGE_UNREACHABLE_CODE = -31030;

export interface BridgeIo {
  input: NodeJS.ReadableStream;
  write(line: string): void;
  log(message: string): void;
  /** What the user can do when the gateway cannot be reached (e.g. the command that starts one). */
  unreachableHint?: string;
}

/** Why a fetch failed, in a word (ECONNREFUSED, ENOTFOUND…): fetch itself only says "fetch failed". */
export function fetchFailureReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** A fetch that never got an HTTP answer (node's fetch rejects with a TypeError and the socket error as cause). */
function isUnreachable(err: unknown): boolean {
  return err instanceof TypeError && (err as { cause?: unknown }).cause !== undefined;
}

export class StdioBridge {
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private initialize: JsonRpcRequest | undefined;
  private getStream: AbortController | undefined;
  private readonly inflight = new Map<JsonRpcId, AbortController>();

  constructor(private readonly endpoint: string, private readonly io: BridgeIo) {}

  run(): Promise<void> {
    return new Promise((resolve) => {
      const splitter = new LineSplitter(MAX_STDIO_LINE_BYTES, (line) => this.onLine(line.toString('utf8')), () => this.io.log('dropped an oversized line'));
      this.io.input.on('data', (chunk: Buffer) => splitter.push(chunk));
      this.io.input.on('end', () => void this.close().then(resolve));
    });
  }

  private onLine(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.emit(failure(null, { code: -32700, message: 'Parse error: stdin line is not JSON' }));
      return;
    }
    const c = classify(value);
    if (c.kind === 'invalid') {
      this.emit(failure(c.id, { code: -32600, message: `Invalid Request: ${c.reason}` }));
      return;
    }
    if (c.kind === 'notification' && c.message.method === 'notifications/cancelled' && this.isModern(c.message.params)) {
      // Modern HTTP cancels by closing the request's stream.
      const id = c.message.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.inflight.get(id)?.abort();
      return;
    }
    void this.send(c.message).catch((err: unknown) => {
      const why = this.explain(err);
      if (c.kind === 'request') this.emit(failure(c.message.id, { code: BRIDGE_UNREACHABLE_CODE, message: `only1mcp bridge: ${why}` }));
      this.io.log(`could not deliver ${'method' in c.message ? c.message.method : 'a response'}: ${why}`);
    });
  }

  /** An error as the user should read it: which URL, what happened, what to do. */
  private explain(err: unknown): string {
    if (isUnreachable(err)) {
      return `cannot reach the gateway at ${this.endpoint} (${fetchFailureReason(err)}): is it running?${this.io.unreachableHint ? ` ${this.io.unreachableHint}` : ''}`;
    }
    return err instanceof Error ? err.message : String(err);
  }

  private isModern(params: unknown): boolean {
    return isObject(params) && metaOf(params)?.[META.protocolVersion] !== undefined;
  }

  private async send(message: JsonRpcMessage, retried = false): Promise<void> {
    const isRequest = 'method' in message && 'id' in message;
    const modern = 'method' in message && this.isModern(message.params);
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (modern) {
      const m = message as JsonRpcRequest;
      headers['mcp-protocol-version'] = String(metaOf(m.params)?.[META.protocolVersion]);
      headers['mcp-method'] = m.method;
      const name = routingName(m.method, m.params);
      if (name !== undefined) headers['mcp-name'] = encodeHeaderValue(name);
    } else {
      if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
      if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    }
    const controller = new AbortController();
    if (isRequest) this.inflight.set((message as JsonRpcRequest).id, controller);
    try {
      const res = await fetch(this.endpoint, { method: 'POST', headers, body: JSON.stringify(message), signal: controller.signal });
      if (res.status === 404 && !modern && this.sessionId && this.initialize && !retried) {
        await res.body?.cancel();
        this.io.log('gateway session expired; opening a new one');
        await this.reopen();
        return this.send(message, true);
      }
      if (isRequest && (message as JsonRpcRequest).method === 'initialize' && !modern) this.onInitialized(res, message as JsonRpcRequest);
      await this.relay(res);
    } finally {
      if (isRequest) this.inflight.delete((message as JsonRpcRequest).id);
    }
    if (!modern && 'method' in message && message.method === 'notifications/initialized') this.openGetStream();
  }

  private onInitialized(res: Response, request: JsonRpcRequest): void {
    const sid = res.headers.get('mcp-session-id');
    if (sid) this.sessionId = sid;
    this.initialize = request;
  }

  /** Writes a response body to stdout: one JSON message, or every event of an SSE stream. */
  private async relay(res: Response): Promise<void> {
    const type = res.headers.get('content-type') ?? '';
    if (res.status === 202 || !res.body) return;
    if (type.includes('text/event-stream')) {
      await this.pump(res.body);
      return;
    }
    const text = await res.text();
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      // Not an only1mcp endpoint (a wrong path or port answers with HTML, say): the caller gets an error, not silence.
      throw new Error(`${this.endpoint} answered HTTP ${res.status} without a JSON-RPC message (${text.slice(0, 200).trim() || 'empty body'}): is this the gateway's /mcp URL?`);
    }
    if (isObject(value) && isObject(value.result) && typeof value.result.protocolVersion === 'string' && isLegacyVersion(value.result.protocolVersion)) {
      this.protocolVersion = value.result.protocolVersion;
    }
    this.emit(value);
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const sse = new SseDecoder((event) => {
      if (event.data.trim() === '') return;
      try {
        this.emit(JSON.parse(event.data));
      } catch {
        this.io.log('dropped a non-JSON SSE event');
      }
    });
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) sse.push(decoder.decode(chunk, { stream: true }));
  }

  private async reopen(): Promise<void> {
    this.sessionId = undefined;
    this.getStream?.abort();
    const init = this.initialize!;
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ ...init, id: `bridge-reinit-${Date.now()}` }),
    });
    this.sessionId = res.headers.get('mcp-session-id') ?? undefined;
    await res.body?.cancel();
    await this.send({ jsonrpc: '2.0', method: 'notifications/initialized' }, true);
  }

  /** The session's stream of unscoped messages (list changes, resource updates). */
  private openGetStream(): void {
    if (!this.sessionId) return;
    this.getStream?.abort();
    const controller = new AbortController();
    this.getStream = controller;
    const headers: Record<string, string> = { accept: 'text/event-stream', 'mcp-session-id': this.sessionId };
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    void fetch(this.endpoint, { headers, signal: controller.signal })
      .then((res) => (res.ok && res.body ? this.pump(res.body) : undefined))
      .catch(() => undefined);
  }

  private emit(message: unknown): void {
    this.io.write(`${JSON.stringify(message)}\n`);
  }

  private async close(): Promise<void> {
    this.getStream?.abort();
    for (const c of this.inflight.values()) c.abort();
    if (this.sessionId) {
      await fetch(this.endpoint, { method: 'DELETE', headers: { 'mcp-session-id': this.sessionId } }).catch(() => undefined);
    }
  }
}
