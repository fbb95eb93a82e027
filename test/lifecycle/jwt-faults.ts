/**
 * JWTManager over a store whose server stops: {@link runJwtFaultSuite} stops the server (killed,
 * or frozen with SIGSTOP) while verifications are in flight. Every verification then rejects with
 * StorageError (none resolves valid, in particular not for a revoked token); once the server is
 * back the same manager serves again and the revocation is still there. Each backend's
 * jwt-faults-<backend>.test.ts calls it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../src/jose/index.js';
import { JWTManager, type VerifyTokenResult } from '../../src/jwt/index.js';
import type { TokenStore } from '../../src/store/index.js';
import type { ServerLifecycle } from '../support/server-process.js';

/** What the suite needs from a backend: its own server, a store connected to it, and how to stop and bring back the server. */
export interface FaultBackend {
  server: ServerLifecycle;
  store: TokenStore;
  /** Stops the server under load (e.g. `server.kill()`). */
  halt(): Promise<void>;
  /** Brings it back (e.g. `server.restart()`). */
  resume(): Promise<void>;
  /** How long the server stays down, in ms: a few of the store's timeouts. */
  downMs: number;
}

/** Registers the fault test; `start` starts a private server (with durable writes) and connects a store with a short timeout. */
export function runJwtFaultSuite(name: string, start: () => Promise<FaultBackend>): void {
  describe(`JWTManager with ${name} during verification`, { timeout: 90_000 }, () => {
    let backend: FaultBackend | undefined;
    before(async () => { backend = await start(); });
    after(async () => {
      await backend?.store.close();
      await backend?.server.stop();
    });

    it('StorageError while the server is down, never valid; service resumes after the restart', async () => {
      const { store, halt, resume, downMs } = backend!;
      const manager = JWTManager.withHMAC('a-32-byte-test-secret-0123456789', { store, trackUserTokens: true, claimsCache: true });
      const live = await manager.generateToken({ subject: 'alice' });
      const revoked = await manager.generateToken({ subject: 'alice' });
      await manager.revokeToken(revoked.token, 'logout');
      assert.equal((await manager.verifyToken(live.token)).valid, true);
      assert.equal((await manager.verifyToken(revoked.token)).valid, false);

      // Verifications in flight while the server is killed.
      let stop = false;
      const outcomes: Array<{ token: string; started: number; result?: VerifyTokenResult; error?: unknown }> = [];
      const loop = async (token: string): Promise<void> => {
        while (!stop) {
          const started = performance.now();
          try {
            outcomes.push({ token, started, result: await manager.verifyToken(token) });
          } catch (error) {
            outcomes.push({ token, started, error });
          }
        }
      };
      const loops = [loop(live.token), loop(revoked.token), loop(live.token), loop(revoked.token)];
      await new Promise((r) => setTimeout(r, 100));
      await halt();
      const haltedAt = performance.now();
      await new Promise((r) => setTimeout(r, downMs));
      stop = true;
      await Promise.all(loops);

      assert.ok(outcomes.some((o) => o.error !== undefined), 'no verification failed while the server was down');
      for (const o of outcomes) {
        if (o.error !== undefined) assert.ok(o.error instanceof StorageError, `unexpected ${String(o.error)}`);
        // A revoked token is never valid, store up or down.
        if (o.token === revoked.token) assert.notEqual(o.result?.valid, true);
      }
      // A call started once the server was down never resolved: each one is a StorageError.
      const during = outcomes.filter((o) => o.started >= haltedAt);
      assert.ok(during.length > 0, 'no call started while the server was down');
      assert.deepEqual(during.filter((o) => !(o.error instanceof StorageError)).map((o) => o.result?.valid), []);
      await assert.rejects(manager.verifyToken(live.token), StorageError);
      await assert.rejects(manager.generateToken({ subject: 'alice' }), StorageError);

      await resume();
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
