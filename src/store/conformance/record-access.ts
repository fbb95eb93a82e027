/** Conformance: record access. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenRecord } from '../types.js';
import { HOUR, type ConformanceContext } from './context.js';

/** Registers the 'record access' conformance tests. */
export function recordAccessTests(ctx: ConformanceContext): void {
  const { T0, uid, make, rejectsWith, ids, retention, open, storeOptions } = ctx;
  describe('record access', () => {
    it('put/get round-trips every field exactly', async () => {
      const record: TokenRecord = {
        id: uid('full'), hash: uid('hash'), kind: 'refresh', subject: uid('user'), clientId: uid('client'),
        familyId: uid('fam'), parentId: uid('parent'), scope: ['read', 'write'], issuedAt: T0 - 5000,
        expiresAt: T0 + HOUR, device: { id: uid('dev'), userAgent: 'UA/1.0', platform: 'linux', ip: '127.0.0.1' },
        labels: { env: 'prod', region: 'eu' }, tags: ['a', 'b'], data: { nested: { n: 1, list: [true, null, 'x'] } },
      };
      await ctx.store.put(record);
      assert.deepEqual(await ctx.store.get(record.id), record);
      assert.deepEqual(await ctx.store.getByHash(record.hash as string), record);
      const copy = await ctx.store.get(record.id);
      (copy as TokenRecord).subject = 'mutated';
      assert.equal((await ctx.store.get(record.id))?.subject, record.subject, 'returned records are copies');
    });

    it('get/getByHash of unknown keys resolve undefined', async () => {
      assert.equal(await ctx.store.get(uid('missing')), undefined);
      assert.equal(await ctx.store.getByHash(uid('missing-hash')), undefined);
    });

    it('concurrent point reads each get their own answer, and see a revocation made before them', async () => {
      const subject = uid('user');
      const records = Array.from({ length: 40 }, (_, i) => make({ subject, hash: i % 4 === 3 ? undefined : uid('hash') }));
      for (const r of records) await ctx.store.put(r);
      for (const r of records.slice(0, 10)) await ctx.store.revoke(r.id, 'x');
      const expected = await Promise.all(records.map(async (r) => ctx.store.get(r.id)));
      // 200 reads at once, mixed kinds, some repeated, some unknown: backends may batch them.
      const reads = Array.from({ length: 200 }, (_, i) => {
        const r = records[(i * 7) % records.length] as TokenRecord;
        const want = expected[(i * 7) % records.length];
        switch (i % 5) {
          case 0: return ctx.store.get(r.id).then((got) => assert.deepEqual(got, want));
          case 1: return r.hash === undefined ? Promise.resolve()
            : ctx.store.getByHash(r.hash).then((got) => assert.deepEqual(got, want));
          case 2: return ctx.store.isRevoked(r.id).then((got) => assert.equal(got, want?.revokedAt !== undefined));
          case 3: return ctx.store.getByHash(uid('unknown-hash')).then((got) => assert.equal(got, undefined));
          default: return ctx.store.isRevoked(uid('unknown-id')).then((got) => assert.equal(got, false));
        }
      });
      await Promise.all(reads);
      // While a burst of reads is in flight, a revocation completes; every read issued after it sees it.
      const target = records[20] as TokenRecord;
      const burst = Array.from({ length: 50 }, () => ctx.store.isRevoked(target.id));
      await ctx.store.revoke(target.id, 'late');
      const after = await Promise.all([ctx.store.isRevoked(target.id), ctx.store.getByHash(target.hash as string), ctx.store.get(target.id)]);
      assert.equal(after[0], true);
      assert.equal(after[1]?.revokedReason, 'late');
      assert.equal(after[2]?.revokedReason, 'late');
      await Promise.all(burst);
    });

    it('revocation and consumption are one-way: put and addSession over a stored id keep them', async () => {
      const subject = uid('user');
      const revoked = make({ subject, hash: uid('h'), kind: 'refresh' });
      const consumed = make({ subject, hash: uid('h'), kind: 'refresh' });
      for (const r of [revoked, consumed]) await ctx.store.put(r);
      await ctx.store.revoke(revoked.id, 'stolen', { now: T0 + 3 });
      await ctx.store.consume(consumed.hash as string, { now: T0 + 4 });
      // A new version without the lifecycle fields (even under another subject) stays revoked / consumed.
      const moved = uid('user');
      await ctx.store.put({ ...revoked, subject: moved, labels: { v: '2' } });
      const again = await ctx.store.addSession({ ...consumed, subject: uid('user'), labels: { v: '2' } }, 10, 'reject');
      assert.equal(again.added, true);
      assert.equal(await ctx.store.isRevoked(revoked.id), true);
      const storedRevoked = await ctx.store.get(revoked.id);
      assert.deepEqual([storedRevoked?.subject, storedRevoked?.labels, storedRevoked?.revokedAt, storedRevoked?.revokedReason],
        [moved, { v: '2' }, T0 + 3, 'stolen']);
      assert.equal((await ctx.store.getByHash(consumed.hash as string))?.consumedAt, T0 + 4);
      const replay = await ctx.store.consume(consumed.hash as string) as { consumed: boolean; reason?: string; consumedAt?: number };
      assert.deepEqual([replay.consumed, replay.reason, replay.consumedAt], [false, 'already_consumed', T0 + 4]);
      // The first revocation stays, whatever a later version claims.
      await ctx.store.put({ ...revoked, subject: moved, revokedAt: T0 + 9, revokedReason: 'other' });
      assert.deepEqual([(await ctx.store.get(revoked.id))?.revokedAt, (await ctx.store.get(revoked.id))?.revokedReason], [T0 + 3, 'stolen']);
      // A version that brings its own revocation to a live record is stored as given.
      const live = make({ subject, hash: uid('h') });
      await ctx.store.put(live);
      await ctx.store.put({ ...live, revokedAt: T0 + 6, revokedReason: 'given' });
      assert.equal((await ctx.store.get(live.id))?.revokedReason, 'given');
    });

    it('put replaces by id, and a replaced hash is no longer found', async () => {
      const subject = uid('user');
      const first = make({ subject, hash: uid('h1') });
      await ctx.store.put(first);
      const second = { ...first, hash: uid('h2'), labels: { v: '2' } };
      await ctx.store.put(second);
      assert.deepEqual(await ctx.store.get(first.id), second);
      assert.equal(await ctx.store.getByHash(first.hash as string), undefined);
      assert.deepEqual(await ctx.store.getByHash(second.hash), second);
      assert.equal(await ctx.store.count({ subject }), 1);
    });

    it('delete removes the record and its hash; a second delete resolves false', async () => {
      const record = make({ subject: uid('user'), hash: uid('h') });
      await ctx.store.put(record);
      assert.equal(await ctx.store.delete(record.id), true);
      assert.equal(await ctx.store.get(record.id), undefined);
      assert.equal(await ctx.store.getByHash(record.hash as string), undefined);
      assert.equal(await ctx.store.delete(record.id), false);
    });

    it('a second record with the same hash is rejected with ERR_STORE_CONFLICT', async () => {
      const hash = uid('dup');
      const first = make({ subject: uid('user'), hash });
      await ctx.store.put(first);
      await rejectsWith(ctx.store.put(make({ subject: uid('user'), hash })), 'ERR_STORE_CONFLICT');
      assert.deepEqual(await ctx.store.getByHash(hash), first);
      await ctx.store.put({ ...first, tags: ['again'] });
      assert.deepEqual((await ctx.store.getByHash(hash))?.tags, ['again']);
    });

    it('a hash held by a record past expiry plus retention is handed over by put and addSession', async () => {
      const gone = { issuedAt: T0 - retention - 120_000, expiresAt: T0 - retention - 60_000 };
      for (const viaSession of [false, true]) {
        const hash = uid('h');
        const old = make({ subject: uid('user'), hash, ...gone });
        await ctx.store.put(old);
        const fresh = make({ subject: uid('user'), hash });
        if (viaSession) assert.deepEqual(await ctx.store.addSession(fresh, 5, 'reject'), { added: true, evicted: [] });
        else await ctx.store.put(fresh);
        assert.deepEqual(await ctx.store.getByHash(hash), fresh);
        assert.equal(await ctx.store.get(old.id), undefined);
      }
      // Backends that hand over without deleting keep the old records until a sweep; sweep now,
      // so the cleanup tests count only their own.
      await ctx.store.cleanup();
    });

    it('malformed records and arguments are rejected with ERR_STORE_INVALID_INPUT', async () => {
      const subject = uid('user');
      await rejectsWith(ctx.store.put(make({ subject, id: '' })), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.put(make({ subject, expiresAt: Number.NaN })), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.put({ ...make({ subject }), subject: 42 as unknown as string }), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.put(make({ subject, data: { big: 1n } })), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.list({ subject }, { limit: 0 }), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.list({ subject }, { cursor: 'not a cursor!' }), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.list({ subject, status: 'bogus' as 'active' }), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.addSession(make({ subject }), 0, 'reject'), 'ERR_STORE_INVALID_INPUT');
      assert.equal(await ctx.store.count({ subject }), 0);
    });

    it('times are whole milliseconds: fractional record times are refused, a fractional now is floored', async () => {
      const subject = uid('user');
      await rejectsWith(ctx.store.put(make({ subject, issuedAt: T0 + 0.5 })), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.put(make({ subject, expiresAt: T0 + HOUR + 0.25 })), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.put(make({ subject, revokedAt: 2 ** 53 })), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.addSession(make({ subject, kind: 'refresh', expiresAt: 1.5 }), 3, 'reject'), 'ERR_STORE_INVALID_INPUT');
      const record = make({ subject, hash: uid('h'), expiresAt: T0 + 1000 });
      await ctx.store.put(record);
      // now = expiresAt - 0.5 floors to expiresAt - 1: still live, exactly as unfloored.
      assert.equal(await ctx.store.count({ subject, status: 'active' }, { now: T0 + 999.5 }), 1);
      assert.equal(await ctx.store.count({ subject, status: 'active' }, { now: T0 + 1000.5 }), 0);
      assert.deepEqual(await ctx.store.revoke(record.id, 'x', { now: T0 + 5.9 }), { revoked: true, revokedAt: T0 + 5 });
      assert.equal((await ctx.store.get(record.id))?.revokedAt, T0 + 5);
      const other = make({ subject, hash: uid('h') });
      await ctx.store.put(other);
      const consumed = await ctx.store.consume(other.hash as string, { now: T0 + 7.2 });
      assert.equal(consumed.consumed && consumed.record.consumedAt, T0 + 7);
      assert.equal(await ctx.store.count({ subject }), 2);
    });

    it('a null page lists like no page; a bad cleanup time or store option is ERR_STORE_INVALID_INPUT', async () => {
      const subject = uid('user');
      const record = make({ subject });
      await ctx.store.put(record);
      const page = await ctx.store.list({ subject }, null as unknown as undefined);
      assert.deepEqual(ids(page.records), [record.id]);
      await rejectsWith(ctx.store.cleanup('x' as unknown as number), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.cleanup(Number.NaN), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(open({ revocationRetentionMs: -1 }), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(open({ ...storeOptions, operationTimeoutMs: 0 }), 'ERR_STORE_INVALID_INPUT');
      assert.deepEqual(await ctx.store.get(record.id), record);
    });
  });
}
