/**
 * `npm run bench:lifecycle-opaque`: what OpaqueTokenManager costs over the work it cannot avoid,
 * measured in one run on the same tokens and the same store:
 * - `validateToken` of a live token vs the floor `SHA-256 + store.getByHash` (the lookup every
 *   opaque-token library makes), on memory, SQLite and Redis. Target: ratio >= 0.8.
 * - refusing a forged token (right prefix, length and checksum; wrong MAC) with a `secret` vs one
 *   bare HMAC-SHA256 (`createHmac`) over the bytes the MAC covers. Target: ratio >= 0.5. Shown
 *   for `validateToken` (what a server calls) and for the format's synchronous `check`.
 *
 * Rates are ops per CPU-second of this process (bench/harness.ts), best of interleaved rounds.
 * For Redis, the I/O wait is not CPU time, so its rows compare CPU per validation; one more row
 * compares wall-clock throughput at 32 concurrent validations. Redis comes from REDIS_URL or
 * CJWT_TEST_REDIS_URL, otherwise the bench starts a redis-server of its own on a free port.
 *
 * Flags: --time=MS per cell and implementation (default 1200), --rounds=N (default 6), --json,
 * --only=memory,sqlite,redis,forged.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, createSecretKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { encodeUint32Base62, randomBase62 } from '../src/opaque/base62.js';
import { OpaqueTokenManager, createOpaqueTokenFormat } from '../src/opaque/index.js';
import { MemoryTokenStore, RedisTokenStore, SqliteTokenStore } from '../src/store/index.js';
import type { TokenStore } from '../src/store/index.js';
import { createHarness, formatJSON, formatTable, parseHarnessArgs, type Harness, type Row } from './harness.js';

const argv = process.argv.slice(2);
const options = parseHarnessArgs(argv);
if (!argv.some((a) => a.startsWith('--time='))) options.cellMs = 1200;
if (!argv.some((a) => a.startsWith('--rounds='))) options.rounds = 6;
const harness = createHarness(options);
const only = argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const wanted = (part: string): boolean => only === undefined || only.includes(part);
const TOKENS = 1000;
const SECRET = createSecretKey(Buffer.from('bench secret, at least 32 bytes long, not a real one'));

// The fastest bare SHA-256 Node offers (one-shot `crypto.hash` where present), as the manager uses.
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'base64url') => string }).hash;
const sha256 = typeof oneShot === 'function'
  ? (token: string): string => oneShot('sha256', token, 'base64url')
  : (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Issues TOKENS tokens on `store` and compares validateToken with SHA-256 + getByHash. */
async function validationRow(h: Harness, backend: string, store: TokenStore): Promise<Row> {
  const manager = new OpaqueTokenManager({ store });
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) tokens.push((await manager.generateToken({ userId: `user-${i % 50}`, scope: ['read'], ttl: '10m' })).token);
  const first = await manager.validateToken(tokens[0] as string);
  if (!first.valid) throw new Error(`${backend}: the bench token does not validate`);
  let a = 0;
  let b = 0;
  return h.compare('validateToken (live token)', backend, {
    cjwt: () => manager.validateToken(tokens[a++ % TOKENS] as string),
    floor: () => store.getByHash(sha256(tokens[b++ % TOKENS] as string)),
  });
}

/** Wall-clock ops/s of `op` run by `concurrency` loops for `ms`. */
async function wallRate(op: (i: number) => Promise<unknown>, concurrency: number, ms: number): Promise<number> {
  let i = 0;
  const loop = async (until: number): Promise<number> => {
    let n = 0;
    while (performance.now() < until) { await op(i++); n++; }
    return n;
  };
  const start = performance.now();
  const counts = await Promise.all(Array.from({ length: concurrency }, () => loop(start + ms)));
  return counts.reduce((x, y) => x + y, 0) / ((performance.now() - start) / 1000);
}

