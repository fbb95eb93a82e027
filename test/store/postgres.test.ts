/**
 * The TokenStore conformance suite against PostgreSQL (the server run-tests.ts starts and
 * publishes as CJWT_TEST_POSTGRES_URL). Each run uses its own table prefix, so the store is
 * exclusive.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PostgresTokenStore } from '../../src/store/postgres.js';
import { runConformanceSuite } from './conformance.js';

const url = process.env.CJWT_TEST_POSTGRES_URL;
if (url === undefined || url === '') {
  test('PostgreSQL conformance needs a server', () => {
    assert.fail('CJWT_TEST_POSTGRES_URL is not set: run `CJWT_TEST_SERVERS=postgres node --import tsx scripts/run-tests.ts postgres`');
  });
} else {
  const tablePrefix = `c${randomBytes(4).toString('hex')}_`;
  runConformanceSuite('postgres', (options) => PostgresTokenStore.connect(url, { ...options, tablePrefix, sweepIntervalMs: 0 }), { exclusive: true });
}
