/**
 * The answer to one Streamable HTTP POST, as JSON or as an SSE stream,
 * decided as late as possible: a request whose first output is its final
 * response is answered with plain JSON (the common, cheapest case); the first
 * notification or client request before that turns the answer into a stream.
 *
 * Legacy-era streams are resumable (see producer-stream.ts), open with a
 * priming event for clients of 2025-11-25, and a dropped connection is not a
 * cancellation. Modern-era streams are not resumable, and a dropped
 * connection cancels the request.
 */
import type { JsonObject, JsonRpcNotification, JsonRpcResponse } from '../mcp/jsonrpc.js';
import { encodeMessage } from '../mcp/shared-result.js';
import { ProducerStream, newStreamId } from './session/producer-stream.js';
import type { Reply } from './http/reply.js';
import type { LiveSession } from './session/live-session.js';
import type { Outlet } from './outlet.js';
import { CancelSource, NEVER_ABORTED, type CancelSignal } from '../gateway/cancellation.js';

export class PostOutlet implements Outlet {
  readonly signal: CancelSignal;
  private stream: ProducerStream | undefined;

  constructor(
    private readonly reply: Reply,
    private readonly acceptsSse: boolean,
    private readonly session: LiveSession | undefined,
    /** Priming events (protocol 2025-11-25 onwards). */
    private readonly priming: boolean,
  ) {
    // Legacy clients may resume a dropped stream; only modern clients cancel by disconnecting.
    if (session) {
      this.signal = NEVER_ABORTED;
    } else {
      const cancel = new CancelSource();
      this.signal = cancel;
      reply.onAbort(() => cancel.abort());
    }
  }

  notify(message: JsonRpcNotification): boolean {
    return this.ensureStream()?.send(message) ?? true;
  }

  get ask(): ((method: string, params: JsonObject | undefined) => Promise<JsonObject>) | undefined {
    const session = this.session;
    if (!session || !this.acceptsSse) return undefined;
    return (method, params) => {
      const stream = this.ensureStream()!;
      return session.ask((m) => stream.send(m), method, params);
    };
  }

  respond(response: JsonRpcResponse, httpStatus = 200): void {
    if (this.stream) {
      this.stream.send(response);
      this.stream.end();
      return;
    }
    this.reply.json(httpStatus, encodeMessage(response));
  }

  private ensureStream(): ProducerStream | undefined {
    if (this.stream) return this.stream;
    if (!this.acceptsSse || this.reply.done) return undefined;
    this.stream = this.session ? this.session.openStream() : new ProducerStream(newStreamId(), undefined);
    this.stream.attach(this.reply, this.priming && this.session !== undefined);
    return this.stream;
  }
}
