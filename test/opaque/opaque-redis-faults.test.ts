/**
 * Opaque validation against a Redis server of its own (appendonly, fsync always) that is hung
 * (SIGSTOP), killed and restarted: StorageError while it is away, the same answers once it is back.
 */
import { after, before, describe, it } from 'node:test';
import { OpaqueTokenManager } from '../../src/opaque/index.js';
import { RedisTokenStore } from '../../src/store/index.js';
import { startRedis, type RedisServer } from '../support/servers/redis.js';
import { FAULT_TIMEOUT_MS, expectAnswers, issueFaultTokens, validationFails, type FaultTokens } from './faults.js';

describe('opaque tokens on Redis: server hung, killed, restarted', { timeout: 90_000 }, () => {
  let server: RedisServer;
  let store: RedisTokenStore;
  let manager: OpaqueTokenManager;
  let tokens: FaultTokens;

  before(async () => {
    server = await startRedis({ appendonly: true });
    store = await RedisTokenStore.connect(server.url, { operationTimeoutMs: FAULT_TIMEOUT_MS, sweepIntervalMs: 0 });
    manager = new OpaqueTokenManager({ store, secret: 'fault-test secret of 32 bytes or more' });
    tokens = await issueFaultTokens(manager);
  });
  after(async () => {
    await manager?.close();
    await store?.close();
    await server?.stop();
  });

  it('hung server: StorageError within the timeout, then the same answers', async () => {
    server.freeze();
    try {
      await validationFails(manager, tokens.live, 'live token, hung server');
      await validationFails(manager, tokens.revoked, 'revoked token, hung server');
    } finally {
      server.thaw();
    }
    await expectAnswers(manager, tokens);
  });

  it('killed server: StorageError, never valid; after a restart the same answers', async () => {
    await server.kill();
    await validationFails(manager, tokens.live, 'live token, killed server');
    await validationFails(manager, tokens.revoked, 'revoked token, killed server');
    await server.restart();
    await expectAnswers(manager, tokens);
    // Issuing works again too.
    const fresh = await manager.generateToken({ userId: 'after-restart' });
    await expectAnswers(manager, { ...tokens, live: fresh.token });
  });
});
