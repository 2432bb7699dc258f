/**
 * Request-smuggling shapes: a request whose body length two HTTP parsers
 * could read differently. uWebSockets.js closes the connection itself on a
 * Content-Length that is not a plain number (`5, 6`, `-1`, `+5`, `1x`) and on
 * Content-Length together with Transfer-Encoding, and never hands a request
 * with obs-fold or a space before the colon to the app. It does accept, and
 * frames by the first one, two Content-Length headers that disagree, and a
 * Transfer-Encoding that is not exactly `chunked` (`gzip, chunked`, or
 * `chunked` twice). A proxy in front that frames by the other one would
 * see a different request: those get 400 here, with the connection closed.
 *
 * Seeing a repeated header takes a walk over all of them (uWS's getHeader
 * answers the first only), so the framing headers are collected in the one
 * walk readHead makes anyway (request-head.ts) rather than in a second one.
 */
import type { HttpRequest } from './uws.js';

/** Content-Length and Transfer-Encoding headers as met in one walk over a request's headers. */
export class FramingHeaders {
  private length: string | undefined;
  private lengthsDisagree = false;
  private coding: string | undefined;
  private codings = 0;

  /** Takes a header if it is a framing one; true when it was. */
  add(key: string, value: string): boolean {
    if (key === 'content-length') {
      if (this.length === undefined) this.length = value;
      else if (value !== this.length) this.lengthsDisagree = true;
      return true;
    }
    if (key === 'transfer-encoding') {
      this.coding ??= value;
      this.codings++;
      return true;
    }
    return false;
  }

  /** Why this request's framing is refused, or undefined. */
  problem(): string | undefined {
    const { length, coding } = this;
    if (length === undefined && coding === undefined) return undefined;
    if (length !== undefined && coding !== undefined) return 'both Content-Length and Transfer-Encoding';
    if (coding !== undefined && coding.toLowerCase() !== 'chunked') return `Transfer-Encoding ${JSON.stringify(coding.slice(0, 40))} (only "chunked" is accepted)`;
    if (length !== undefined && !/^\d{1,15}$/.test(length)) return 'a Content-Length that is not a decimal number';
    // Identical repeated Content-Length values are one value (RFC 9110 8.6); differing ones are refused.
    if (this.lengthsDisagree) return 'Content-Length headers that disagree';
    if (this.codings > 1) return 'Transfer-Encoding given more than once';
    return undefined;
  }
}

/** The framing check on its own, for routes that read no other headers (readHead does it in its walk). */
export function framingProblem(req: HttpRequest): string | undefined {
  // A request with neither header frames no body: nothing to walk for.
  if (req.getHeader('content-length') === '' && req.getHeader('transfer-encoding') === '') return undefined;
  const framing = new FramingHeaders();
  req.forEach((key, value) => void framing.add(key, value));
  return framing.problem();
}
