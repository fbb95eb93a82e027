/**
 * The TokenStore conformance suite against a single Redis server (the one run-tests.ts starts
 * and publishes as CJWT_TEST_REDIS_URL). Each run uses its own key prefix, so the store is
 * exclusive even when other test files share the server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RedisTokenStore } from '../../src/store/redis/redis.js';
import { runConformanceSuite } from './conformance.js';

const url = process.env.CJWT_TEST_REDIS_URL;
if (url === undefined || url === '') {
  test('Redis conformance needs a server', () => {
    assert.fail('CJWT_TEST_REDIS_URL is not set: run `CJWT_TEST_SERVERS=redis node --import tsx scripts/run-tests.ts redis`');
  });
} else {
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  runConformanceSuite('redis', (options) => RedisTokenStore.connect(url, { ...options, prefix, sweepIntervalMs: 0 }), {
    exclusive: true,
    persistent: true,
  });
}
