/**
 * Two `cjwt serve` processes on one PostgreSQL server with `revocation: 'feed'` (each follows the
 * store's revocation log with LISTEN/NOTIFY), in a database of their own so the round-trip
 * suite's sessions never mix in.
 */
import pg from 'pg';
import { testServerUrl } from '../support/server-url.js';
import { runMultiProcessSuite } from './multi-process.js';

const DATABASE = 'cjwt_service_feed';

async function ownDatabase(url: string): Promise<string> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.end();
  }
  const own = new URL(url);
  own.pathname = `/${DATABASE}`;
  return own.toString();
}

const url = testServerUrl('postgres', 'two service processes on PostgreSQL need a PostgreSQL server');
runMultiProcessSuite('PostgreSQL', url === undefined ? undefined : await ownDatabase(url), 'feed');
