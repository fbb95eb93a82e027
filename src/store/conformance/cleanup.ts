/** Conformance: cleanup. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConformanceContext } from './context.js';

/** Registers the 'cleanup' conformance tests. */
export function cleanupTests(ctx: ConformanceContext): void {
  const { T0, uid, make, ids, retention, options } = ctx;
  describe('cleanup', () => {
    it('removes only records past expiresAt + retention', async () => {
      const subject = uid('user');
      const ancient = make({ subject, expiresAt: T0 - retention - 60_000 });
      const ancientRevoked = make({ subject, hash: uid('h'), expiresAt: T0 - retention - 30_000 });
      const recent = make({ subject, expiresAt: T0 - 1000 });
      const recentRevoked = make({ subject, expiresAt: T0 - 1000 });
      const live = make({ subject });
      for (const r of [ancient, ancientRevoked, recent, recentRevoked, live]) await ctx.store.put(r);
      await ctx.store.revoke(ancientRevoked.id, 'x', { now: T0 - retention - 40_000 });
      await ctx.store.revoke(recentRevoked.id, 'x', { now: T0 - 2000 });
      const removed = await ctx.store.cleanup();
      if (options.exclusive) assert.equal(removed, 2);
      else assert.ok(Number.isInteger(removed) && removed >= 0);
      assert.equal(await ctx.store.get(ancient.id), undefined);
      assert.equal(await ctx.store.get(ancientRevoked.id), undefined);
      assert.equal(await ctx.store.getByHash(ancientRevoked.hash as string), undefined);
      assert.deepEqual(await ctx.store.get(recent.id), recent);
      assert.equal(await ctx.store.isRevoked(recentRevoked.id), true);
      assert.deepEqual(await ctx.store.get(live.id), live);
      assert.deepEqual(ids((await ctx.store.list({ subject })).records).sort(), [recent.id, recentRevoked.id, live.id].sort());
    });

    it('cleanup(now) uses the given time', async () => {
      const subject = uid('user');
      const record = make({ subject, expiresAt: T0 - retention + 60_000 });
      await ctx.store.put(record);
      assert.deepEqual(await ctx.store.get(record.id), record);
      await ctx.store.cleanup(T0);
      assert.deepEqual(await ctx.store.get(record.id), record, 'within retention at T0');
      if (options.exclusive) {
        assert.equal(await ctx.store.cleanup(T0 + 120_000), 1);
        assert.equal(await ctx.store.get(record.id), undefined);
      }
    });
  });
}
