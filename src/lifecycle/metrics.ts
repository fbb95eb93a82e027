/**
 * Token metrics: counters and latency histograms for issuing and verifying. Recording costs a
 * few additions on preallocated state; the snapshot does the arithmetic.
 */
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';

export type { LatencySummary } from './latency-histogram.js';

/** A point-in-time copy of the counters; safe to serialise. */
export interface MetricsSnapshot {
  /** Tokens issued (including refreshes). */
  generated: number;
  /** Verifications that succeeded. */
  verified: number;
  /** Verifications that failed, in total. */
  failed: number;
  /** Tokens re-issued by `refresh`. */
  refreshed: number;
  /** Key rotations. */
  rotations: number;
  /** Failed verifications by error code, e.g. `{ ERR_JWT_EXPIRED: 3 }`. */
  failuresByReason: Record<string, number>;
  /** Latency of issuing and of verifying (successes and failures), in milliseconds; `count` is the number of timed (sampled) calls. */
  latency: { generate: LatencySummary; verify: LatencySummary };
  /** When counting started (epoch milliseconds): construction or the last reset. */
  since: number;
}

/**
 * Counters for a token manager.
 *
 * @example
 * const m = new TokenMetrics();
 * m.recordVerified(0.004);
 * m.snapshot().verified // 1
 */
export class TokenMetrics {
  private generated = 0;
  private verified = 0;
  private failed = 0;
  private refreshed = 0;
  private rotations = 0;
  private readonly failures = new Map<string, number>();
  private readonly generateLatency = new LatencyHistogram();
  private readonly verifyLatency = new LatencyHistogram();
  private since: number;
  private calls = 0;
  private readonly sampleEvery: number;

  /**
   * @param now clock for `since` (epoch ms).
   * @param sampleEvery time one call in this many (1: every call). Default 1.
   */
  constructor(private readonly now: () => number = Date.now, sampleEvery = 1) {
    if (!Number.isInteger(sampleEvery) || sampleEvery < 1) throw new RangeError('sampleEvery must be a positive integer');
    this.since = now();
    this.sampleEvery = sampleEvery;
  }

  /**
   * True when the caller should time this call: one call in `sampleEvery`. Counters are exact;
   * latency is sampled because reading a clock can cost as much as the work being measured.
   */
  shouldTime(): boolean {
    this.calls = (this.calls + 1) % this.sampleEvery;
    return this.calls === 0;
  }

  /** A token was issued; `ms` is how long it took, when timed. */
  recordGenerated(ms?: number): void {
    this.generated += 1;
    if (ms !== undefined) this.generateLatency.record(ms);
  }

  /** A token verified; `ms` when timed. */
  recordVerified(ms?: number): void {
    this.verified += 1;
    if (ms !== undefined) this.verifyLatency.record(ms);
  }

  /** A token failed verification with error code `reason`; `ms` when timed. */
  recordFailed(reason: string, ms?: number): void {
    this.failed += 1;
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
    if (ms !== undefined) this.verifyLatency.record(ms);
  }

  /** A token was re-issued by refresh (the issuing itself is counted by `recordGenerated`). */
  recordRefreshed(): void {
    this.refreshed += 1;
  }

  /** The signing key was rotated. */
  recordRotation(): void {
    this.rotations += 1;
  }

  /** A copy of every counter and latency summary. */
  snapshot(): MetricsSnapshot {
    return {
      generated: this.generated,
      verified: this.verified,
      failed: this.failed,
      refreshed: this.refreshed,
      rotations: this.rotations,
      failuresByReason: Object.fromEntries(this.failures),
      latency: { generate: this.generateLatency.summary(), verify: this.verifyLatency.summary() },
      since: this.since,
    };
  }

  /** Sets every counter back to zero. */
  reset(): void {
    this.generated = 0;
    this.verified = 0;
    this.failed = 0;
    this.refreshed = 0;
    this.rotations = 0;
    this.failures.clear();
    this.generateLatency.reset();
    this.verifyLatency.reset();
    this.since = this.now();
  }
}
