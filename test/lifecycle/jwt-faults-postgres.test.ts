/** JWTManager with PostgreSQL killed during verification (a private server). */
import { PostgresTokenStore } from '../../src/store/index.js';
import { startPostgres } from '../support/servers/postgres.js';
import { runJwtFaultSuite } from './jwt-faults.js';

runJwtFaultSuite('PostgreSQL', async () => {
  const server = await startPostgres();
  // Migrate with a generous deadline first: on a loaded machine the first migration alone can
  // outlast the short deadline the outage itself is tested with.
  await (await PostgresTokenStore.connect(server.url, { operationTimeoutMs: 30_000, sweepIntervalMs: 0 })).close();
  const store = await PostgresTokenStore.connect(server.url, { operationTimeoutMs: 800, sweepIntervalMs: 0 });
  return { server, store };
});
