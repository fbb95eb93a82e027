/**
 * What only the Redis backend promises, on a private redis-server so every key can be counted:
 * the key layout and its hash tags, TTL = expiresAt + retention on every per-record key, a store
 * around a caller's client, URL parsing, connection failures, lazy driver loading, and cleanup of
 * what Redis's own expiry leaves in the indexes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { StorageError, StoreInputInvalid } from '../../src/jose/errors.js';
import { parseClusterUrl } from '../../src/store/redis/redis-connect.js';
import { decodeMember, encodeMember, pointerTag, tagDigest } from '../../src/store/redis/redis-keys.js';
import { RedisTokenStore } from '../../src/store/redis/redis.js';
import type { TokenRecord } from '../../src/store/types.js';
import { freeRedisPort, startRedis, type RedisServer } from '../support/servers/redis.js';

const execFileAsync = promisify(execFile);
const HOUR = 3_600_000;
const RETENTION = 10 * 60_000;

// CRC16/XMODEM, the function Redis Cluster maps keys to slots with (key mod 16384).
function crc16(data: Buffer): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The cluster slot of a key, honouring the first non-empty `{...}` hash tag. */
function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf('{');
  if (open >= 0) {
    const close = bytes.indexOf('}', open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % 16384;
  }
  return crc16(bytes) % 16384;
}

