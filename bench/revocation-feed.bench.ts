/**
 * `npm run bench:feed`: what a revocation check costs with the feed's mirror, next to the bare
 * floor (a `Set.has`) and the store round trip it replaces, on Redis and PostgreSQL; then the
 * propagation latency (revoke in one process, seen in another's mirror), p50/p99.
 *
 * Servers come from CJWT_TEST_REDIS_URL / CJWT_TEST_POSTGRES_URL when set, otherwise the bench
 * starts its own with the test harnesses. FEED_BENCH_COUNT sets the revocations per backend for
 * the latency table (default 2,000 to keep the run short on a shared machine; the figure
 * is 10,000).
 */
import { performance } from 'node:perf_hooks';
import {
  PostgresRevocationSource, RedisRevocationSource, RevocationMirror, withRevocationMirror, type RevocationFeedSource,
} from '../src/lifecycle/feed/index.js';
import { PostgresTokenStore, RedisTokenStore, type TokenStore } from '../src/store/index.js';
import { propagation } from '../test/lifecycle/feed/propagation.js';

interface ServerHandle { url: string; stop(): Promise<void> }

async function server(name: 'redis' | 'postgres'): Promise<ServerHandle> {
  const env = { redis: 'CJWT_TEST_REDIS_URL', postgres: 'CJWT_TEST_POSTGRES_URL' }[name];
  const url = process.env[env];
  if (url !== undefined && url !== '') return { url, stop: async () => {} };
  if (name === 'redis') return (await import('../test/support/servers/redis.js')).startRedis();
  return (await import('../test/support/servers/postgres.js')).startPostgres();
}

// Results are counted so the JIT cannot drop the calls being measured.
let sink = 0;

/** Operations per second of a synchronous function over ~`ms` milliseconds. */
function opsSync(fn: (i: number) => unknown, ms = 400): number {
  for (let i = 0; i < 10_000; i++) if (fn(i) === true) sink++;
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 10_000; i++) if (fn(n + i) === true) sink++;
    n += 10_000;
    elapsed = performance.now() - start;
  }
  return (n / elapsed) * 1000;
}

/** Operations per second of an async function, `concurrency` calls in flight. */
async function opsAsync(fn: (i: number) => Promise<unknown>, ms = 1000, concurrency = 1): Promise<number> {
  let n = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() - start < ms) await fn(n++);
  }));
  return (n / (performance.now() - start)) * 1000;
}

const IDS = 100_000;
const ids = Array.from({ length: IDS }, (_, i) => Buffer.from(`jti-${i.toString(36).padStart(8, '0')}`).toString('latin1'));
const probe = Array.from({ length: IDS }, (_, i) => (i % 2 === 0 ? ids[i] as string : `unknown-${i}`));

const rows: Array<{ name: string; ops: number }> = [];
const set = new Set(ids);
rows.push({ name: 'bare Set.has (floor)', ops: opsSync((i) => set.has(probe[i % IDS] as string)) });
const mirror = new RevocationMirror({ maxStalenessMs: 60_000 });
mirror.apply(ids.map((id) => ({ type: 'id' as const, id, expiresAt: Date.now() + 3_600_000 })));
mirror.current(Date.now());
rows.push({ name: 'mirror.isRevoked (sync)', ops: opsSync((i) => mirror.isRevoked(probe[i % IDS] as string)) });

const latency: Array<{ backend: string; count: number; p50: number; p99: number; max: number; missing: number }> = [];
const count = Number(process.env.FEED_BENCH_COUNT ?? 2000);
for (const name of ['redis', 'postgres'] as const) {
  const handle = await server(name);
  let store: TokenStore | undefined;
  try {
    store = name === 'redis'
      ? await RedisTokenStore.connect(handle.url, { prefix: 'bench_feed:', sweepIntervalMs: 0 })
      : await PostgresTokenStore.connect(handle.url, { tablePrefix: 'bench_feed_', sweepIntervalMs: 0 });
    const s = store;
    const now = Date.now();
    for (let i = 0; i < 200; i++) await s.put({ id: ids[i] as string, kind: 'access', subject: 'u', issuedAt: now, expiresAt: now + 3_600_000 });
    const wrapped = withRevocationMirror(s, mirror);
    rows.push({ name: `withRevocationMirror(${name}).isRevoked (async)`, ops: await opsAsync((i) => wrapped.isRevoked(probe[i % 200] as string), 500) });
    rows.push({ name: `${name} store.isRevoked round trip`, ops: await opsAsync((i) => s.isRevoked(probe[i % 200] as string), 1000) });
    rows.push({ name: `${name} store.isRevoked, 64 in flight`, ops: await opsAsync((i) => s.isRevoked(probe[i % 200] as string), 1000, 64) });
    const source: RevocationFeedSource = name === 'redis'
      ? new RedisRevocationSource(handle.url, { prefix: 'bench_feed:', store: s })
      : new PostgresRevocationSource(handle.url, { tablePrefix: 'bench_feed_' });
    const result = await propagation(handle.url, name === 'redis' ? 'bench_feed:' : 'bench_feed_', source, count);
    latency.push({ backend: name, ...result });
  } finally {
    await store?.close();
    await handle.stop().catch(() => {});
  }
}

const floor = rows[0]?.ops ?? 1;
if (sink < 0) console.log(sink);
console.log('\n| isRevoked | ops/s | ratio to bare Set.has |');
console.log('| --- | ---: | ---: |');
for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.ops).toLocaleString('en-US')} | ${(r.ops / floor).toFixed(3)} |`);
console.log('\n| propagation (revoke in process A, seen by B\'s mirror) | revocations | p50 ms | p99 ms | max ms | missing |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const l of latency) console.log(`| ${l.backend} | ${l.count} | ${l.p50.toFixed(1)} | ${l.p99.toFixed(1)} | ${l.max.toFixed(1)} | ${l.missing} |`);
