/** Conformance: consume. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenRecord } from '../types.js';
import { type ConformanceContext } from './context.js';

/** Registers the 'consume' conformance tests. */
export function consumeTests(ctx: ConformanceContext): void {
  const { T0, uid, make } = ctx;
  describe('consume', () => {
    it('the first consume wins; a second reports already_consumed with the first time', async () => {
      const record = make({ subject: uid('user'), kind: 'refresh', hash: uid('h') });
      await ctx.store.put(record);
      const first = await ctx.store.consume(record.hash as string, { now: T0 + 7 });
      assert.equal(first.consumed, true);
      assert.deepEqual(first.record, { ...record, consumedAt: T0 + 7 });
      assert.equal((await ctx.store.get(record.id))?.consumedAt, T0 + 7);
      const second = await ctx.store.consume(record.hash as string, { now: T0 + 8 });
      assert.deepEqual(second, { consumed: false, reason: 'already_consumed', consumedAt: T0 + 7, record: { ...record, consumedAt: T0 + 7 } });
      await ctx.store.revoke(record.id, 'family', { now: T0 + 9 });
      const third = await ctx.store.consume(record.hash as string);
      assert.equal(third.consumed === false && third.reason, 'already_consumed');
    });

    it('unknown, expired and revoked tokens are not consumed', async () => {
      assert.deepEqual(await ctx.store.consume(uid('nohash')), { consumed: false, reason: 'not_found' });
      const expired = make({ subject: uid('user'), hash: uid('h'), expiresAt: T0 - 1 });
      const revoked = make({ subject: uid('user'), hash: uid('h') });
      await ctx.store.put(expired);
      await ctx.store.put(revoked);
      await ctx.store.revoke(revoked.id, 'x', { now: T0 });
      const e = await ctx.store.consume(expired.hash as string);
      assert.equal(e.consumed === false && e.reason, 'expired');
      assert.equal(e.record?.id, expired.id);
      const r = await ctx.store.consume(revoked.hash as string);
      assert.equal(r.consumed === false && r.reason, 'revoked');
      assert.equal(r.record?.id, revoked.id);
      assert.equal((await ctx.store.get(expired.id))?.consumedAt, undefined);
      assert.equal((await ctx.store.get(revoked.id))?.consumedAt, undefined);
    });

    it('of 20 concurrent consumes exactly one wins', async () => {
      const record = make({ subject: uid('user'), hash: uid('h') });
      await ctx.store.put(record);
      const results = await Promise.all(Array.from({ length: 20 }, () => ctx.store.consume(record.hash as string)));
      const winners = results.filter((r) => r.consumed);
      assert.equal(winners.length, 1);
      const firstUse = (winners[0] as { record: TokenRecord }).record.consumedAt;
      for (const r of results) if (!r.consumed) assert.deepEqual([r.reason, r.reason === 'already_consumed' && r.consumedAt], ['already_consumed', firstUse]);
    });
  });
}
