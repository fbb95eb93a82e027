/**
 * SQLite's feed: another process revokes through its own store on the same file, this process's
 * mirror refuses; cutoffs from revokeWhere; and the position cursor's handling of holes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PositionCursor, RevocationFeed, SqliteRevocationSource } from '../../../src/lifecycle/feed/index.js';
import { SqliteTokenStore } from '../../../src/store/index.js';
import { propagation } from './propagation.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-feed-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const HOUR = 3_600_000;

describe('sqlite revocation feed', () => {
  it('another process revokes: this one refuses', async () => {
    const path = join(dir, 'two.db');
    const store = await SqliteTokenStore.open(path, { sweepIntervalMs: 0 });
    await store.close();
    const result = await propagation(`sqlite:${path}`, 'x', new SqliteRevocationSource(path), 300);
    console.log(`sqlite propagation: ${JSON.stringify(result)}`);
    assert.equal(result.missing, 0);
  });

  it('revokeWhere by subject writes one cutoff entry; evictions and records written revoked are logged', async () => {
    const path = join(dir, 'cut.db');
    const store = await SqliteTokenStore.open(path, { sweepIntervalMs: 0 });
    const feed = await RevocationFeed.start(new SqliteRevocationSource(path));
    const rec = (id: string, subject: string, extra = {}) => ({ id, kind: 'access', subject, issuedAt: Date.now() - 1000, expiresAt: Date.now() + HOUR, ...extra });
    try {
      await store.put(rec('a1', 'ann'));
      await store.put(rec('a2', 'ann', { kind: 'refresh' }));
      assert.equal(await store.revokeWhere({ subject: 'ann', kind: 'refresh' }), 1);
      await feed.waitCurrent();
      assert.deepEqual([feed.isRevoked('a1'), feed.isRevoked('a2'), feed.mirror.cutoffs], [false, true, 0]);
      assert.equal(await store.revokeWhere({ subject: 'ann' }), 1);
      await store.put(rec('r1', 'x', { revokedAt: Date.now() }));
      await store.addSession(rec('s1', 'lim'), 1, 'evict-oldest');
      await store.addSession(rec('s2', 'lim'), 1, 'evict-oldest');
      await feed.waitCurrent();
      assert.deepEqual([feed.isRevoked('a1'), feed.mirror.cutoffs, feed.isRevoked('r1'), feed.isRevoked('s1'), feed.isRevoked('s2')], [true, 1, true, true, false]);
      assert.equal(feed.isRevoked('stateless', { subject: 'ann', issuedAt: Date.now() - 5000 }), true);
    } finally {
      await feed.close();
      await store.close();
    }
  });
});

describe('PositionCursor', () => {
  const e = (position: number) => ({ position, entry: { type: 'id' as const, id: `p${position}`, expiresAt: 1 } });
  it('does not settle past a hole until it fills or times out', () => {
    let now = 0;
    const cursor = new PositionCursor(0, 1000, () => now);
    assert.deepEqual(cursor.accept([e(1), e(2), e(4)]).map((x) => x.type === 'id' && x.id), ['p1', 'p2', 'p4']);
    assert.equal(cursor.settled, 2);
    // Re-read from 2: 4 is not applied twice; 3 arrives (a late commit).
    assert.deepEqual(cursor.accept([e(3), e(4), e(5)]).map((x) => x.type === 'id' && x.id), ['p3', 'p5']);
    assert.equal(cursor.settled, 5);
    // 6 never comes (a rollback): waited for, then passed.
    cursor.accept([e(7)]);
    assert.equal(cursor.settled, 5);
    now = 999;
    cursor.accept([e(7)]);
    assert.equal(cursor.settled, 5);
    now = 1000;
    assert.deepEqual(cursor.accept([e(7)]), []);
    assert.equal(cursor.settled, 7);
  });
});
