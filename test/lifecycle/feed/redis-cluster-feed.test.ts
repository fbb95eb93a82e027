/**
 * Redis Cluster's feed against a real three-master cluster: another process revokes and this
 * one's mirror refuses (propagation measured); every revoking operation puts its entry in the
 * feed before the store revokes; a stream trimmed past a stopped reader forces a full reload; the
 * reader's connection killed while another process revokes 1,000 tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { RedisRevocationSource, RevocationFeed, RevocationMirror, withRevocationMirror } from '../../../src/lifecycle/feed/index.js';
import { RedisTokenStore, type RevocationEntry } from '../../../src/store/index.js';
import { parseClusterUrl } from '../../../src/store/redis/redis-connect.js';
import { setAfterFeedAppendForTests } from '../../../src/store/redis/redis-cluster-feed.js';
import { testServerUrl } from '../../support/server-url.js';
import { assertTrimmedStreamReloads } from './redis-trim-reload.js';
import { measurePropagation, propagation, spawnRevoker, TimedMirror, revokeWhileProbing } from './propagation.js';
import { killFeedConnections } from './redis-cluster-support.js';

const url = testServerUrl('redis-cluster', 'the Redis Cluster revocation feed needs a cluster');
const PREFIX = 'cfeed_';
const HOUR = 3_600_000;

if (url !== undefined) {
  describe('redis cluster revocation feed', () => {
    let store: RedisTokenStore;
    let admin: Cluster;
    before(async () => {
      store = await RedisTokenStore.connect(url, { prefix: PREFIX, sweepIntervalMs: 0 });
      admin = new Cluster(parseClusterUrl(url).nodes);
    });
    after(async () => {
      await store?.close();
      admin?.disconnect();
    });
    const rec = (id: string, subject: string, extra = {}) => ({ id, kind: 'access', subject, issuedAt: Date.now() - 1000, expiresAt: Date.now() + HOUR, ...extra });

    it('another process revokes on the cluster: this one refuses, p50/p99 measured', async () => {
      const count = Number(process.env.FEED_TEST_COUNT ?? 1000);
      const result = await propagation(url, PREFIX, new RedisRevocationSource(url, { prefix: PREFIX, store }), count);
      console.log(`redis-cluster propagation: ${JSON.stringify(result)}`);
      assert.equal(result.missing, 0);
      assert.equal(result.count, count);
    });

    it('every revoking operation writes its feed entry before the store revokes', async () => {
      const probe = await RedisTokenStore.connect(url, { prefix: PREFIX, sweepIntervalMs: 0 });
      // At each append, is the revocation it announces already in the store? It must not be.
      const appended: Array<{ entry: RevocationEntry; revokedInStore: boolean }> = [];
      setAfterFeedAppendForTests(async (entries) => {
        for (const entry of entries) {
          const record = entry.type === 'id' ? await probe.get(entry.id) : undefined;
          appended.push({ entry, revokedInStore: record?.revokedAt !== undefined });
        }
      });
      const feed = await RevocationFeed.start(new RedisRevocationSource(url, { prefix: PREFIX, store }));
      try {
        await store.put(rec('one', 'solo'));
        assert.deepEqual(await store.revoke('one'), { revoked: true, revokedAt: (await store.get('one'))?.revokedAt });
        assert.equal((await store.revoke('one')).revoked, false);
        await store.put(rec('pw-1', 'pw-user', { familyId: 'fam-a' }));
        await store.put(rec('pw-2', 'pw-user', { kind: 'refresh' }));
        const cutoffs = feed.mirror.cutoffs;
        assert.equal(await store.revokeWhere({ subject: 'pw-user', kind: 'refresh' }), 1);
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('one'), feed.isRevoked('pw-1'), feed.isRevoked('pw-2'), feed.mirror.cutoffs], [true, false, true, cutoffs]);
        assert.equal(await store.revokeWhere({ familyId: 'fam-a' }), 1);
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('pw-1'), feed.mirror.cutoffs], [true, cutoffs + 1]);
        assert.equal(await store.revokeWhere({ subject: 'pw-user' }), 0);
        await feed.waitCurrent();
        assert.equal(feed.mirror.cutoffs, cutoffs + 2);
        assert.equal(feed.isRevoked('stateless', { subject: 'pw-user', issuedAt: Date.now() - 60_000 }), true);
        assert.equal(feed.isRevoked('stateless', { familyId: 'fam-a', issuedAt: Date.now() - 60_000 }), true);
        await store.put(rec('born-revoked', 'x', { revokedAt: Date.now() }));
        await store.addSession(rec('sess-1', 'limited'), 1, 'evict-oldest');
        await store.addSession(rec('sess-2', 'limited'), 1, 'evict-oldest');
        // Several subjects at once: the global index, one script per subject.
        for (const s of ['g1', 'g2', 'g3']) await store.put(rec(`tagged-${s}`, s, { tags: ['bulk'] }));
        assert.equal(await store.revokeWhere({ tags: ['bulk'] }), 3);
        await feed.waitCurrent();
        const ids = ['one', 'pw-1', 'pw-2', 'born-revoked', 'sess-1', 'tagged-g1', 'tagged-g2', 'tagged-g3'];
        for (const id of ids) assert.equal(feed.isRevoked(id), true, id);
        assert.equal(feed.isRevoked('sess-2'), false);
        for (const id of ids) assert.equal(await store.isRevoked(id), true, id);
        const loggedIds = appended.flatMap(({ entry }) => (entry.type === 'id' ? [entry.id] : []));
        assert.deepEqual([...new Set(loggedIds)].sort(), [...ids].sort());
        assert.deepEqual(appended.filter((a) => a.revokedInStore), [], 'no entry was appended after its revocation');
        assert.deepEqual(appended.filter((a) => a.entry.type !== 'id').map((a) => a.entry.type), ['family', 'subject']);
      } finally {
        setAfterFeedAppendForTests(undefined);
        await feed.close();
        await probe.close();
      }
    });

    it('a revoked record re-put with a later expiry is announced again (cluster and single server)', async () => {
      const single = process.env.CJWT_TEST_REDIS_URL;
      for (const target of single === undefined || single === '' ? [url] : [url, single]) {
        const prefix = `extend_${Date.now()}:`;
        const s = await RedisTokenStore.connect(target, { prefix, sweepIntervalMs: 0 });
        const reader: Redis | Cluster = target === url ? admin : new Redis(target);
        try {
          const first = rec('grow', 'g');
          await s.put(first);
          await s.revoke('grow');
          await s.put({ ...first, expiresAt: first.expiresAt + HOUR });
          // A shorter or equal expiry, or another field changed, is no new announcement.
          await s.put({ ...first, expiresAt: first.expiresAt + HOUR, scope: ['x'] });
          await s.put({ ...first, expiresAt: first.expiresAt + 60_000, scope: ['y'] });
          const entries: Array<[string, string[]]> = await reader.xrange(`${prefix}{feed}`, '-', '+');
          const expiries = entries.map(([, fields]) => fields).filter((f) => f[3] === 'grow').map((f) => Number(f[7]));
          assert.deepEqual(expiries, [first.expiresAt, first.expiresAt + HOUR], target);
          assert.equal((await s.get('grow'))?.revokedAt !== undefined, true);
        } finally {
          if (reader !== admin) reader.disconnect();
          await s.close();
        }
      }
    });

    it('racing addSession and revokeWhere: the feed announces exactly what the store revoked', async () => {
      const prefix = `race_${Date.now()}:`;
      const stores = await Promise.all([0, 1, 2, 3].map(() => RedisTokenStore.connect(url, { prefix, sweepIntervalMs: 0 })));
      try {
        const now = Date.now();
        const calls = Array.from({ length: 120 }, (_, i) => (stores[i % 4] as RedisTokenStore).addSession(
          { id: `r${i}`, kind: 'session', subject: 'racer', issuedAt: now + (i % 7), expiresAt: now + HOUR }, 3, 'evict-oldest'));
        // A logout racing the sessions: whatever it revokes is announced too.
        const logouts = [20, 60, 100].map((at) => new Promise((r) => setTimeout(r, at)).then(() => stores[0]?.revokeWhere({ subject: 'racer', kind: 'session' })));
        const results = await Promise.all(calls);
        await Promise.all(logouts);
        assert.ok(results.every((r) => r.added));
        const revoked = new Set((await stores[0]!.list({ subject: 'racer', status: 'revoked' }, { limit: 1000 })).records.map((r) => r.id));
        const entries: Array<[string, string[]]> = await admin.xrange(`${prefix}{feed}`, '-', '+');
        const announced = new Set(entries.map(([, f]) => f).filter((f) => f[1] === 'i').map((f) => f[3] as string));
        assert.ok(revoked.size >= 117, `${revoked.size} revoked`);
        assert.deepEqual([...announced].sort(), [...revoked].sort());
        assert.ok(await stores[0]!.count({ subject: 'racer', kind: 'session', status: 'active' }) <= 3);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('a source given a URL it cannot follow fails with a typed error', async () => {
      for (const bad of ['http://127.0.0.1:6379', 'redis+cluster://', 'redis+cluster://host:99999']) {
        const source = new RedisRevocationSource(bad, { store });
        await assert.rejects(source.start(new RevocationMirror()), { code: 'ERR_STORE_INVALID_INPUT' }, bad);
      }
    });

    it('with revocationFeed: false the cluster store revokes and writes no stream', async () => {
      const prefix = `nofeed_${Date.now()}:`;
      const plain = await RedisTokenStore.connect(url, { prefix, sweepIntervalMs: 0, revocationFeed: false });
      try {
        await plain.put(rec('a', 's'));
        await plain.addSession(rec('b', 's'), 1, 'evict-oldest');
        assert.equal((await plain.revoke('b')).revoked, true);
        assert.equal(await plain.revokeWhere({ subject: 's' }), 0);
        assert.deepEqual([await plain.isRevoked('a'), await plain.isRevoked('b')], [true, true]);
        assert.equal(await admin.exists(`${prefix}{feed}`), 0);
      } finally {
        await plain.close();
      }
    });

    it('a stream trimmed past the reader: the reader reloads in full from the store', async () => {
      await assertTrimmedStreamReloads(url, `ctrim_${Date.now()}:`, async (key) => Number(await admin.xlen(key)), (id) => `s${id.length}`);
    });

    it('reader connection killed while another process revokes 1,000: bound kept, all refused after reconnect', async () => {
      const revoker = await spawnRevoker(url, PREFIX, 1000, `cdrop-${Date.now()}-`);
      const mirror = new TimedMirror({ maxStalenessMs: 300 });
      const feed = await RevocationFeed.start(new RedisRevocationSource(url, { prefix: PREFIX, store, heartbeatMs: 50 }), { mirror });
      const checked = withRevocationMirror(store, mirror);
      let killed = 0;
      const killing = (async () => {
        const until = Date.now() + 1500;
        while (Date.now() < until) {
          killed += await killFeedConnections(admin);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const { started, acceptedStale } = await revokeWhileProbing(revoker, mirror, killing);
      try {
        const result = await measurePropagation(mirror, started, 15_000);
        assert.equal(result.missing, 0, 'all 1,000 refused after reconnect');
        assert.ok(killed > 0, 'the connection was killed');
        assert.equal(acceptedStale, 0);
        for (const id of revoker.ids) assert.equal(await checked.isRevoked(id), true);
        console.log(`redis-cluster drop: ${killed} kills, ${mirror.errorCount} connection failures, after-reconnect ${JSON.stringify(result)}`);
      } finally {
        revoker.kill();
        await feed.close();
      }
    });
  });
}
