/**
 * A fixed-size latency histogram: recording is a few arithmetic operations on a preallocated
 * array, so it can stay on in production. Buckets are log-linear (four per power of two of
 * microseconds), so a percentile is exact to within about 19 %.
 */

const SUB_BUCKETS = 4;
const BUCKETS = SUB_BUCKETS * 40 + 1; // up to 2^40 µs (about 12 days); beyond lands in the last bucket

/** Summary of recorded durations, in milliseconds. */
export interface LatencySummary {
  /** Number of recorded durations. */
  count: number;
  /** Arithmetic mean (exact). */
  mean: number;
  /** Smallest recorded duration (exact). */
  min: number;
  /** Largest recorded duration (exact). */
  max: number;
  /** Median, from the buckets. */
  p50: number;
  /** 90th percentile, from the buckets. */
  p90: number;
  /** 99th percentile, from the buckets. */
  p99: number;
}

function bucketOf(micros: number): number {
  if (!(micros >= 1)) return 0;
  const index = Math.floor(Math.log2(micros) * SUB_BUCKETS) + 1;
  return index < BUCKETS ? index : BUCKETS - 1;
}

/** Upper bound of a bucket, in milliseconds. */
function bucketUpperMs(index: number): number {
  return index === 0 ? 0.001 : 2 ** (index / SUB_BUCKETS) / 1000;
}

/**
 * Records durations in milliseconds and summarises them.
 *
 * @example
 * const h = new LatencyHistogram();
 * const t0 = performance.now(); work(); h.record(performance.now() - t0);
 * h.summary().p99;
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private count = 0;
  private sum = 0;
  private min = Infinity;
  private max = 0;

  /** Adds one duration (milliseconds). Negative or non-finite values count as zero. */
  record(ms: number): void {
    const value = ms > 0 && ms < Infinity ? ms : 0;
    this.counts[bucketOf(value * 1000)]! += 1;
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Count, mean, min, max and percentiles; all zero when nothing was recorded. */
  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0 };
    return {
      count: this.count,
      mean: this.sum / this.count,
      min: this.min,
      max: this.max,
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
    };
  }

  /** Forgets every recorded duration. */
  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = 0;
  }

  private percentile(q: number): number {
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      // The bucket bound may overshoot the true extremes; clamp so p99 never exceeds max.
      if (seen >= rank) return Math.min(Math.max(bucketUpperMs(i), this.min), this.max);
    }
    return this.max;
  }
}
