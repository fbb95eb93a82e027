/**
 * JWTManager with PostgreSQL killed (SIGKILL) under load, then restarted: the case that once let a
 * pooled connection emit an `error` nobody listened to (an uncaught exception that would take
 * the application down with its database). Every connection now keeps the store's listener.
 */
import { PostgresTokenStore } from '../../src/store/index.js';
import { startPostgres } from '../support/servers/postgres.js';
import { runJwtFaultSuite } from './jwt-faults.js';

runJwtFaultSuite('PostgreSQL killed and restarted', async () => {
  const server = await startPostgres();
  // Migrate with a generous deadline; the outage is tested with the short one.
  await (await PostgresTokenStore.connect(server.url, { operationTimeoutMs: 30_000, sweepIntervalMs: 0 })).close();
  const store = await PostgresTokenStore.connect(server.url, { operationTimeoutMs: 2000, sweepIntervalMs: 0 });
  return { server, store, halt: () => server.kill(), resume: () => server.restart(), downMs: 6000 };
});
