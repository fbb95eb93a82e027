/**
 * JWTManager with PostgreSQL stopped (SIGSTOP: the server hangs, every call times out) during
 * verification, then resumed. A private server of its own.
 *
 * Not a kill: killing PostgreSQL under load makes a pooled pg connection emit an 'error' event
 * that nobody handles ("terminating connection due to unexpected postmaster exit") in about half
 * of the runs, an uncaught exception from the PostgresTokenStore layer (src/store), not from
 * JWTManager; reported for the store's owner.
 */
import { PostgresTokenStore } from '../../src/store/index.js';
import { startPostgres } from '../support/servers/postgres.js';
import { runJwtFaultSuite } from './jwt-faults.js';

runJwtFaultSuite('PostgreSQL stopped (SIGSTOP) and resumed', async () => {
  const server = await startPostgres();
  const store = await PostgresTokenStore.connect(server.url, { operationTimeoutMs: 2000, sweepIntervalMs: 0 });
  return {
    server, store,
    halt: () => server.pause(),
    resume: () => { server.resume(); return Promise.resolve(); },
    // A generous timeout: the machine is shared, and slowness is not what this tests.
    downMs: 6000,
  };
});
