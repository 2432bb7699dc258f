// Latency histogram in microseconds. autocannon's own histogram records whole
// milliseconds, too coarse for a gateway that adds a fraction of one, so the
// drivers record each response's fractional time here instead.
import hdr from 'hdr-histogram-js';

/** Longest latency the histogram tracks; slower answers are clamped (and counted as timeouts by the drivers). */
const MAX_TRACKED_US = 60_000_000;

export function latencyHistogram() {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_TRACKED_US, numberOfSignificantValueDigits: 3 });
  return {
    recordMs(ms) {
      h.recordValue(Math.min(MAX_TRACKED_US, Math.max(1, Math.round(ms * 1000))));
    },
    get count() {
      return h.totalCount;
    },
    summary() {
      const at = (q) => h.getValueAtPercentile(q);
      return { p50: at(50), p90: at(90), p99: at(99), max: h.maxValue, mean: Math.round(h.mean) };
    },
  };
}
