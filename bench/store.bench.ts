/**
 * `npm run bench:store`: ops/s of put, getByHash and isRevoked on every token store backend at
 * concurrency 1 and 64, next to a floor measured in the same run on the same server:
 * - memory: a bare `Map.get`;
 * - sqlite: a bare prepared `SELECT ... WHERE hash = ?` on another better-sqlite3 connection;
 * - redis: `redis-benchmark -t get,set` against the same server; two more rows show how much
 *   of the gap is the Node client (a bare ioredis GET) and how much the server's script work
 *   (getByHash's script sent by redis-benchmark itself);
 * - postgres / mysql: a bare `SELECT 1` round trip through the same driver and pool size.
 * It also measures the memory store's heap per record at 1,000,000 live records.
 *
 * Servers come from CJWT_TEST_REDIS_URL / CJWT_TEST_POSTGRES_URL / CJWT_TEST_MYSQL_URL when set,
 * otherwise the bench starts its own with the test harnesses (test/support/servers/).
 *
 * Flags: --json (machine-readable output), --only=memory,sqlite,redis,postgres,mysql,heap,
 * --duration=MS (per measurement, default 700), --records=N (heap test, default 1000000).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type BetterSqlite3 from 'better-sqlite3';
import { createTokenStore } from '../src/store/create.js';
import { MemoryTokenStore } from '../src/store/memory/memory.js';
import { RedisKeys } from '../src/store/redis/redis-keys.js';
import { READ_POINTED } from '../src/store/redis/redis-scripts.js';
import type { TokenRecord, TokenStore } from '../src/store/types.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const asJson = args.includes('--json');
const only = flag('only')?.split(',');
const durationMs = Number(flag('duration') ?? 700);
const heapRecords = Number(flag('records') ?? 1_000_000);
const wanted = (name: string): boolean => only === undefined || only.includes(name);
const started = Date.now();
const log = (line: string): void => { if (!asJson) process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`); };

interface Row {
  backend: string;
  op: string;
  concurrency: number;
  opsPerSec: number;
  floor: string;
  floorOpsPerSec: number | undefined;
  ratio: number | undefined;
}

/** Runs `op` from `concurrency` loops for `ms` (after a short warm-up) and returns ops/s. */
async function measure(op: (i: number) => Promise<unknown> | unknown, concurrency: number, ms = durationMs): Promise<number> {
  let i = 0;
  const loop = async (until: number): Promise<number> => {
    let n = 0;
    while (performance.now() < until) {
      await op(i++);
      n++;
    }
    return n;
  };
  // Long enough for the JIT to optimise the path: a cold first op would read as the store's cost.
  const warm = performance.now() + Math.min(300, ms / 2);
  await Promise.all(Array.from({ length: concurrency }, () => loop(warm)));
  const start = performance.now();
  const counts = await Promise.all(Array.from({ length: concurrency }, () => loop(start + ms)));
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - start) / 1000);
}

// Shaped like a token hash (43 base64url characters) but cheap to make, so the bench measures
// the store, not SHA-256.
const hashOf = (i: number, salt: string): string => `${salt}_${i}_`.padEnd(43, 'h');

function benchRecord(i: number, salt: string, now: number): TokenRecord {
  return { id: `${salt}-${i}`, hash: hashOf(i, salt), kind: 'opaque', subject: `user-${i % 1000}`, issuedAt: now, expiresAt: now + 3_600_000 };
}

interface Floors {
  name: string;
  read: (c: number) => Promise<number>;
  write?: (c: number) => Promise<number>;
  writeName?: string;
}

