/**
 * The TokenStore conformance suite against MariaDB (the server run-tests.ts starts and publishes
 * as CJWT_TEST_MYSQL_URL). Each run uses its own table prefix, so the store is exclusive.
 */
import { randomBytes } from 'node:crypto';
import { MySqlTokenStore } from '../../src/store/mysql/mysql.js';
import { testServerUrl } from '../support/server-url.js';
import { runConformanceSuite } from './conformance.js';

const url = testServerUrl('mysql', 'MySQL conformance needs a server');
if (url !== undefined) {
  const tablePrefix = `c${randomBytes(4).toString('hex')}_`;
  runConformanceSuite('mysql', (options) => MySqlTokenStore.connect(url, { ...options, tablePrefix }), { exclusive: true });
}
