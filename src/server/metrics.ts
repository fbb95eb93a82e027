/**
 * Prometheus metrics of the service (prom-client, one registry per service so two services in
 * one process do not collide): operations by outcome, their latency, store errors, and live
 * sessions counted from the store at scrape time.
 */
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TokenStore } from '../store/index.js';

/** The service's instruments. */
export interface ServiceMetrics {
  registry: Registry;
  /** Counts one finished operation (`login`, `refresh`, `verify`, ...) and its latency. */
  observe(operation: string, outcome: string, seconds: number): void;
  /** Counts a store failure. */
  storeError(operation: string): void;
}

/** Builds the metrics; prom-client is loaded here, with the service. */
export async function createServiceMetrics(store: TokenStore): Promise<ServiceMetrics> {
  const prom = await import('prom-client');
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry, prefix: 'cjwt_process_' });
  const operations: Counter<'operation' | 'outcome'> = new prom.Counter({
    name: 'cjwt_operations_total', help: 'Token service operations by outcome', labelNames: ['operation', 'outcome'], registers: [registry],
  });
  const latency: Histogram<'operation'> = new prom.Histogram({
    name: 'cjwt_operation_duration_seconds', help: 'Token service operation latency', labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: [registry],
  });
  const storeErrors: Counter<'operation'> = new prom.Counter({
    name: 'cjwt_store_errors_total', help: 'Token store failures', labelNames: ['operation'], registers: [registry],
  });
  const liveSessions: Gauge = new prom.Gauge({
    name: 'cjwt_live_sessions', help: 'Live sessions in the token store', registers: [registry],
    async collect() {
      try {
        // One live login is one live refresh record (a rotation revokes its parent).
        this.set(await store.count({ kind: 'refresh', status: 'active' }));
      } catch {
        storeErrors.inc({ operation: 'metrics' });
      }
    },
  });
  void liveSessions;
  // Label lookups hash the label set on every call; the bound children are kept per label pair
  // (operations and outcomes are few: route names and error codes).
  const counters = new Map<string, { inc(): void }>();
  const timers = new Map<string, { observe(value: number): void }>();
  return {
    registry,
    observe(operation, outcome, seconds) {
      const key = `${operation}\0${outcome}`;
      let counter = counters.get(key);
      if (counter === undefined) counters.set(key, (counter = operations.labels(operation, outcome)));
      counter.inc();
      let timer = timers.get(operation);
      if (timer === undefined) timers.set(operation, (timer = latency.labels(operation)));
      timer.observe(seconds);
    },
    storeError(operation) {
      storeErrors.inc({ operation });
    },
  };
}
