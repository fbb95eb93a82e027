/**
 * JWTManager over a store whose server dies: {@link runJwtFaultSuite} kills the server while
 * verifications are in flight. Every verification then rejects with StorageError (none resolves
 * valid, in particular not for a revoked token); after a restart the same manager serves again
 * and the revocation is still there. Each backend's jwt-faults-<backend>.test.ts calls it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../src/jose/index.js';
import { JWTManager, type VerifyTokenResult } from '../../src/jwt/index.js';
import type { TokenStore } from '../../src/store/index.js';
import type { ServerLifecycle } from '../support/server-process.js';

/** What the suite needs from a backend: its own server and a store connected to it. */
export interface FaultBackend {
  server: ServerLifecycle;
  store: TokenStore;
}

/** Registers the fault test; `start` starts a private server (with durable writes) and connects a store with a short timeout. */
export function runJwtFaultSuite(name: string, start: () => Promise<FaultBackend>): void {
  describe(`JWTManager with ${name} stopped during verification`, { timeout: 90_000 }, () => {
    let backend: FaultBackend | undefined;
    before(async () => { backend = await start(); });
    after(async () => {
      await backend?.store.close();
      await backend?.server.stop();
    });

    it('StorageError while the server is down, never valid; service resumes after the restart', async () => {
      const { server, store } = backend!;
      const manager = JWTManager.withHMAC('a-32-byte-test-secret-0123456789', { store, trackUserTokens: true, claimsCache: true });
      const live = await manager.generateToken({ subject: 'alice' });
      const revoked = await manager.generateToken({ subject: 'alice' });
      await manager.revokeToken(revoked.token, 'logout');
      assert.equal((await manager.verifyToken(live.token)).valid, true);
      assert.equal((await manager.verifyToken(revoked.token)).valid, false);

      // Verifications in flight while the server is killed.
      let stop = false;
      const outcomes: Array<{ token: string; result?: VerifyTokenResult; error?: unknown }> = [];
      const loop = async (token: string): Promise<void> => {
        while (!stop) {
          try {
            outcomes.push({ token, result: await manager.verifyToken(token) });
          } catch (error) {
            outcomes.push({ token, error });
          }
        }
      };
      const loops = [loop(live.token), loop(revoked.token), loop(live.token), loop(revoked.token)];
      await new Promise((r) => setTimeout(r, 100));
      await server.kill();
      const killedAt = outcomes.length;
      await new Promise((r) => setTimeout(r, 2500));
      stop = true;
      await Promise.all(loops);

      assert.ok(outcomes.some((o) => o.error !== undefined), 'no verification failed while the server was down');
      for (const o of outcomes) {
        if (o.error !== undefined) assert.ok(o.error instanceof StorageError, `unexpected ${String(o.error)}`);
        // A revoked token is never valid, store up or down.
        if (o.token === revoked.token) assert.notEqual(o.result?.valid, true);
      }
      // Once the kill has landed, nothing is valid any more: the last calls all failed.
      const after = outcomes.slice(killedAt);
      assert.ok(after.length > 0);
      assert.ok(after.slice(-4).every((o) => o.error instanceof StorageError));
      await assert.rejects(manager.verifyToken(live.token), StorageError);
      await assert.rejects(manager.generateToken({ subject: 'alice' }), StorageError);

      await server.restart();
      let resumed: VerifyTokenResult | undefined;
      for (let i = 0; i < 50 && resumed === undefined; i++) {
        try {
          resumed = await manager.verifyToken(live.token);
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.equal(resumed?.valid, true);
      const still = await manager.verifyToken(revoked.token);
      assert.equal(!still.valid && still.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal(await manager.getUserSessionCount('alice'), 1);
    });
  });
}
