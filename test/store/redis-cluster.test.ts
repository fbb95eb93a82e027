/**
 * The TokenStore conformance suite against a three-master Redis Cluster (run-tests.ts starts it
 * and publishes CJWT_TEST_REDIS_CLUSTER_URL). Every multi-key script must stay on one slot here,
 * or the cluster rejects it with CROSSSLOT.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RedisTokenStore } from '../../src/store/redis.js';
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
}
