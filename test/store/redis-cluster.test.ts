/**
 * The TokenStore conformance suite against a three-master Redis Cluster (run-tests.ts starts it
 * and publishes CJWT_TEST_REDIS_CLUSTER_URL). Every multi-key script must stay on one slot here,
 * or the cluster rejects it with CROSSSLOT.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RedisTokenStore } from '../../src/store/redis/redis.js';
import { runConformanceSuite } from './conformance.js';

const url = process.env.CJWT_TEST_REDIS_CLUSTER_URL;
if (url === undefined || url === '') {
  test('Redis Cluster conformance needs a cluster', () => {
    assert.fail('CJWT_TEST_REDIS_CLUSTER_URL is not set: run `CJWT_TEST_SERVERS=redis-cluster node --import tsx scripts/run-tests.ts redis-cluster`');
  });
} else {
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  runConformanceSuite('redis-cluster', (options) => RedisTokenStore.connect(url, { ...options, prefix, sweepIntervalMs: 0 }), {
    exclusive: true,
    persistent: true,
  });

  test('cluster: two ids racing to put one token hash never both win', async () => {
    // The hash pointer and the records live in different slots, so the claim and the record
    // write are separate steps; a claim still in flight must not read as a stale pointer.
    const stores = await Promise.all([0, 1].map(() => RedisTokenStore.connect(url, { prefix: `r${prefix}`, sweepIntervalMs: 0 })));
    try {
      const now = Date.now();
      let bothWon = 0;
      for (let round = 0; round < 40; round++) {
        const hash = `race-${round}-${randomBytes(4).toString('hex')}`;
        const puts = stores.map((store, i) => store.put({
          id: `id-${round}-${i}`, hash, kind: 'opaque', subject: `subject-${round}-${i}`, issuedAt: now, expiresAt: now + 3_600_000,
        }));
        const settled = await Promise.allSettled(puts);
        const winners = settled.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        for (const r of settled) if (r.status === 'rejected') assert.equal((r.reason as { code?: string }).code, 'ERR_STORE_CONFLICT');
        assert.ok(winners.length >= 1, 'one of the two puts succeeds');
        if (winners.length === 2) bothWon++;
        else assert.equal((await stores[0]?.getByHash(hash))?.id, `id-${round}-${winners[0]}`);
      }
      assert.equal(bothWon, 0, `${bothWon} of 40 rounds stored two records with one hash`);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
}
