// The load generator process, started pinned to its own core by load.mjs.
// Reads its job as JSON from argv[2]; prints `phase measure` when the
// measured run starts, `phase done` when it ends (the parent samples CPU
// times of every process at those two lines), then `result <json>`.
import { latencyHistogram } from './latency.mjs';
import { driveHttp } from './autocannon-driver.mjs';
import { driveSse } from './sse-driver.mjs';

const job = JSON.parse(process.argv[2]);
const histogram = latencyHistogram();
const phase = (name) => process.stdout.write(`phase ${name}\n`);
const drive = job.driver === 'sse' ? driveSse : driveHttp;
try {
  const counts = await drive(job, histogram, phase);
  const durationS = counts.durationS ?? job.durationS;
  const result = {
    ok: counts.ok,
    rps: Math.round(counts.ok / durationS),
    durationS: Number(durationS.toFixed(2)),
    errors: counts.non2xx + counts.mismatches + counts.errors + counts.timeouts + (counts.ok === 0 ? counts.unanswered ?? 0 : 0),
    errorKinds: { non2xx: counts.non2xx, mismatches: counts.mismatches, socket: counts.errors, timeouts: counts.timeouts },
    /** Requests still unanswered when the window closed (at most one per connection for a healthy system). */
    unanswered: counts.unanswered ?? 0,
    errorSample: counts.sample,
    latencyUs: histogram.count > 0 ? histogram.summary() : undefined,
  };
  process.stdout.write(`result ${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (err) {
  process.stdout.write(`failed ${JSON.stringify(String(err?.stack ?? err))}\n`);
  process.exit(1);
}
