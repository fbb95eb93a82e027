/**
 * The opaque-token flows on PostgreSQL (the server run-tests.ts starts), one table prefix per
 * flow; after each flow no row of those tables holds an issued token.
 */
import { randomBytes } from 'node:crypto';
import { PostgresTokenStore } from '../../src/store/index.js';
import { testServerUrl } from '../support/server-url.js';
import { dumpPostgres } from './dumps.js';
import { runOpaqueScenarios } from './scenarios.js';

const url = testServerUrl('postgres', 'opaque tokens on PostgreSQL need a server');
if (url !== undefined) {
  runOpaqueScenarios('postgres', async () => {
    const tablePrefix = `o${randomBytes(4).toString('hex')}_`;
    return { store: await PostgresTokenStore.connect(url, { tablePrefix, sweepIntervalMs: 0 }), dump: () => dumpPostgres(url, tablePrefix) };
  });
}