/** Measures put/getByHash/isRevoked on `store` and the floors, at concurrency 1 and 64. */
async function benchStore(backend: string, store: TokenStore, floors: Floors, seed = 300): Promise<Row[]> {
  const salt = randomBytes(4).toString('hex');
  const now = Date.now();
  for (let i = 0; i < seed; i++) await store.put(benchRecord(i, salt, now));
  for (let i = 0; i < seed; i += 10) await store.revoke(`${salt}-${i}`, 'bench');
  const hashes = Array.from({ length: seed }, (_, i) => hashOf(i, salt));
  const ids = Array.from({ length: seed }, (_, i) => `${salt}-${i}`);
  const rows: Row[] = [];
  let next = seed;
  for (const concurrency of [1, 64]) {
    const ops: Array<[string, (i: number) => Promise<unknown>, (c: number) => Promise<number>]> = [
      ['put', () => store.put(benchRecord(next++, salt, now)), floors.write ?? floors.read],
      ['getByHash', (i) => store.getByHash(hashes[i % seed] as string), floors.read],
      ['isRevoked', (i) => store.isRevoked(ids[i % seed] as string), floors.read],
    ];
    for (const [op, fn, measureFloor] of ops) {
      // The floor is measured right before each operation: on a shared machine, load drifts.
      const floor = await measureFloor(concurrency);
      const opsPerSec = await measure(fn, concurrency);
      const floorName = op === 'put' && floors.write ? floors.writeName ?? floors.name : floors.name;
      rows.push({ backend, op, concurrency, opsPerSec, floor: floorName, floorOpsPerSec: floor, ratio: opsPerSec / floor });
      log(`  ${backend} ${op} c=${concurrency}: ${Math.round(opsPerSec)} ops/s (floor ${Math.round(floor)})`);
    }
  }
  return rows;
}

async function benchMemory(): Promise<Row[]> {
  const store = new MemoryTokenStore();
  const map = new Map<string, unknown>();
  const keys = Array.from({ length: 1000 }, (_, i) => hashOf(i, 'floor'));
  for (const key of keys) map.set(key, key);
  const rows = await benchStore('memory', store, {
    name: 'Map.get',
    read: (c) => measure(async (i) => map.get(keys[i % keys.length] as string), c),
  });
  await store.close();
  return rows;
}