describe('RedisTokenStore specifics', { timeout: 60_000 }, () => {
  let server: RedisServer;
  let client: Redis;
  let store: RedisTokenStore;
  const now = Date.now();

  before(async () => {
    server = await startRedis();
    client = new Redis(server.port, '127.0.0.1', { lazyConnect: true });
    await client.connect();
    store = new RedisTokenStore({ client, prefix: 'k:', revocationRetentionMs: RETENTION, sweepIntervalMs: 0 });
  });
  after(async () => {
    await store?.close();
    client?.disconnect();
    await server?.stop();
  });

  it('the slot function matches Redis\'s documented examples', () => {
    assert.equal(crc16(Buffer.from('123456789')), 0x31c3);
    assert.equal(keySlot('{user1000}.following'), keySlot('{user1000}.followers'));
    assert.equal(keySlot('foo{}{bar}'), crc16(Buffer.from('foo{}{bar}')) % 16384);
  });

  it('writes exactly the documented keys, each with TTL expiresAt + retention', async () => {
    await client.flushall();
    // Braces in the subject must not become the key's hash tag.
    const record: TokenRecord = {
      id: 'id-{1}', hash: 'hash-}{', kind: 'refresh', subject: 'user-{x}', familyId: 'fam-{y}', issuedAt: now, expiresAt: now + HOUR,
    };
    await store.put(record);
    const s = tagDigest(record.subject);
    const expected = [
      `k:{s:${s}}:r:${record.id}`,
      `k:{s:${s}}:z`,
      `k:{i:${tagDigest(record.id)}}`,
      `k:{h:${tagDigest(record.hash as string)}}`,
      `k:{f:${tagDigest(record.familyId as string)}}:z`,
      'k:{g}:z',
      'k:{g}:x',
    ];
    assert.deepEqual((await client.keys('*')).sort(), [...expected].sort());
    const expireAt = now + HOUR + RETENTION;
    for (const key of expected.slice(0, 5)) assert.equal(await client.pexpiretime(key), expireAt, key);
    // Global indexes carry no TTL: cleanup (and the sweep timer) trims them.
    assert.equal(await client.pexpiretime('k:{g}:z'), -1);
    // A record and its subject index share a slot; the tag is the digest, not the subject's braces.
    assert.equal(keySlot(expected[0] as string), keySlot(expected[1] as string));
    assert.equal(keySlot(expected[0] as string), crc16(Buffer.from(`s:${s}`)) % 16384);
    // The record hash holds the values as given, readable without cjwt.
    assert.equal(await client.hget(expected[0] as string, 's'), record.subject);
  });

  it('plain ids and hashes are their own pointer tags, and never share a key with a digest tag', async () => {
    await client.flushall();
    const plainHash = 'A'.repeat(43);
    const plain: TokenRecord = { id: 'tok_123-x', hash: plainHash, kind: 'opaque', subject: 'u', issuedAt: now, expiresAt: now + HOUR };
    await store.put(plain);
    assert.equal(pointerTag(plain.id), '.tok_123-x');
    assert.equal(await client.exists('k:{i:.tok_123-x}'), 1);
    assert.equal(await client.exists(`k:{h:.${plainHash}}`), 1);
    // 65 characters, or any character outside base64url, falls back to the digest.
    assert.equal(pointerTag('a'.repeat(65)), tagDigest('a'.repeat(65)));
    assert.equal(pointerTag('a.b'), tagDigest('a.b'));
    // A hash whose value is exactly another hash's digest tag: two records, two keys, no mix-up.
    const other = 'other hash with spaces';
    const lookalike: TokenRecord = { id: 'look', hash: tagDigest(other), kind: 'opaque', subject: 'u', issuedAt: now, expiresAt: now + HOUR };
    const real: TokenRecord = { id: 'real', hash: other, kind: 'opaque', subject: 'u', issuedAt: now, expiresAt: now + HOUR };
    await store.put(lookalike);
    await store.put(real);
    assert.equal((await store.getByHash(other))?.id, 'real');
    assert.equal((await store.getByHash(tagDigest(other)))?.id, 'look');
    assert.equal(await client.exists(`k:{h:${tagDigest(other)}}`, `k:{h:.${tagDigest(other)}}`), 2);
  });

  it('index members keep code-point order of ids, NUL included', () => {
    const s = tagDigest('x');
    const ids = ['a', 'a\0', 'a\0b', 'a\u0001', 'ab', 'b', '\u{1F600}', '\uFFFD'];
    const sortedByMember = [...ids].sort((x, y) => Buffer.compare(Buffer.from(encodeMember(x, s)), Buffer.from(encodeMember(y, s))));
    assert.deepEqual(sortedByMember, ['a', 'a\0', 'a\0b', 'a\u0001', 'ab', 'b', '\uFFFD', '\u{1F600}']);
    for (const id of ids) assert.deepEqual(decodeMember(encodeMember(id, s)), { id, s });
    assert.equal(decodeMember('no terminator'), undefined);
  });

  it('revocation keeps the TTL; revoked stays visible until expiresAt + retention', async () => {
    const record: TokenRecord = { id: 'ttl-1', kind: 'access', subject: 'ttl-user', issuedAt: now, expiresAt: now + 5000 };
    await store.put(record);
    const key = `k:{s:${tagDigest('ttl-user')}}:r:ttl-1`;
    const before = await client.pexpiretime(key);
    await store.revoke(record.id, 'x');
    assert.equal(await client.pexpiretime(key), before);
    assert.equal(before, now + 5000 + RETENTION);
  });

  it('cleanup clears what Redis already expired and counts it', async () => {
    await client.flushall();
    // Past expiresAt + retention in real time: Redis drops the record keys at once.
    const gone: TokenRecord = { id: 'old-1', hash: 'old-h', kind: 'access', subject: 'old-user', familyId: 'old-fam', issuedAt: now - 3 * HOUR, expiresAt: now - 2 * HOUR };
    await store.put(gone);
    assert.equal(await store.get(gone.id), undefined);
    assert.equal(await client.zcard('k:{g}:z'), 1);
    assert.equal(await store.cleanup(), 1);
    assert.equal(await client.zcard('k:{g}:z'), 0);
    assert.equal(await client.zcard('k:{g}:x'), 0);
    assert.equal(await store.cleanup(), 0);
  });

  it('a rejected addSession leaves no pointers or index entries behind', async () => {
    await client.flushall();
    const base = { kind: 'session', subject: 'limited', expiresAt: now + HOUR };
    assert.equal((await store.addSession({ ...base, id: 's1', hash: 'sh1', issuedAt: now }, 1, 'reject')).added, true);
    const keysBefore = (await client.keys('*')).sort();
    const members = await client.zrange('k:{g}:z', '0', '-1');
    const result = await store.addSession({ ...base, id: 's2', hash: 'sh2', familyId: 'f', issuedAt: now + 1 }, 1, 'reject');
    assert.deepEqual(result, { added: false, reason: 'max_sessions_exceeded', live: 1 });
    assert.deepEqual((await client.keys('*')).sort(), keysBefore);
    assert.deepEqual(await client.zrange('k:{g}:z', '0', '-1'), members);
  });

  it('racing puts of different records with one hash: exactly one wins (single server)', async () => {
    const base = { hash: 'race-hash', kind: 'refresh', issuedAt: now, expiresAt: now + HOUR };
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => store.put({ ...base, id: `race-${i}`, subject: `racer-${i}` })));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'ERR_STORE_CONFLICT');
    }
    const winner = await store.getByHash('race-hash');
    assert.ok(winner?.id.startsWith('race-'));
    const session = await store.addSession({ ...base, id: 'race-session', subject: 'racer-x' }, 5, 'reject').catch((e: unknown) => e);
    assert.equal((session as { code?: string }).code, 'ERR_STORE_CONFLICT');
    assert.equal(await store.get('race-session'), undefined);
  });

  it('moving a record to another subject removes it from the old subject', async () => {
    const record: TokenRecord = { id: 'mover', hash: 'mover-h', kind: 'access', subject: 'from', issuedAt: now, expiresAt: now + HOUR };
    await store.put(record);
    await store.put({ ...record, subject: 'to' });
    assert.equal(await store.count({ subject: 'from' }), 0);
    assert.deepEqual((await store.list({ subject: 'to' })).records.map((r) => r.id), ['mover']);
    assert.equal((await store.getByHash('mover-h'))?.subject, 'to');
    assert.equal(await client.exists(`k:{s:${tagDigest('from')}}:r:mover`), 0);
  });

  it('close() leaves a caller\'s client open; a second store on it sees the same data', async () => {
    const own = new RedisTokenStore({ client, prefix: 'k:', sweepIntervalMs: 0 });
    await own.close();
    assert.equal(await client.ping(), 'PONG');
    await assert.rejects(own.get('x'), StorageError);
    const other = new RedisTokenStore({ client, prefix: 'k:', sweepIntervalMs: 0 });
    assert.equal((await other.get('mover'))?.subject, 'to');
    const elsewhere = new RedisTokenStore({ client, prefix: 'other:', sweepIntervalMs: 0 });
    assert.equal(await elsewhere.get('mover'), undefined, 'prefixes separate stores');
  });

  it('an id or hash with no string form is StoreInputInvalid, not a TypeError', async () => {
    const bad = Object.create(null) as string;
    await assert.rejects(store.get(bad), StoreInputInvalid);
    await assert.rejects(store.getByHash(bad), StoreInputInvalid);
    await assert.rejects(store.isRevoked(bad), StoreInputInvalid);
    await assert.rejects(store.consume(bad), StoreInputInvalid);
  });

  it('a prefix with braces is rejected', () => {
    assert.throws(() => new RedisTokenStore({ client, prefix: 'a{b}:' }), StoreInputInvalid);
  });

  it('connect to a port nobody listens on rejects with StorageError in time', async () => {
    const port = await freeRedisPort();
    const started = performance.now();
    await assert.rejects(RedisTokenStore.connect(`redis://127.0.0.1:${port}`, { operationTimeoutMs: 500 }), StorageError);
    assert.ok(performance.now() - started < 1500);
    await assert.rejects(RedisTokenStore.connect('http://127.0.0.1:6379'), StoreInputInvalid);
  });

  it('parses cluster URLs', () => {
    assert.deepEqual(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001'), {
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], tls: false,
    });
    assert.deepEqual(parseClusterUrl('rediss+cluster://app:p%40ss@[::1]:7000,h'), {
      nodes: [{ host: '::1', port: 7000 }, { host: 'h', port: 6379 }], tls: true, username: 'app', password: 'p@ss',
    });
    assert.throws(() => parseClusterUrl('redis+cluster://'), StoreInputInvalid);
    assert.throws(() => parseClusterUrl('redis+cluster://h:99999'), StoreInputInvalid);
  });

  it('importing the store module loads no driver', async () => {
    const script = [
      'import { createRequire } from "node:module";',
      'await import("./src/store/redis/redis.ts");',
      'const cache = Object.keys(createRequire(import.meta.url).cache);',
      'console.log(cache.filter((p) => p.includes("/node_modules/ioredis/")).length);',
    ].join('\n');
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd() });
    assert.equal(stdout.trim(), '0');
  });
});
