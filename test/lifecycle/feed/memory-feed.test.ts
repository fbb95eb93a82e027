/**
 * The memory backend's direct feed and the mirrored store wrapper: revocations (single, by
 * filter, session eviction, a record written revoked) reach the mirror at once; a stale mirror
 * answers by the store round trip, or refuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError } from '../../../src/jose/errors.js';
import { MemoryRevocationSource, RevocationFeed, RevocationMirror, withRevocationMirror } from '../../../src/lifecycle/feed/index.js';
import { MemoryTokenStore } from '../../../src/store/index.js';

const HOUR = 3_600_000;
const rec = (id: string, subject = 'alice', extra: Record<string, unknown> = {}) => ({
  id, kind: 'access', subject, issuedAt: Date.now() - 1000, expiresAt: Date.now() + HOUR, ...extra,
});

describe('memory revocation feed', () => {
  it('mirrors revoke, revokeWhere (with one cutoff), evictions and records written revoked', async () => {
    const store = new MemoryTokenStore();
    await store.put(rec('before-start'));
    await store.revoke('before-start');
    const feed = await RevocationFeed.start(new MemoryRevocationSource(store));
    try {
      assert.equal(feed.isRevoked('before-start'), true, 'initial load');
      await store.put(rec('t1'));
      assert.equal(feed.isRevoked('t1'), false);
      await store.revoke('t1');
      assert.equal(feed.isRevoked('t1'), true);

      await store.put(rec('b1', 'bob', { familyId: 'f' }));
      await store.put(rec('b2', 'bob', { familyId: 'f' }));
      assert.equal(await store.revokeWhere({ subject: 'bob' }), 2);
      assert.deepEqual([feed.isRevoked('b1'), feed.isRevoked('b2')], [true, true]);
      assert.equal(feed.mirror.cutoffs, 1);
      // A stateless token of bob's the store never saw is covered by the cutoff.
      assert.equal(feed.isRevoked('never-stored', { subject: 'bob', issuedAt: Date.now() - 5000 }), true);

      await store.put(rec('c1', 'carol', { kind: 'refresh' }));
      await store.revokeWhere({ subject: 'carol', kind: 'refresh' });
      assert.equal(feed.isRevoked('c1'), true);
      assert.equal(feed.mirror.cutoffs, 1, 'a partial filter is no cutoff');

      await store.addSession(rec('s1', 'dave'), 1, 'evict-oldest');
      await store.addSession(rec('s2', 'dave'), 1, 'evict-oldest');
      assert.deepEqual([feed.isRevoked('s1'), feed.isRevoked('s2')], [true, false]);

      await store.put(rec('born-revoked', 'erin', { revokedAt: Date.now() }));
      assert.equal(feed.isRevoked('born-revoked'), true);
    } finally {
      await feed.close();
    }
  });

  it('the wrapped store answers from the mirror, and by round trip or refusal when stale', async () => {
    const store = new MemoryTokenStore();
    await store.put(rec('x'));
    await store.revoke('x');
    let now = Date.now();
    const mirror = new RevocationMirror({ maxStalenessMs: 100, now: () => now });
    mirror.replace(store.revokedEntries());
    mirror.current(now);
    const answers: string[] = [];
    const wrapped = withRevocationMirror(store, mirror, { onAnswer: (a) => answers.push(a) });
    assert.equal(await wrapped.isRevoked('x'), true);
    assert.equal(await wrapped.isRevoked('y'), false);
    // A revocation the mirror has not seen, then the bound passes: the store answers.
    await store.put(rec('y'));
    await store.revoke('y');
    now += 101;
    assert.equal(await wrapped.isRevoked('y'), true);
    assert.deepEqual(answers, ['mirror', 'mirror', 'store']);
    const refusing = withRevocationMirror(store, mirror, { whenStale: 'refuse' });
    await assert.rejects(refusing.isRevoked('y'), (err: unknown) => err instanceof StorageError && err.code === 'ERR_STORAGE');
    assert.equal(await refusing.isRevoked('x'), true, 'known revocations need no confirmation');
    assert.equal(wrapped.backend, 'memory');
    assert.equal((await wrapped.get('y'))?.id, 'y');
  });
});
