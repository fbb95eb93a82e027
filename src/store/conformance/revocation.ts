/** Conformance: revocation. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenRecord } from '../types.js';
import { type ConformanceContext } from './context.js';

/** Registers the 'revocation' conformance tests. */
export function revocationTests(ctx: ConformanceContext): void {
  const { T0, uid, make, retention } = ctx;
  describe('revocation', () => {
    it('revoke sets revokedAt/revokedReason; a second revoke reports already_revoked', async () => {
      const record = make({ subject: uid('user') });
      await ctx.store.put(record);
      assert.deepEqual(await ctx.store.revoke(record.id, 'logout', { now: T0 + 5 }), { revoked: true, revokedAt: T0 + 5 });
      const stored = await ctx.store.get(record.id);
      assert.equal(stored?.revokedAt, T0 + 5);
      assert.equal(stored?.revokedReason, 'logout');
      assert.deepEqual(await ctx.store.revoke(record.id, 'again', { now: T0 + 9 }), { revoked: false, reason: 'already_revoked', revokedAt: T0 + 5 });
      assert.equal((await ctx.store.get(record.id))?.revokedReason, 'logout');
      assert.deepEqual(await ctx.store.revoke(uid('missing')), { revoked: false, reason: 'not_found' });
    });

    it('isRevoked: unknown false, live false, revoked true, revoked and expired within retention true', async () => {
      const subject = uid('user');
      const live = make({ subject });
      const revoked = make({ subject });
      const shortLived = make({ subject, expiresAt: T0 + 1000 });
      const pastExpiry = make({ subject, expiresAt: T0 - 1000 });
      for (const r of [live, revoked, shortLived, pastExpiry]) await ctx.store.put(r);
      await ctx.store.revoke(revoked.id, 'x');
      await ctx.store.revoke(shortLived.id, 'x', { now: T0 });
      await ctx.store.revoke(pastExpiry.id, 'x', { now: T0 - 2000 });
      assert.equal(await ctx.store.isRevoked(uid('unknown')), false);
      assert.equal(await ctx.store.isRevoked(live.id), false);
      assert.equal(await ctx.store.isRevoked(revoked.id), true);
      assert.equal(await ctx.store.isRevoked(shortLived.id, { now: T0 + 1000 + retention / 2 }), true);
      assert.equal(await ctx.store.isRevoked(pastExpiry.id), true);
    });

    it('revokeWhere by subject revokes every not-yet-revoked record of that subject only', async () => {
      const subject = uid('user');
      const bystander = make({ subject: uid('user') });
      const mine = [make({ subject }), make({ subject, kind: 'refresh' }), make({ subject, hash: uid('h') })];
      const already = make({ subject });
      for (const r of [...mine, already, bystander]) await ctx.store.put(r);
      await ctx.store.revoke(already.id, 'earlier', { now: T0 });
      assert.equal(await ctx.store.revokeWhere({ subject }, 'password_change', { now: T0 + 1 }), 3);
      for (const r of mine) {
        const got = await ctx.store.get(r.id);
        assert.equal(got?.revokedAt, T0 + 1);
        assert.equal(got?.revokedReason, 'password_change');
      }
      assert.equal((await ctx.store.get(already.id))?.revokedReason, 'earlier');
      assert.equal(await ctx.store.isRevoked(bystander.id), false);
      assert.equal(await ctx.store.revokeWhere({ subject }, 'again'), 0);
      assert.equal(await ctx.store.count({ subject, status: 'revoked' }), 4);
    });

    it('revokeWhere by family revokes the chain across subjects', async () => {
      const familyId = uid('fam');
      const chain = [make({ subject: uid('user'), familyId }), make({ subject: uid('user'), familyId, kind: 'refresh' })];
      const outside = make({ subject: (chain[0] as TokenRecord).subject });
      for (const r of [...chain, outside]) await ctx.store.put(r);
      assert.equal(await ctx.store.revokeWhere({ familyId }, 'refresh_reuse'), 2);
      for (const r of chain) assert.equal(await ctx.store.isRevoked(r.id), true);
      assert.equal(await ctx.store.isRevoked(outside.id), false);
    });

    it('revokeWhere honours the other filter fields', async () => {
      const subject = uid('user');
      const keep = make({ subject, kind: 'access', tags: ['keep'] });
      const drop = make({ subject, kind: 'refresh', tags: ['drop'] });
      await ctx.store.put(keep);
      await ctx.store.put(drop);
      assert.equal(await ctx.store.revokeWhere({ subject, tags: ['drop'] }), 1);
      assert.equal(await ctx.store.isRevoked(drop.id), true);
      assert.equal(await ctx.store.isRevoked(keep.id), false);
    });
  });
}
