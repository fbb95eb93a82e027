/** Conformance: bad input is stored and found exactly. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenRecord } from '../types.js';
import { BAD_INPUT_STRINGS, COLLATION_TRAPS } from '../conformance-strings.js';
import { HOUR, type ConformanceContext } from './context.js';

/** Registers the 'bad input is stored and found exactly' conformance tests. */
export function badInputTests(ctx: ConformanceContext): void {
  const { P, T0, uid, make, rejectsWith, ids } = ctx;
  describe('bad input is stored and found exactly', () => {
    BAD_INPUT_STRINGS.forEach(([title, s], i) => {
      it(`${title}`, async () => {
        const record: TokenRecord = {
          id: `${P}-bad-${i}-${s}`, hash: `${P}-hash-${i}-${s}`, kind: 'opaque', subject: `${P}-sub-${i}-${s}`,
          clientId: `${P}-cl-${i}-${s}`, familyId: `${P}-fam-${i}-${s}`, issuedAt: T0, expiresAt: T0 + HOUR,
          labels: { [s]: s, plain: s }, tags: [s, `${P}-tag-${i}`], device: { id: `${P}-dev-${i}-${s}`, userAgent: s },
          data: { s },
        };
        await ctx.store.put(record);
        assert.deepEqual(await ctx.store.get(record.id), record);
        assert.deepEqual(await ctx.store.getByHash(record.hash as string), record);
        assert.deepEqual((await ctx.store.list({ subject: record.subject })).records, [record]);
        assert.deepEqual((await ctx.store.list({ subject: record.subject, labels: { [s]: s } })).records, [record]);
        assert.deepEqual((await ctx.store.list({ clientId: record.clientId as string })).records, [record]);
        assert.deepEqual((await ctx.store.list({ familyId: record.familyId as string })).records, [record]);
        assert.deepEqual((await ctx.store.list({ deviceId: (record.device as { id: string }).id })).records, [record]);
        assert.equal(await ctx.store.count({ tags: [s, `${P}-tag-${i}`] }), 1);
        assert.equal(await ctx.store.count({ subject: record.subject, labels: { plain: `${s}x` } }), 0);
        assert.equal((await ctx.store.revoke(record.id, s, { now: T0 })).revoked, true);
        assert.equal(await ctx.store.isRevoked(record.id), true);
        assert.equal((await ctx.store.get(record.id))?.revokedReason, s);
        const consumed = await ctx.store.consume(record.hash as string);
        assert.equal(consumed.consumed === false && consumed.reason, 'revoked');
        assert.equal(await ctx.store.delete(record.id), true);
        assert.equal(await ctx.store.get(record.id), undefined);
      });
    });

    it('wildcards and collation neighbours match only themselves', async () => {
      const base = `${P}-wild`;
      const subjects = [`${base}-a`, `${base}-*`, `${base}-%`, `${base}-_`, `${base}-?`, `${base}-[a]`];
      for (const subject of subjects) await ctx.store.put(make({ subject, id: `${subject}#id`, hash: `${subject}#h` }));
      for (const subject of subjects) {
        assert.deepEqual(ids((await ctx.store.list({ subject })).records), [`${subject}#id`]);
        assert.equal((await ctx.store.getByHash(`${subject}#h`))?.subject, subject);
      }
      assert.equal(await ctx.store.get(`${base}-*#id`.replace('*', 'a')).then((r) => r?.subject), `${base}-a`);
      assert.equal(await ctx.store.get(`${base}-%`), undefined);
      for (const [x, y] of COLLATION_TRAPS) {
        const sx = `${P}-col-${x}`;
        const sy = `${P}-col-${y}`;
        await ctx.store.put(make({ subject: sx, id: `${sx}#id`, hash: `${sx}#h` }));
        await ctx.store.put(make({ subject: sy, id: `${sy}#id`, hash: `${sy}#h` }));
        assert.deepEqual(ids((await ctx.store.list({ subject: sx })).records), [`${sx}#id`]);
        assert.deepEqual(ids((await ctx.store.list({ subject: sy })).records), [`${sy}#id`]);
        assert.equal((await ctx.store.get(`${sx}#id`))?.subject, sx);
        assert.equal((await ctx.store.getByHash(`${sy}#h`))?.subject, sy);
      }
    });

    it('lone surrogates are rejected rather than stored inexactly', async () => {
      await rejectsWith(ctx.store.put(make({ subject: `${P}-\ud800` })), 'ERR_STORE_INVALID_INPUT');
    });

    it('a lookup with a lone surrogate finds nothing, not the U+FFFD record it would encode to', async () => {
      const record = make({ subject: uid('user'), id: `${P}-tok\ufffd`, hash: `${P}-hash\ufffd` });
      await ctx.store.put(record);
      for (const lone of ['\ud800', '\udfff']) {
        const id = `${P}-tok${lone}`;
        const hash = `${P}-hash${lone}`;
        assert.equal(await ctx.store.get(id), undefined);
        assert.equal(await ctx.store.getByHash(hash), undefined);
        assert.equal(await ctx.store.isRevoked(id), false);
        assert.deepEqual(await ctx.store.revoke(id, 'x'), { revoked: false, reason: 'not_found' });
        assert.deepEqual(await ctx.store.consume(hash), { consumed: false, reason: 'not_found' });
        assert.equal(await ctx.store.delete(id), false);
      }
      assert.deepEqual(await ctx.store.get(record.id), record);
      assert.equal(await ctx.store.isRevoked(record.id), false);
      await rejectsWith(ctx.store.get(42 as unknown as string), 'ERR_STORE_INVALID_INPUT');
      await rejectsWith(ctx.store.revoke(null as unknown as string), 'ERR_STORE_INVALID_INPUT');
    });
  });
}
