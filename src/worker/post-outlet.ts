/**
 * The answer to one Streamable HTTP POST, as JSON or as an SSE stream,
 * decided as late as possible: a request whose first output is its final
 * response is answered with plain JSON (the common, cheapest case); the first
 * notification or client request before that turns the answer into a stream.
 *
 * Legacy-era streams are resumable (events logged, priming event first for
 * clients of 2025-11-25), and a dropped connection is not a cancellation.
 * Modern-era streams are not resumable, and a dropped connection cancels.
 */
import type { JsonObject, JsonRpcNotification, JsonRpcResponse } from '../mcp/jsonrpc.js';
import { OutStream, newStreamId } from './session/out-stream.js';
import type { Reply } from './http/reply.js';
import type { LiveSession } from './session/live-session.js';
import type { Outlet } from './outlet.js';

export class PostOutlet implements Outlet {
  readonly signal: AbortSignal;
  private stream: OutStream | undefined;

  constructor(
    private readonly reply: Reply,
    private readonly acceptsSse: boolean,
    private readonly session: LiveSession | undefined,
    /** Priming events and `retry` hints (protocol 2025-11-25 onwards). */
    private readonly priming: boolean,
  ) {
    const controller = new AbortController();
    this.signal = controller.signal;
    // Legacy clients may resume a dropped stream; only modern clients cancel by disconnecting.
    if (!session) reply.onAbort(() => controller.abort());
  }

  notify(message: JsonRpcNotification): void {
    const stream = this.ensureStream();
    if (stream) void stream.send(message);
  }

  get ask(): ((method: string, params: JsonObject | undefined) => Promise<JsonObject>) | undefined {
    const session = this.session;
    if (!session || !this.acceptsSse) return undefined;
    return (method, params) => {
      const stream = this.ensureStream()!;
      return session.ask(stream, method, params);
    };
  }

  respond(response: JsonRpcResponse, httpStatus = 200): void {
    if (this.stream) {
      void this.stream.send(response);
      void this.stream.end();
      return;
    }
    this.reply.json(httpStatus, JSON.stringify(response));
  }

  private ensureStream(): OutStream | undefined {
    if (this.stream) return this.stream;
    if (!this.acceptsSse || this.reply.done) return undefined;
    this.stream = this.session ? this.session.openStream() : new OutStream(newStreamId(), undefined, undefined);
    this.reply.startSse();
    this.stream.attach(this.reply, [], { priming: this.priming && this.session !== undefined });
    return this.stream;
  }
}
