/** JWTManager with PostgreSQL killed during verification (a private server). */
import { PostgresTokenStore } from '../../src/store/index.js';
import { startPostgres } from '../support/servers/postgres.js';
import { runJwtFaultSuite } from './jwt-faults.js';

runJwtFaultSuite('PostgreSQL', async () => {
  const server = await startPostgres();
  const store = await PostgresTokenStore.connect(server.url, { operationTimeoutMs: 800, sweepIntervalMs: 0 });
  return { server, store };
});
