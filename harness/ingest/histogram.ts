// Latency histograms: HDR histograms of whole microseconds with 3 significant digits, so any
// percentile read from them is within 0.1 % (relative; in fact 1/1024) of the nearest-rank value
// of the recorded samples, plus at most 1 µs of rounding. They merge exactly (counts add), which
// is what makes per-second buckets, windows and several k6-operator runner files combinable.
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

export const latencyPrecision =
  'HDR histograms of whole microseconds, 3 significant digits: percentiles are within 0.1 % of the ' +
  'nearest-rank value of the samples (plus 1 µs rounding); averages and maxima are exact.';

const pool: Histogram[] = [];

export function newHistogram(): Histogram {
  return pool.pop() ?? hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** Returns a histogram to the pool once its numbers have been read, to spare allocations. */
export function releaseHistogram(h: Histogram): void {
  h.reset();
  if (pool.length < 256) pool.push(h);
}

export function recordMs(h: Histogram, ms: number): void {
  h.recordValue(ms > 0 ? Math.round(ms * 1000) : 0);
}

export function percentileMs(h: Histogram, p: number): number {
  return h.getValueAtPercentile(p) / 1000;
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(text: string): Histogram {
  return hdr.decodeFromCompressedBase64(text, 32);
}

/** Merges encoded histograms into one (empty when the list is empty). */
export function mergeEncoded(list: Iterable<string>): Histogram {
  const out = newHistogram();
  for (const text of list) out.add(decodeHistogram(text));
  return out;
}
