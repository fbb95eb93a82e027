/** Conformance: paging. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TokenRecord } from '../types.js';
import { compareRecords } from '../record-codec.js';
import { type ConformanceContext } from './context.js';

/** Registers the 'paging' conformance tests. */
export function pagingTests(ctx: ConformanceContext): void {
  const { P, T0, make, ids } = ctx;
  describe('paging', () => {
    const subject = `${P}-paging`;
    const all: TokenRecord[] = [];
    before(async () => {
      for (let i = 0; i < 25; i++) {
        // Five records share each issuedAt, so the id breaks ties; ids are inserted out of order.
        const record = make({ subject, id: `${P}-p-${String((i * 7) % 25).padStart(2, '0')}`, issuedAt: T0 - 1000 * (i % 5) });
        all.push(record);
        await ctx.store.put(record);
      }
      all.sort(compareRecords);
    });

    it('pages in issuedAt, id order with no duplicates or omissions', async () => {
      const seen: TokenRecord[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 10; guard++) {
        const page = await ctx.store.list({ subject }, { limit: 7, ...(cursor === undefined ? {} : { cursor }) });
        sizes.push(page.records.length);
        seen.push(...page.records);
        if (guard === 0) {
          // Keyset paging: a record inserted before the cursor neither repeats nor shifts later pages.
          await ctx.store.put(make({ subject: `${subject}`, id: `${P}-p-early`, issuedAt: T0 - 1_000_000 }));
        }
        cursor = page.nextCursor;
        if (cursor === undefined) break;
      }
      assert.deepEqual(sizes, [7, 7, 7, 4]);
      assert.deepEqual(seen, all);
      assert.equal(new Set(ids(seen)).size, 25);
      await ctx.store.delete(`${P}-p-early`);
    });

    it('the last full page has no nextCursor; default limit returns everything under 100', async () => {
      const sizes: number[] = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 10; guard++) {
        const page = await ctx.store.list({ subject }, { limit: 5, ...(cursor === undefined ? {} : { cursor }) });
        sizes.push(page.records.length);
        cursor = page.nextCursor;
        if (cursor === undefined) break;
      }
      assert.deepEqual(sizes, [5, 5, 5, 5, 5]);
      const whole = await ctx.store.list({ subject });
      assert.deepEqual(whole.records, all);
      assert.equal(whole.nextCursor, undefined);
      const exact = await ctx.store.list({ subject }, { limit: 25 });
      assert.equal(exact.records.length, 25);
      assert.equal(exact.nextCursor, undefined);
    });

    it('pages a filtered list (status) with the filter kept across pages', async () => {
      const revoked = [all[3], all[11], all[19]].map((r) => (r as TokenRecord).id);
      for (const id of revoked) await ctx.store.revoke(id, 'paging', { now: T0 });
      const first = await ctx.store.list({ subject, status: 'revoked' }, { limit: 2 });
      assert.deepEqual(ids(first.records), revoked.slice(0, 2));
      assert.ok(first.nextCursor !== undefined);
      const second = await ctx.store.list({ subject, status: 'revoked' }, { limit: 2, cursor: first.nextCursor });
      assert.deepEqual(ids(second.records), revoked.slice(2));
      assert.equal(second.nextCursor, undefined);
      assert.equal(await ctx.store.count({ subject, status: 'active' }), 22);
    });
  });
}
