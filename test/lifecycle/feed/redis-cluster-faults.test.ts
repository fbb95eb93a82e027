/**
 * Faults of the Redis Cluster feed. A writer killed between the feed entry and the revocation
 * (the store's private test hook holds it there): the token ends up refused, by the mirror at
 * once and by the round trip once the revocation is retried. The master holding the feed stream
 * restarted while another process revokes 1,000 tokens: no revoked token is accepted once the
 * staleness bound has passed, and all 1,000 are refused after the reader reconnects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import { RedisRevocationSource, RevocationFeed, withRevocationMirror } from '../../../src/lifecycle/feed/index.js';
import { RedisTokenStore } from '../../../src/store/index.js';
import { parseClusterUrl } from '../../../src/store/redis/redis-connect.js';
import { startRedisCluster, type RedisClusterServer } from '../../support/servers/redis-cluster.js';
import { testServerUrl } from '../../support/server-url.js';
import { measurePropagation, TimedMirror } from './propagation.js';
import { masterOf, spawnClusterWorker } from './redis-cluster-support.js';

const url = testServerUrl('redis-cluster', 'the Redis Cluster feed fault tests need a cluster');
const HOUR = 3_600_000;

if (url !== undefined) {
  describe('redis cluster feed: a writer killed between the feed entry and the revocation', () => {
    const prefix = `crash_${Date.now()}:`;
    let store: RedisTokenStore;
    before(async () => {
      store = await RedisTokenStore.connect(url, { prefix, sweepIntervalMs: 0 });
    });
    after(async () => {
      await store?.close();
    });
    const rec = (id: string, subject: string) => ({ id, kind: 'access', subject, issuedAt: Date.now() - 1000, expiresAt: Date.now() + HOUR });

    it('revoke: the mirror refuses at once, the round trip once the revocation is retried', async () => {
      await store.put(rec('victim', 'alice'));
      const feed = await RevocationFeed.start(new RedisRevocationSource(url, { prefix, store }));
      const checked = withRevocationMirror(store, feed.mirror);
      const writer = spawnClusterWorker(url, prefix, 'crash-revoke', 'victim');
      try {
        await writer.waitFor('logged');
        await writer.kill();
        await feed.waitCurrent();
        // Killed in between: the store never revoked, but the feed carries the revocation.
        assert.equal(await store.isRevoked('victim'), false);
        assert.equal(feed.isRevoked('victim'), true);
        assert.equal(await checked.isRevoked('victim'), true);
        // A process starting later replays the stream and refuses it too.
        const late = await RevocationFeed.start(new RedisRevocationSource(url, { prefix, store }));
        assert.equal(late.isRevoked('victim'), true);
        await late.close();
        // The retried revocation completes it; everything agrees.
        assert.equal((await store.revoke('victim', 'retry')).revoked, true);
        await feed.waitCurrent();
        assert.deepEqual([await store.isRevoked('victim'), feed.isRevoked('victim'), await checked.isRevoked('victim')], [true, true, true]);
      } finally {
        await writer.kill();
        await feed.close();
      }
    });

    it('revokeWhere by subject: the cutoff and the ids are in the feed before any record is revoked', async () => {
      await store.put(rec('bob-1', 'bob'));
      await store.put(rec('bob-2', 'bob'));
      const feed = await RevocationFeed.start(new RedisRevocationSource(url, { prefix, store }));
      const writer = spawnClusterWorker(url, prefix, 'crash-revoke-subject', 'bob');
      try {
        await writer.waitFor('logged');
        await writer.kill();
        await feed.waitCurrent();
        assert.deepEqual([await store.isRevoked('bob-1'), await store.isRevoked('bob-2')], [false, false]);
        assert.deepEqual([feed.isRevoked('bob-1'), feed.isRevoked('bob-2')], [true, true]);
        // A stateless token of bob's issued before the cutoff is refused by the cutoff alone.
        assert.equal(feed.isRevoked('bob-jwt', { subject: 'bob', issuedAt: Date.now() - 60_000 }), true);
        assert.equal(await store.revokeWhere({ subject: 'bob' }, 'retry'), 2);
        assert.deepEqual([await store.isRevoked('bob-1'), await store.isRevoked('bob-2')], [true, true]);
      } finally {
        await writer.kill();
        await feed.close();
      }
    });
  });

  describe('redis cluster feed: the feed stream\'s master restarts while another process revokes 1,000', () => {
    let cluster: RedisClusterServer;
    let admin: Cluster;
    before(async () => {
      cluster = await startRedisCluster();
      admin = new Cluster(parseClusterUrl(cluster.url).nodes);
    });
    after(async () => {
      admin?.disconnect();
      await cluster?.stop();
    });

    it('no revoked token accepted past the bound; all 1,000 refused after the restart', async () => {
      const prefix = 'restart_';
      const store = await RedisTokenStore.connect(cluster.url, { prefix, sweepIntervalMs: 0 });
      const writer = spawnClusterWorker(cluster.url, prefix, 'revoke', `1000:rs-${Date.now()}-`);
      const mirror = new TimedMirror({ maxStalenessMs: 300 });
      const source = new RedisRevocationSource(cluster.url, { prefix, store, heartbeatMs: 50 });
      const feed = await RevocationFeed.start(source, { mirror });
      const streamAt = await masterOf(admin, `${prefix}{feed}`);
      const node = cluster.nodes.find((n) => `127.0.0.1:${n.port}` === streamAt);
      assert.ok(node !== undefined, `the stream's master ${streamAt} is one of ours`);
      let acceptedStale = 0;
      let unknownSeen = 0;
      let done = false;
      try {
        await writer.waitFor('ready', 60_000);
        // Keep the node's data across the restart: its graceful shutdown then saves a snapshot.
        await admin.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === streamAt)?.config('SET', 'save', '3600 1');
        writer.go();
        const probing = (async () => {
          while (!done) {
            const now = Date.now();
            // A token never revoked shows the outage: past the bound the mirror no longer answers for it.
            if (mirror.isRevoked('never-revoked') === 'unknown') unknownSeen++;
            for (const [id, completedAt] of writer.completed) {
              const answer = mirror.isRevoked(id);
              if (answer === false && now - completedAt > mirror.maxStalenessMs) acceptedStale++;
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
        await new Promise((r) => setTimeout(r, 300));
        await node.shutdown();
        await new Promise((r) => setTimeout(r, 1000));
        await node.restart();
        await writer.waitFor('done', 120_000);
        done = true;
        await probing;
        const result = await measurePropagation(mirror, writer.started, 20_000);
        assert.equal(writer.started.size, 1000);
        assert.equal(result.missing, 0, 'all 1,000 refused after the restart');
        assert.equal(acceptedStale, 0);
        assert.ok(unknownSeen > 0, 'the mirror went stale during the outage');
        const checked = withRevocationMirror(store, mirror);
        for (const id of writer.started.keys()) assert.equal(await checked.isRevoked(id), true, id);
        // The node kept its data, stream included: the reader resumed from its id, no reload.
        for (const id of writer.started.keys()) assert.equal(await store.isRevoked(id), true, id);
        assert.equal(source.reloads, 0);
        console.log(`redis-cluster restart: ${mirror.errorCount} reader errors, ${unknownSeen} stale answers, after-restart ${JSON.stringify(result)}`);
      } finally {
        done = true;
        await writer.kill();
        await feed.close();
        await store.close();
      }
    });
  });
}
