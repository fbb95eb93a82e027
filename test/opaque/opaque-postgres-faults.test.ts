/**
 * Opaque validation against a PostgreSQL server of its own that is hung (SIGSTOP), killed and
 * shut down, then restarted: StorageError while it is away, the same answers once it is back.
 */
import { after, before, describe, it } from 'node:test';
import { OpaqueTokenManager } from '../../src/opaque/index.js';
import { PostgresTokenStore } from '../../src/store/index.js';
import { startPostgres, type PostgresServer } from '../support/servers/postgres.js';
import { FAULT_TIMEOUT_MS, expectAnswers, issueFaultTokens, validationFails, type FaultTokens } from './faults.js';

describe('opaque tokens on PostgreSQL: server hung, killed, shut down, restarted', { timeout: 120_000 }, () => {
  let server: PostgresServer;
  let store: PostgresTokenStore;
  let manager: OpaqueTokenManager;
  let tokens: FaultTokens;

  before(async () => {
    server = await startPostgres();
    store = await PostgresTokenStore.connect(server.url, { operationTimeoutMs: FAULT_TIMEOUT_MS, sweepIntervalMs: 0, tablePrefix: 'opaque_faults_' });
    manager = new OpaqueTokenManager({ store });
    tokens = await issueFaultTokens(manager);
  });
  after(async () => {
    await manager?.close();
    await store?.close();
    await server?.stop();
  });

  it('hung server: StorageError within the timeout, then the same answers', async () => {
    await server.pause();
    try {
      await validationFails(manager, tokens.live, 'live token, hung server');
      await validationFails(manager, tokens.revoked, 'revoked token, hung server');
    } finally {
      server.resume();
    }
    await expectAnswers(manager, tokens);
  });

  it('killed server: StorageError, never valid; after a restart the same answers', async () => {
    await server.kill();
    await validationFails(manager, tokens.live, 'live token, killed server');
    await validationFails(manager, tokens.revoked, 'revoked token, killed server');
    await server.restart();
    await expectAnswers(manager, tokens);
  });

  it('clean shutdown: StorageError; after a restart issuing and validating work', async () => {
    await server.shutdown();
    await validationFails(manager, tokens.live, 'live token, server shut down');
    await server.restart();
    await expectAnswers(manager, tokens);
    const fresh = await manager.generateToken({ userId: 'after-restart' });
    await expectAnswers(manager, { ...tokens, live: fresh.token });
  });
});
