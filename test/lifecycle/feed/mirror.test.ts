/**
 * The mirror on its own: ids and cutoffs, the staleness bound, expiry, and the memory budget
 * (1,000,000 ids in at most 100 MB, measured in a child process with a clean heap).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { RevocationMirror } from '../../../src/lifecycle/feed/index.js';

describe('RevocationMirror', () => {
  it('answers ids while current and unknown once older than maxStalenessMs', () => {
    let now = 1_800_000_000_000;
    const mirror = new RevocationMirror({ maxStalenessMs: 1000, now: () => now });
    assert.equal(mirror.isRevoked('a'), 'unknown');
    mirror.apply([{ type: 'id', id: 'a', expiresAt: now + 60_000 }]);
    mirror.current(now);
    assert.equal(mirror.isRevoked('a'), true);
    assert.equal(mirror.isRevoked('b'), false);
    now += 1000;
    assert.equal(mirror.isRevoked('b'), false);
    now += 1;
    assert.equal(mirror.isRevoked('b'), 'unknown');
    // A revocation already seen is one-way: still true from a stale mirror.
    assert.equal(mirror.isRevoked('a'), true);
    mirror.current(now - 5000);
    assert.equal(mirror.isRevoked('b'), 'unknown', 'confirmation never moves backwards');
  });

  it('subject and family cutoffs revoke what was issued at or before them, as one entry', () => {
    const now = 1_800_000_000_000;
    const mirror = new RevocationMirror({ now: () => now });
    mirror.apply([
      { type: 'subject', subject: 'alice', before: now - 10, expiresAt: now + 60_000 },
      { type: 'family', familyId: 'fam-1', before: now - 10, expiresAt: now + 60_000 },
    ]);
    mirror.current(now);
    assert.equal(mirror.size, 0);
    assert.equal(mirror.cutoffs, 2);
    assert.equal(mirror.isRevoked('t1', { subject: 'alice', issuedAt: now - 10 }), true);
    assert.equal(mirror.isRevoked('t2', { subject: 'alice', issuedAt: now - 9 }), false);
    assert.equal(mirror.isRevoked('t3', { subject: 'bob', issuedAt: now - 100 }), false);
    assert.equal(mirror.isRevoked('t4', { familyId: 'fam-1', issuedAt: now - 11 }), true);
    assert.equal(mirror.isRevoked('t5', { subject: 'alice' }), true, 'no issue time: err on revoked');
    assert.equal(mirror.isRevoked('t6'), false, 'no context: per-id entries only');
    // A later cutoff moves forward, never back.
    mirror.apply([{ type: 'subject', subject: 'alice', before: now - 100, expiresAt: now + 1 }]);
    assert.equal(mirror.isRevoked('t1', { subject: 'alice', issuedAt: now - 10 }), true);
  });

  it('forgets entries past expiry plus retention, and skips them on apply', () => {
    let now = 1_800_000_000_000;
    const mirror = new RevocationMirror({ retainAfterExpiryMs: 1000, now: () => now });
    mirror.apply([
      { type: 'id', id: 'soon', expiresAt: now + 500 },
      { type: 'id', id: 'later', expiresAt: now + 100_000 },
      { type: 'id', id: 'past', expiresAt: now - 2000 },
      { type: 'subject', subject: 's', before: now, expiresAt: now + 500 },
    ]);
    assert.equal(mirror.size, 2);
    now += 3000;
    assert.equal(mirror.prune(), 2);
    assert.equal(mirror.size, 1);
    assert.equal(mirror.cutoffs, 0);
    mirror.current(now);
    assert.equal(mirror.isRevoked('later'), true);
    assert.equal(mirror.isRevoked('soon'), false);
  });

  it('replace drops the old state (a full reload)', () => {
    const mirror = new RevocationMirror();
    mirror.apply([{ type: 'id', id: 'old', expiresAt: Date.now() + 60_000 }]);
    mirror.replace([{ type: 'id', id: 'new', expiresAt: Date.now() + 60_000 }]);
    mirror.current(Date.now());
    assert.deepEqual([mirror.isRevoked('old'), mirror.isRevoked('new')], [false, true]);
  });

  it('holds 1,000,000 revoked ids in at most 100 MB', () => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/lifecycle/feed/mirror-memory-budget.ts'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(child.status, 0, child.stderr);
    const { ids, bytes } = JSON.parse(child.stdout) as { ids: number; bytes: number };
    assert.equal(ids, 1_000_000);
    console.log(`mirror: 1,000,000 ids in ${(bytes / 1e6).toFixed(1)} MB (${Math.round(bytes / ids)} bytes per id)`);
    assert.ok(bytes <= 100e6, `${bytes} bytes`);
  });
});
