// Drives a plain request/response HTTP endpoint with autocannon: one warm-up
// run, then the measured run; every 2xx response whose body passes `verify`
// counts, and its fractional latency goes into our µs histogram.
import autocannon from 'autocannon';

/** Seconds before autocannon counts a request as timed out. */
const REQUEST_TIMEOUT_S = 10;

/**
 * Every request gets its own JSON-RPC id (a session must not reuse an id in
 * flight; peers that route answers by id stall when one does). The body's
 * UNIQUE_ID placeholder becomes a counter. autocannon's own idReplacement
 * is not used: it computes Content-Length for a 33-character id, but its
 * hyperid ids are 24-29 characters long, so servers wait for bytes that
 * never come.
 */
let nextId = 1;
function uniqueIds(body) {
  const at = body?.indexOf('"[<id>]"') ?? -1;
  if (at < 0) return undefined;
  const head = body.slice(0, at);
  const tail = body.slice(at + '"[<id>]"'.length);
  return [{ setupRequest: (req) => ({ ...req, body: `${head}${nextId++}${tail}` }) }];
}

function once(opts, histogram) {
  return new Promise((resolve, reject) => {
    const counts = { ok: 0, non2xx: 0, mismatches: 0, errors: 0, timeouts: 0, sample: undefined };
    const instance = autocannon(
      {
        url: opts.url,
        method: opts.method ?? 'POST',
        headers: opts.headers,
        body: opts.body,
        requests: uniqueIds(opts.body),
        connections: opts.connections,
        duration: opts.durationS,
        timeout: REQUEST_TIMEOUT_S,
        verifyBody: opts.contains ? (body) => body.includes(opts.contains) : undefined,
      },
      (err, result) => {
        if (err) reject(err);
        else {
          counts.errors = result.errors - result.timeouts;
          counts.timeouts = result.timeouts;
          counts.mismatches = result.mismatches;
          counts.durationS = result.duration;
          // Sent but neither answered nor timed out when the window closed: a stalled system shows here.
          counts.unanswered = Math.max(0, result.requests.sent - counts.ok - counts.non2xx - result.errors);
          resolve(counts);
        }
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) {
        counts.ok++;
        histogram?.recordMs(ms);
      } else counts.non2xx++;
    });
    instance.on('reqMismatch', (body) => (counts.sample ??= `unexpected body: ${String(body).slice(0, 300)}`));
    instance.on('reqError', (err) => (counts.sample ??= `request error: ${String(err)}`));
  });
}

export async function driveHttp(opts, histogram, phase) {
  if (opts.warmupS > 0) await once({ ...opts, durationS: opts.warmupS }, undefined);
  phase('measure');
  const counts = await once(opts, histogram);
  phase('done');
  // Mismatched bodies were 2xx too: they are errors, not throughput.
  counts.ok -= counts.mismatches;
  if (counts.ok === 0 && counts.unanswered > 0) counts.sample ??= `no answer within the measured window (${counts.unanswered} requests still waiting)`;
  return counts;
}
