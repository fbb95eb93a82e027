/**
 * Redis outage: a private redis-server with appendonly (fsync always) is killed in the middle of
 * a write load. While it is down every call rejects with StorageError within the timeout and a
 * revoked token is never reported live; after a restart on the same port and directory the same
 * store instance serves again and every acknowledged write is there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../src/jose/errors.js';
import { RedisTokenStore } from '../../src/store/redis/redis.js';
import type { TokenRecord } from '../../src/store/types.js';
import { startRedis, type RedisServer } from '../support/servers/redis.js';

const TIMEOUT_MS = 800;
const HOUR = 3_600_000;

describe('Redis faults: server killed mid-run and restarted', { timeout: 60_000 }, () => {
  let server: RedisServer;
  let store: RedisTokenStore;
  const now = Date.now();
  let seq = 0;
  const make = (extra: Partial<TokenRecord> = {}): TokenRecord => {
    seq++;
    return { id: `f-${seq}`, hash: `fh-${seq}`, kind: 'refresh', subject: `user-${seq % 7}`, issuedAt: now + seq, expiresAt: now + HOUR, ...extra };
  };
  const acknowledged = new Map<string, TokenRecord>();
  const revokedIds: string[] = [];

  before(async () => {
    server = await startRedis({ appendonly: true });
    store = await RedisTokenStore.connect(server.url, { operationTimeoutMs: TIMEOUT_MS, sweepIntervalMs: 0 });
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });

  it('writes before the outage are acknowledged', async () => {
    for (let i = 0; i < 40; i++) {
      const record = make();
      await store.put(record);
      acknowledged.set(record.id, record);
    }
    for (const record of [...acknowledged.values()].slice(0, 10)) {
      const result = await store.revoke(record.id, 'before-outage', { now });
      assert.deepEqual(result, { revoked: true, revokedAt: now });
      acknowledged.set(record.id, { ...record, revokedAt: now, revokedReason: 'before-outage' });
      revokedIds.push(record.id);
    }
    const consumedRecord = [...acknowledged.values()][20] as TokenRecord;
    const consumed = await store.consume(consumedRecord.hash as string, { now });
    assert.equal(consumed.consumed, true);
    acknowledged.set(consumedRecord.id, { ...consumedRecord, consumedAt: now });
  });

  it('a hung server (SIGSTOP): calls reject with StorageError within the timeout, then recover', async () => {
    const revokedId = revokedIds[0] as string;
    server.freeze();
    try {
      for (const [name, call] of [
        ['isRevoked', () => store.isRevoked(revokedId)],
        ['get', () => store.get(revokedId)],
        ['consume', () => store.consume('fh-1')],
        ['put', () => store.put(make())],
      ] as Array<[string, () => Promise<unknown>]>) {
        const started = performance.now();
        await assert.rejects(call(), StorageError, name);
        const elapsed = performance.now() - started;
        assert.ok(elapsed >= TIMEOUT_MS - 50 && elapsed < TIMEOUT_MS + 400, `${name} took ${Math.round(elapsed)} ms`);
      }
    } finally {
      server.thaw();
    }
    assert.equal(await store.isRevoked(revokedId), true);
  });

  it('a kill during a write load loses no acknowledged write; calls fail with StorageError', async () => {
    let stop = false;
    const failures: unknown[] = [];
    // Four writers keep putting records until the server dies under them.
    const writers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const record = make();
        try {
          await store.put(record);
          acknowledged.set(record.id, record);
        } catch (err) {
          failures.push(err);
          if (failures.length > 40) return;
        }
      }
    });
    // Kill once the load is visibly under way (bounded wait on a busy machine).
    const before = acknowledged.size;
    const deadline = Date.now() + 5000;
    while (acknowledged.size < before + 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await server.kill();
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await Promise.all(writers);
    assert.ok(failures.length > 0, 'some writes were in flight or attempted during the outage');
    for (const err of failures) assert.ok(err instanceof StorageError, `expected StorageError, got ${String(err)}`);
  });

  it('while down: every call rejects with StorageError within the timeout; isRevoked never says false', async () => {
    const known = [...acknowledged.values()][30] as TokenRecord;
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['put', () => store.put(make())],
      ['get', () => store.get(known.id)],
      ['getByHash', () => store.getByHash(known.hash as string)],
      ['delete', () => store.delete(known.id)],
      ['list', () => store.list({ subject: known.subject })],
      ['count', () => store.count({})],
      ['revoke', () => store.revoke(known.id)],
      ['revokeWhere', () => store.revokeWhere({ subject: known.subject })],
      ['addSession', () => store.addSession(make(), 3, 'reject')],
      ['consume', () => store.consume(known.hash as string)],
      ['cleanup', () => store.cleanup()],
      ...revokedIds.map((id): [string, () => Promise<unknown>] => [`isRevoked(${id})`, () => store.isRevoked(id)]),
    ];
    for (const [name, call] of calls) {
      const started = performance.now();
      await assert.rejects(call(), (err: unknown) => {
        assert.ok(err instanceof StorageError, `${name}: expected StorageError, got ${String(err)}`);
        assert.equal(err.code, 'ERR_STORAGE');
        return true;
      }, name);
      const elapsed = performance.now() - started;
      assert.ok(elapsed < TIMEOUT_MS + 400, `${name} took ${Math.round(elapsed)} ms`);
    }
  });

  it('after a restart the same store serves again with every acknowledged write', async () => {
    await server.restart();
    const deadline = Date.now() + 15_000;
    let revived = false;
    while (!revived && Date.now() < deadline) {
      try {
        await store.get('probe');
        revived = true;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(revived, 'the store did not reconnect within 15 s');
    assert.ok(acknowledged.size >= 40 + 30, `only ${acknowledged.size} acknowledged writes`);
    for (const record of acknowledged.values()) {
      assert.deepEqual(await store.get(record.id), record);
      assert.deepEqual(await store.getByHash(record.hash as string), record);
    }
    for (const id of revokedIds) assert.equal(await store.isRevoked(id), true);
    const subjects = new Set([...acknowledged.values()].map((r) => r.subject));
    let listed = 0;
    for (const subject of subjects) listed += await store.count({ subject });
    assert.ok(listed >= acknowledged.size, `indexes lost records: ${listed} < ${acknowledged.size}`);
    // Writes work again too, including the scripts the restarted server no longer caches.
    const fresh = make();
    assert.deepEqual(await store.addSession(fresh, 100, 'reject'), { added: true, evicted: [] });
    assert.equal((await store.consume(fresh.hash as string)).consumed, true);
  });
});
