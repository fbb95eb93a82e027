/**
 * The opaque-token flows on MariaDB (the server run-tests.ts starts), one table prefix per flow;
 * after each flow no row of those tables holds an issued token.
 */
import { randomBytes } from 'node:crypto';
import { MySqlTokenStore } from '../../src/store/index.js';
import { testServerUrl } from '../support/server-url.js';
import { dumpMySql } from './dumps.js';
import { runOpaqueScenarios } from './scenarios.js';

const url = testServerUrl('mysql', 'opaque tokens on MySQL need a server');
if (url !== undefined) {
  runOpaqueScenarios('mysql', async () => {
    const tablePrefix = `o${randomBytes(4).toString('hex')}_`;
    return { store: await MySqlTokenStore.connect(url, { tablePrefix }), dump: () => dumpMySql(url, tablePrefix) };
  });
}
