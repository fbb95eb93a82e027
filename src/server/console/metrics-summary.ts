/**
 * A few live figures for the console, read from the service's prom-client registry: tokens
 * issued, verifications accepted and refused, p50/p99 verify latency (interpolated within the
 * histogram's buckets, since the service started), live sessions.
 */
import type { Registry } from 'prom-client';

/** What the admin page shows. */
export interface MetricsSummary {
  time: number;
  issued: number;
  verified: number;
  refused: number;
  verify_p50_ms: number | null;
  verify_p99_ms: number | null;
  live_sessions: number | null;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** Operations whose success hands out tokens. */
const ISSUING = new Set(['login', 'console_login', 'issue', 'refresh']);

/** The q-quantile of a cumulative histogram, linear within the bucket; null when empty. */
export function quantileOf(buckets: { le: number; count: number }[], q: number): number | null {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const { le, count } of buckets) {
    if (count >= rank) {
      if (!Number.isFinite(le)) return lowerLe;
      const inBucket = count - lowerCount;
      return inBucket === 0 ? le : lowerLe + ((le - lowerLe) * (rank - lowerCount)) / inBucket;
    }
    lowerLe = le;
    lowerCount = count;
  }
  return lowerLe;
}

/** Reads the summary from the registry. */
export async function metricsSummary(registry: Registry): Promise<MetricsSummary> {
  const all = (await registry.getMetricsAsJSON()) as unknown as { name: string; values: MetricValue[] }[];
  const values = (name: string): MetricValue[] => all.find((m) => m.name === name)?.values ?? [];
  let issued = 0;
  let verified = 0;
  let refused = 0;
  for (const { labels, value } of values('cjwt_operations_total')) {
    if (ISSUING.has(String(labels.operation)) && labels.outcome === 'ok') issued += value;
    if (labels.operation === 'verify') {
      if (labels.outcome === 'ok') verified += value;
      else refused += value;
    }
  }
  const buckets = values('cjwt_operation_duration_seconds')
    .filter((v) => v.metricName === 'cjwt_operation_duration_seconds_bucket' && v.labels.operation === 'verify')
    .map((v) => ({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value }))
    .sort((a, b) => a.le - b.le);
  const ms = (seconds: number | null): number | null => (seconds === null ? null : Math.round(seconds * 1e6) / 1e3);
  const live = values('cjwt_live_sessions')[0]?.value;
  return {
    time: Date.now(), issued, verified, refused,
    verify_p50_ms: ms(quantileOf(buckets, 0.5)), verify_p99_ms: ms(quantileOf(buckets, 0.99)),
    live_sessions: typeof live === 'number' ? live : null,
  };
}