async function benchSqlite(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cjwt-bench-sqlite-'));
  const path = join(dir, 'bench.db');
  try {
    const store = await createTokenStore(`sqlite:${path}`);
    const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const db = new Driver(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE bench_floor (k TEXT PRIMARY KEY, v TEXT)');
    const select = db.prepare('SELECT record FROM cjwt_tokens WHERE hash = ?');
    const insert = db.prepare('INSERT INTO bench_floor (k, v) VALUES (?, ?)');
    const seedHashes: string[] = [];
    let n = 0;
    const rows = await benchStore('sqlite', store, {
      name: 'prepared SELECT by hash',
      read: async (c) => {
        if (seedHashes.length === 0) for (const row of db.prepare('SELECT hash FROM cjwt_tokens LIMIT 1000').pluck().all()) seedHashes.push(row as string);
        return measure(async (i) => select.get(seedHashes[i % seedHashes.length]), c);
      },
      write: (c) => measure(async () => insert.run(`k${n++}`, 'v'.repeat(200)), c),
      writeName: 'prepared INSERT (sync=FULL)',
    });
    db.close();
    await store.close();
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const run = promisify(execFile);

/** Runs redis-benchmark against `url`: the GET/SET tests, or `command` when given; ops/s per test. */
async function redisBenchmark(url: string, concurrency: number, command?: string[]): Promise<{ get: number; set: number; command: number }> {
  const parsed = new URL(url);
  const requests = concurrency === 1 ? 5_000 : 20_000;
  const argv = ['-h', parsed.hostname, '-p', parsed.port || '6379', '-n', String(requests), '-c', String(concurrency), '--csv'];
  if (parsed.password) argv.push('-a', decodeURIComponent(parsed.password), '--no-auth-warning');
  argv.push(...(command ?? ['-t', 'get,set']));
  const { stdout } = await run('redis-benchmark', argv, { timeout: 60_000 });
  const lines = stdout.split('\n').filter((l) => l.startsWith('"') && !l.startsWith('"test"'));
  const rate = (test: string | undefined): number => {
    const line = test === undefined ? lines[0] : lines.find((l) => l.startsWith(`"${test}"`));
    if (line === undefined) throw new Error(`redis-benchmark printed no ${test ?? 'result'} line`);
    return Number((line.split('","')[1] ?? '').replaceAll('"', ''));
  };
  return command === undefined ? { get: rate('GET'), set: rate('SET'), command: NaN } : { get: NaN, set: NaN, command: rate(undefined) };
}

async function benchRedis(url: string): Promise<Row[]> {
  const prefix = `cjwtbench${randomBytes(3).toString('hex')}:`;
  const store = await createTokenStore(url, { prefix });
  const floor = (c: number): Promise<{ get: number; set: number }> => redisBenchmark(url, c);
  // The same GET through ioredis shows how much of the gap is the Node client, not the store.
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  await client.set('cjwtbench:floor', 'x'.repeat(200));
  try {
    const rows = await benchStore('redis', store, {
      name: 'redis-benchmark GET',
      read: async (c) => (await floor(c)).get,
      write: async (c) => (await floor(c)).set,
      writeName: 'redis-benchmark SET',
    });
    // getByHash's own server-side work, sent by the C client: what a script read costs the
    // server next to a GET, whatever the Node client does.
    const hash = hashOf(0, 'script');
    await store.put(benchRecord(0, 'script', Date.now()));
    await store.getByHash(hash);
    const scriptRead = ['EVALSHA', READ_POINTED.sha, '1', new RedisKeys(prefix).hashPointer(hash), prefix, 'h', ''];
    for (const concurrency of [1, 64]) {
      const opsPerSec = await measure(() => client.get('cjwtbench:floor'), concurrency);
      const floorOps = (await floor(concurrency)).get;
      rows.push({ backend: 'redis', op: 'bare GET (ioredis)', concurrency, opsPerSec, floor: 'redis-benchmark GET', floorOpsPerSec: floorOps, ratio: opsPerSec / floorOps });
      log(`  redis bare GET via ioredis c=${concurrency}: ${Math.round(opsPerSec)} ops/s`);
      const scriptOps = (await redisBenchmark(url, concurrency, scriptRead)).command;
      const getOps = (await floor(concurrency)).get;
      rows.push({ backend: 'redis', op: 'getByHash script (redis-benchmark)', concurrency, opsPerSec: scriptOps, floor: 'redis-benchmark GET', floorOpsPerSec: getOps, ratio: scriptOps / getOps });
      log(`  redis getByHash script via redis-benchmark c=${concurrency}: ${Math.round(scriptOps)} ops/s`);
    }
    return rows;
  } finally {
    client.disconnect();
    await store.close();
  }
}

async function benchPostgres(url: string): Promise<Row[]> {
  const store = await createTokenStore(url, { tablePrefix: 'bench_' });
  const pg = await import('pg');
  const pool = new pg.default.Pool({ connectionString: url, max: 10 });
  // Idle clients see the server stop after the bench; that is not a failure of the bench.
  pool.on('error', () => {});
  try {
    return await benchStore('postgres', store, { name: 'pg SELECT 1', read: (c) => measure(() => pool.query('SELECT 1'), c) });
  } finally {
    await pool.end();
    await store.close();
  }
}

async function benchMySql(url: string): Promise<Row[]> {
  const store = await createTokenStore(url, { tablePrefix: 'bench_' });
  const mysql = await import('mysql2/promise');
  const pool = mysql.createPool({ uri: url, connectionLimit: 10 });
  try {
    return await benchStore('mysql', store, { name: 'mysql2 SELECT 1', read: (c) => measure(() => pool.query('SELECT 1'), c) });
  } finally {
    await pool.end();
    await store.close();
  }
}

/** Heap bytes per record of MemoryTokenStore at `count` live records, indexes included. */
async function memoryHeapPerRecord(count: number): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  const settle = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };
  const random = randomBytes(count * 48);
  const before = settle();
  const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
  const now = Date.now();
  for (let i = 0; i < count; i++) {
    // A realistic record: random 128-bit id, 256-bit hash (43 characters), ~4 tokens per user.
    const id = random.subarray(i * 48, i * 48 + 16).toString('base64url');
    const hash = random.subarray(i * 48 + 16, i * 48 + 48).toString('base64url');
    const put = store.put({ id, hash, kind: 'opaque', subject: `user-${i % 250_000}`, issuedAt: now, expiresAt: now + 3_600_000 });
    // put settles synchronously; awaiting every call would only add a tick per record.
    if (i % 10_000 === 0) await put;
  }
  const after = settle();
  if (store.size !== count) throw new Error(`expected ${count} records, store holds ${store.size}`);
  const perRecord = (after - before) / count;
  await store.close();
  return perRecord;
}

interface ServerHandle { url: string; stop(): Promise<void> }

async function server(name: 'redis' | 'postgres' | 'mysql'): Promise<ServerHandle> {
  const env = { redis: 'CJWT_TEST_REDIS_URL', postgres: 'CJWT_TEST_POSTGRES_URL', mysql: 'CJWT_TEST_MYSQL_URL' }[name];
  const fromEnv = process.env[env];
  if (fromEnv) return { url: fromEnv, stop: async () => {} };
  log(`starting a ${name} server (set ${env} to use a running one)`);
  if (name === 'redis') return (await import('../test/support/servers/redis.js')).startRedis();
  if (name === 'postgres') return (await import('../test/support/servers/postgres.js')).startPostgres();
  return (await import('../test/support/servers/mysql.js')).startMySql();
}

const rows: Row[] = [];
const skipped: Record<string, string> = {};
let heapBytesPerRecord: number | undefined;

if (wanted('heap')) {
  log(`memory heap at ${heapRecords} live records...`);
  heapBytesPerRecord = await memoryHeapPerRecord(heapRecords);
  log(heapBytesPerRecord === undefined ? '  skipped: run node with --expose-gc' : `  ${heapBytesPerRecord.toFixed(1)} bytes/record`);
}
if (wanted('memory')) rows.push(...(await benchMemory()));
if (wanted('sqlite')) rows.push(...(await benchSqlite()));
const serverBenches: Array<['redis' | 'postgres' | 'mysql', (url: string) => Promise<Row[]>]> = [
  ['redis', benchRedis], ['postgres', benchPostgres], ['mysql', benchMySql],
];
for (const [name, bench] of serverBenches) {
  if (!wanted(name)) continue;
  let handle: ServerHandle | undefined;
  try {
    handle = await server(name);
    rows.push(...(await bench(handle.url)));
  } catch (err) {
    skipped[name] = err instanceof Error ? err.message.split('\n')[0] ?? String(err) : String(err);
    log(`  ${name} skipped: ${skipped[name]}`);
  } finally {
    await handle?.stop().catch(() => {});
  }
}

const seconds = (Date.now() - started) / 1000;
if (asJson) {
  console.log(JSON.stringify({ node: process.version, durationMs, seconds, heap: { records: heapRecords, bytesPerRecord: heapBytesPerRecord }, rows, skipped }, null, 2));
} else {
  const fmt = (n: number | undefined): string => (n === undefined ? '-' : Math.round(n).toLocaleString('en-US'));
  const table = [
    ['backend', 'op', 'conc', 'ops/s', 'floor', 'floor ops/s', 'ratio'],
    ...rows.map((r) => [r.backend, r.op, String(r.concurrency), fmt(r.opsPerSec), r.floor, fmt(r.floorOpsPerSec), r.ratio === undefined ? '-' : r.ratio.toFixed(2)]),
  ];
  const widths = table[0]?.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length))) ?? [];
  const line = (row: string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  console.log(line(table[0] ?? []));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of table.slice(1)) console.log(line(row));
  console.log('');
  if (wanted('heap')) {
    console.log(`memory store heap per record at ${heapRecords.toLocaleString('en-US')} live records: ${heapBytesPerRecord === undefined ? 'n/a (needs node --expose-gc)' : `${heapBytesPerRecord.toFixed(0)} bytes (target <= 500)`}`);
  }
  for (const [name, reason] of Object.entries(skipped)) console.log(`${name}: skipped (${reason})`);
  console.log(`${seconds.toFixed(0)} s, node ${process.version}`);
}
