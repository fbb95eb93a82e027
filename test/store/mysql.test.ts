/**
 * The TokenStore conformance suite against MariaDB (the server run-tests.ts starts and publishes
 * as CJWT_TEST_MYSQL_URL). Each run uses its own table prefix, so the store is exclusive.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MySqlTokenStore } from '../../src/store/mysql.js';
import { runConformanceSuite } from './conformance.js';

const url = process.env.CJWT_TEST_MYSQL_URL;
if (url === undefined || url === '') {
  test('MySQL conformance needs a server', () => {
    assert.fail('CJWT_TEST_MYSQL_URL is not set: run `CJWT_TEST_SERVERS=mysql node --import tsx scripts/run-tests.ts mysql`');
  });
} else {
  const tablePrefix = `c${randomBytes(4).toString('hex')}_`;
  runConformanceSuite('mysql', (options) => MySqlTokenStore.connect(url, { ...options, tablePrefix }), { exclusive: true });
}
