/**
 * What a caller of the HTTP/1.1 client hands it and gets back (h1-pool.ts):
 * a request with string body, a handler for the streamed response, the
 * exchange to abort, and the client's own error kind.
 */
import type { ResponseHeaders } from './response-parser.js';

export interface H1Request {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  headers: Readonly<Record<string, string>>;
  body?: string | undefined;
}

/** Receives one response. Exactly one of end or error is called, once. */
export interface H1Handler {
  response(status: number, headers: ResponseHeaders): void;
  data(chunk: Buffer): void;
  end(): void;
  error(err: Error): void;
}

export interface H1Exchange {
  /** Abandons the request: its connection is closed, the handler hears nothing more. */
  abort(): void;
}

export class H1ClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** The connection failed before it was established: no byte of the request reached the server. */
    readonly unsent = false,
  ) {
    super(message);
    this.name = 'H1ClientError';
  }
}
