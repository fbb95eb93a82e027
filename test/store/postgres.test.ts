/**
 * The TokenStore conformance suite against PostgreSQL (the server run-tests.ts starts and
 * publishes as CJWT_TEST_POSTGRES_URL). Each run uses its own table prefix, so the store is
 * exclusive.
 */
import { randomBytes } from 'node:crypto';
import { PostgresTokenStore } from '../../src/store/postgres/postgres.js';
import { testServerUrl } from '../support/server-url.js';
import { runConformanceSuite } from './conformance.js';

const url = testServerUrl('postgres', 'PostgreSQL conformance needs a server');
if (url !== undefined) {
  const tablePrefix = `c${randomBytes(4).toString('hex')}_`;
  runConformanceSuite('postgres', (options) => PostgresTokenStore.connect(url, { ...options, tablePrefix, sweepIntervalMs: 0 }), { exclusive: true });
}
