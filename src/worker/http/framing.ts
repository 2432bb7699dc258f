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
 * The walk over all headers runs only for requests that frame a body
 * (Content-Length or Transfer-Encoding present); GETs read named headers only.
 */
import type { HttpRequest } from './uws.js';

/** Why this request's framing is refused, or undefined. */
export function framingProblem(req: HttpRequest): string | undefined {
  const length = req.getHeader('content-length');
  const coding = req.getHeader('transfer-encoding');
  if (length === '' && coding === '') return undefined;
  if (length !== '' && coding !== '') return 'both Content-Length and Transfer-Encoding';
  if (coding !== '' && coding.toLowerCase() !== 'chunked') return `Transfer-Encoding ${JSON.stringify(coding.slice(0, 40))} (only "chunked" is accepted)`;
  if (length !== '' && !/^\d{1,15}$/.test(length)) return 'a Content-Length that is not a decimal number';
  // Identical repeated Content-Length values are one value (RFC 9110 8.6); differing ones are refused.
  let codings = 0;
  let conflict = false;
  req.forEach((key, value) => {
    if (key === 'content-length') {
      if (value !== length) conflict = true;
    } else if (key === 'transfer-encoding') codings++;
  });
  if (conflict) return 'Content-Length headers that disagree';
  if (codings > 1) return 'Transfer-Encoding given more than once';
  return undefined;
}
