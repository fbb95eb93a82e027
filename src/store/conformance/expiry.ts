/** Conformance: expiry. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConformanceContext } from './context.js';

/** Registers the 'expiry' conformance tests. */
export function expiryTests(ctx: ConformanceContext): void {
  const { T0, uid, make, ids } = ctx;
  describe('expiry', () => {
    it('an expired record is returned with its times but never counted as active', async () => {
      const subject = uid('user');
      const record = make({ subject, hash: uid('h'), expiresAt: T0 + 60_000 });
      await ctx.store.put(record);
      const later = { now: T0 + 120_000 };
      assert.deepEqual(await ctx.store.get(record.id, later), record);
      assert.deepEqual(await ctx.store.getByHash(record.hash as string, later), record);
      assert.deepEqual(ids((await ctx.store.list({ subject, status: 'active' }, {}, { now: T0 })).records), [record.id]);
      assert.deepEqual((await ctx.store.list({ subject, status: 'active' }, {}, later)).records, []);
      assert.deepEqual(ids((await ctx.store.list({ subject, status: 'expired' }, {}, later)).records), [record.id]);
      assert.equal(await ctx.store.count({ subject, status: 'expired' }, later), 1);
      assert.equal(await ctx.store.count({ subject, status: 'active' }, later), 0);
      assert.equal(await ctx.store.isRevoked(record.id, later), false);
    });

    it('a record already expired in real time is status expired by default', async () => {
      const subject = uid('user');
      const record = make({ subject, expiresAt: T0 - 1000 });
      await ctx.store.put(record);
      assert.equal(await ctx.store.count({ subject, status: 'expired' }), 1);
      assert.equal(await ctx.store.count({ subject, status: 'active' }), 0);
    });
  });
}
