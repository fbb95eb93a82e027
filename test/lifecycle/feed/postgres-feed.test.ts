/**
 * PostgreSQL's feed against the real server: two processes (the other revokes, this one's
 * mirror refuses), revokeWhere cutoffs, a transaction that takes a log position early and commits
 * late is not skipped, the connection dropped while 1,000 tokens are revoked, and the store's own
 * suites still pass (run test/store/postgres for those).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresRevocationSource, RevocationFeed, withRevocationMirror } from '../../../src/lifecycle/feed/index.js';
import { PostgresTokenStore } from '../../../src/store/index.js';
import { testServerUrl } from '../../support/server-url.js';
import { measurePropagation, propagation, spawnRevoker, TimedMirror } from './propagation.js';

const url = testServerUrl('postgres', 'the PostgreSQL revocation feed needs a server');
const PREFIX = 'feed_';
const HOUR = 3_600_000;

if (url !== undefined) {
  describe('postgres revocation feed', () => {
    let store: PostgresTokenStore;
    before(async () => { store = await PostgresTokenStore.connect(url, { tablePrefix: PREFIX, sweepIntervalMs: 0 }); });
    after(async () => { await store?.close(); });
    const rec = (id: string, subject: string, extra = {}) => ({ id, kind: 'access', subject, issuedAt: Date.now() - 1000, expiresAt: Date.now() + HOUR, ...extra });

    it('another process revokes: this one refuses, p50/p99 measured', async () => {
      const result = await propagation(url, PREFIX, new PostgresRevocationSource(url, { tablePrefix: PREFIX }), Number(process.env.FEED_TEST_COUNT ?? 1000));
      console.log(`postgres propagation: ${JSON.stringify(result)}`);
      assert.equal(result.missing, 0);
    });

    it('revokeWhere by subject is one cutoff entry; by kind only per-id entries', async () => {
      const feed = await RevocationFeed.start(new PostgresRevocationSource(url, { tablePrefix: PREFIX }));
      try {
        await store.put(rec('pw-1', 'pw-user'));
        await store.put(rec('pw-2', 'pw-user', { kind: 'refresh' }));
        const cutoffsBefore = feed.mirror.cutoffs;
        assert.equal(await store.revokeWhere({ subject: 'pw-user', kind: 'refresh' }), 1);
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('pw-1'), feed.isRevoked('pw-2')], [false, true]);
        assert.equal(feed.mirror.cutoffs, cutoffsBefore);
        assert.equal(await store.revokeWhere({ subject: 'pw-user' }), 1);
        await feed.waitCurrent();
        assert.equal(feed.isRevoked('pw-1'), true);
        assert.equal(feed.mirror.cutoffs, cutoffsBefore + 1);
        assert.equal(feed.isRevoked('stateless-jwt', { subject: 'pw-user', issuedAt: Date.now() - 60_000 }), true);
        // A record written already revoked, and an eviction, are revocations too.
        await store.put(rec('born-revoked', 'x', { revokedAt: Date.now() }));
        await store.addSession(rec('sess-1', 'limited'), 1, 'evict-oldest');
        await store.addSession(rec('sess-2', 'limited'), 1, 'evict-oldest');
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('born-revoked'), feed.isRevoked('sess-1'), feed.isRevoked('sess-2')], [true, true, false]);
      } finally {
        await feed.close();
      }
    });

    it('a revocation that took its log position early and commits late is not skipped', async () => {
      const feed = await RevocationFeed.start(new PostgresRevocationSource(url, { tablePrefix: PREFIX }));
      const slow = new pg.Client({ connectionString: url });
      await slow.connect();
      try {
        await store.put(rec('late-1', 'late'));
        await store.put(rec('late-2', 'late'));
        await slow.query('BEGIN');
        // Takes a log position now, commits later.
        await slow.query(`UPDATE "${PREFIX}tokens" SET revoked_at = $1 WHERE doc LIKE '%"late-1"%' AND revoked_at IS NULL`, [Date.now()]);
        await store.revoke('late-2'); // a higher position, committed first
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('late-1'), feed.isRevoked('late-2')], [false, true]);
        await slow.query('COMMIT');
        await feed.waitCurrent();
        assert.equal(feed.isRevoked('late-1'), true);
      } finally {
        await slow.end();
        await feed.close();
      }
    });

    it('consumer connection dropped while another process revokes 1,000: bound kept, all refused after reconnect', async () => {
      const revoker = await spawnRevoker(url, PREFIX, 1000, `drop-${Date.now()}-`);
      const mirror = new TimedMirror({ maxStalenessMs: 300 });
      const feed = await RevocationFeed.start(new PostgresRevocationSource(url, { tablePrefix: PREFIX, heartbeatMs: 50, maxBackoffMs: 200 }), { mirror });
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const checked = withRevocationMirror(store, mirror);
      let acceptedStale = 0;
      let checks = 0;
      // Keeps dropping the feed's connection for 1.5 s while the revocations run.
      const dropping = (async () => {
        const until = Date.now() + 1500;
        while (Date.now() < until) {
          await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cjwt-revocation-feed' AND pid <> pg_backend_pid()`);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const going = revoker.go();
      // Meanwhile: every check of a token whose revocation completed more than the bound ago.
      const revokedAt = new Map<string, number>();
      const probing = (async () => {
        let done = false;
        void going.then(() => { done = true; });
        while (!done) {
          for (const id of revoker.ids.slice(0, 1000)) {
            const answer = mirror.isRevoked(id);
            const seen = revokedAt.get(id);
            checks++;
            if (answer === false && seen !== undefined && Date.now() - seen > mirror.maxStalenessMs) acceptedStale++;
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
      const started = await going;
      for (const [id, t] of started) revokedAt.set(id, t);
      await Promise.all([dropping, probing]);
      const result = await measurePropagation(mirror, started, 15_000);
      admin.end().catch(() => {});
      try {
        assert.equal(started.size, 1000);
        assert.equal(result.missing, 0, 'all 1,000 refused after reconnect');
        assert.ok(mirror.errorCount > 0, 'the connection was dropped');
        assert.equal(acceptedStale, 0);
        for (const id of revoker.ids) assert.equal(await checked.isRevoked(id), true);
        console.log(`postgres drop: ${mirror.errorCount} connection failures, ${checks} checks, after-reconnect ${JSON.stringify(result)}`);
      } finally {
        revoker.kill();
        await feed.close();
      }
    });
  });
}
