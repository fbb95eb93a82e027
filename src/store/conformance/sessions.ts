/** Conformance: sessions. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenRecord } from '../types.js';
import { type ConformanceContext } from './context.js';

/** Registers the 'sessions' conformance tests. */
export function sessionTests(ctx: ConformanceContext): void {
  const { T0, uid, make, ids, open } = ctx;
  describe('sessions', () => {
    it('reject: at max live sessions nothing is inserted; expired, revoked and other kinds do not count', async () => {
      const subject = uid('user');
      await ctx.store.put(make({ subject, kind: 'session', expiresAt: T0 - 1 }));
      const revoked = make({ subject, kind: 'session' });
      await ctx.store.put(revoked);
      await ctx.store.revoke(revoked.id);
      await ctx.store.put(make({ subject, kind: 'other' }));
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(await ctx.store.addSession(make({ subject, kind: 'session' }), 3, 'reject'), { added: true, evicted: [] });
      }
      const extra = make({ subject, kind: 'session' });
      assert.deepEqual(await ctx.store.addSession(extra, 3, 'reject'), { added: false, reason: 'max_sessions_exceeded', live: 3 });
      assert.equal(await ctx.store.get(extra.id), undefined);
      assert.equal(await ctx.store.count({ subject, kind: 'session', status: 'active' }), 3);
    });

    it('evict-oldest revokes the oldest live sessions (reason session_limit) and reports them', async () => {
      const subject = uid('user');
      const sessions = [3, 2, 1].map((age) => make({ subject, kind: 'session', issuedAt: T0 - age * 1000 }));
      for (const s of sessions) assert.deepEqual(await ctx.store.addSession(s, 3, 'evict-oldest'), { added: true, evicted: [] });
      const fourth = make({ subject, kind: 'session', issuedAt: T0 });
      assert.deepEqual(await ctx.store.addSession(fourth, 3, 'evict-oldest', { now: T0 + 1 }), { added: true, evicted: [(sessions[0] as TokenRecord).id] });
      const evicted = await ctx.store.get((sessions[0] as TokenRecord).id);
      assert.equal(evicted?.revokedReason, 'session_limit');
      assert.equal(evicted?.revokedAt, T0 + 1);
      assert.deepEqual(await ctx.store.get(fourth.id), fourth);
      assert.equal(await ctx.store.count({ subject, kind: 'session', status: 'active' }), 3);
      const fifth = make({ subject, kind: 'session', issuedAt: T0 + 10 });
      const result = await ctx.store.addSession(fifth, 2, 'evict-oldest');
      assert.deepEqual(result, { added: true, evicted: [(sessions[1] as TokenRecord).id, (sessions[2] as TokenRecord).id] });
      assert.deepEqual(ids((await ctx.store.list({ subject, kind: 'session', status: 'active' })).records), [fourth.id, fifth.id]);
    });

    it('counts sessions at options.now', async () => {
      const subject = uid('user');
      assert.equal((await ctx.store.addSession(make({ subject, kind: 'session', expiresAt: T0 + 1000 }), 1, 'reject', { now: T0 })).added, true);
      assert.equal((await ctx.store.addSession(make({ subject, kind: 'session' }), 1, 'reject', { now: T0 + 500 })).added, false);
      assert.equal((await ctx.store.addSession(make({ subject, kind: 'session' }), 1, 'reject', { now: T0 + 2000 })).added, true);
    });

    it('a rejected addSession over an existing id leaves the stored record exactly as it was', async () => {
      // Short retention: a write's key expiry (expiresAt + retention) of an expired record is past.
      const own = await open({ revocationRetentionMs: 1000 });
      try {
        const subject = uid('user');
        const other = uid('user');
        const first = make({ subject, kind: 'session', hash: uid('h') });
        await own.put(first);
        await own.put(make({ subject, kind: 'session' }));
        await own.put(make({ subject: other, kind: 'session' }));
        await own.revoke(first.id, 'logout', { now: T0 });
        const stored = { ...first, revokedAt: T0, revokedReason: 'logout' };
        assert.deepEqual(await own.get(first.id), stored);
        const expired = Date.now() - 5000;
        const changed = { ...first, hash: uid('h'), familyId: uid('fam'), issuedAt: first.issuedAt - 5, expiresAt: expired };
        for (const attempt of [{ ...first, expiresAt: expired }, changed, { ...first, subject: other, expiresAt: expired }]) {
          const result = await own.addSession(attempt, 1, 'reject');
          assert.equal(result.added, false, `rejected (${attempt.subject === subject ? 'same' : 'other'} subject)`);
          assert.equal(await own.isRevoked(first.id), true);
          assert.deepEqual(await own.get(first.id), stored);
          assert.deepEqual(await own.getByHash(first.hash as string), stored);
          assert.deepEqual(ids((await own.list({ subject, status: 'revoked' })).records), [first.id]);
          assert.equal(await own.count({ subject: other }), 1);
          assert.equal(await own.getByHash(changed.hash), undefined);
          assert.equal(await own.count({ familyId: changed.familyId }), 0);
        }
      } finally {
        await own.close();
      }
    });
  });
}