/** Throughput at 32 concurrent validations vs 32 concurrent SHA-256 + getByHash, wall clock. */
async function concurrentRow(backend: string, store: TokenStore): Promise<Row> {
  const manager = new OpaqueTokenManager({ store });
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) tokens.push((await manager.generateToken({ userId: `c-${i % 50}`, ttl: '10m' })).token);
  const row: Row = { op: 'validateToken, 32 concurrent, wall clock', alg: backend, cjwt: 0, floor: 0 };
  const roundMs = options.cellMs / options.rounds;
  await wallRate((i) => manager.validateToken(tokens[i % TOKENS] as string), 32, 200);
  for (let round = 0; round < options.rounds; round++) {
    row.cjwt = Math.max(row.cjwt as number, Math.round(await wallRate((i) => manager.validateToken(tokens[i % TOKENS] as string), 32, roundMs)));
    row.floor = Math.max(row.floor as number, Math.round(await wallRate((i) => store.getByHash(sha256(tokens[i % TOKENS] as string)), 32, roundMs)));
  }
  harness.log(`${row.op} ${backend}: cjwt=${String(row.cjwt)} floor=${String(row.floor)}`);
  return row;
}

/** Forged tokens: a forger can compute the checksum but not the MAC. */
async function forgedRows(h: Harness): Promise<Row[]> {
  const store = new MemoryTokenStore();
  const manager = new OpaqueTokenManager({ store, secret: SECRET });
  const real = (await manager.generateToken({ userId: 'u' })).token;
  const macStart = real.length - 6 - 12;
  const forged = Array.from({ length: TOKENS }, () => {
    const body = randomBase62(43 + 12);
    return `cjwt_${body}${encodeUint32Base62(crc32(body))}`;
  });
  const signed = forged.map((t) => t.slice(0, macStart));
  for (const token of forged.slice(0, 10)) {
    const result = await manager.validateToken(token);
    if (result.valid || result.error.code !== 'ERR_TOKEN_MALFORMED') throw new Error('a forged token was not refused as malformed');
  }
  const format = createOpaqueTokenFormat({ secret: SECRET });
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const rows = [
    await h.compare('forged token refused, validateToken', 'secret', {
      cjwt: () => manager.validateToken(forged[a++ % TOKENS] as string),
      floor: () => createHmac('sha256', SECRET).update(signed[b++ % TOKENS] as string).digest(),
    }),
    await h.compare('forged token refused, format.check', 'secret', {
      cjwt: () => format.check(forged[c++ % TOKENS] as string),
      floor: () => createHmac('sha256', SECRET).update(signed[d++ % TOKENS] as string).digest(),
    }),
  ];
  await manager.close();
  return rows;
}

async function redisUrl(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.REDIS_URL ?? process.env.CJWT_TEST_REDIS_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => {} };
  const { startRedis } = await import('../test/support/servers/redis.js');
  const server = await startRedis();
  harness.log(`started redis-server on ${server.url}`);
  return server;
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  if (wanted('memory')) {
    const memory = new MemoryTokenStore();
    rows.push(await validationRow(harness, 'memory', memory));
    await memory.close();
  }

  if (wanted('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'cjwt-bench-opaque-'));
    try {
      const sqlite = await SqliteTokenStore.open(join(dir, 'bench.db'), { sweepIntervalMs: 0 });
      rows.push(await validationRow(harness, 'sqlite', sqlite));
      await sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (wanted('redis')) {
    const redis = await redisUrl();
    try {
      const prefix = `obench${Date.now().toString(36)}:`;
      const store = await RedisTokenStore.connect(redis.url, { prefix, sweepIntervalMs: 0 });
      rows.push(await validationRow(harness, 'redis', store));
      rows.push(await concurrentRow('redis', store));
      await store.close();
    } finally {
      await redis.stop();
    }
  }

  if (wanted('forged')) rows.push(...await forgedRows(harness));
  process.stdout.write(options.json ? `${formatJSON(rows)}\n` : `${formatTable(rows, [['cjwt', 'floor']])}\n`);
}

await main();
