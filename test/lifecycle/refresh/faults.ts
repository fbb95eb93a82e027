/**
 * TokenPairIssuer over a store whose server dies: every operation rejects with StorageError
 * (never a pair, never a valid access token), a refresh token presented while the server was
 * down is not spent, and after a restart the same issuer serves again with its state intact.
 * Each faults-<backend>.test.ts calls {@link runRefreshFaultSuite}.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../../src/jose/index.js';
import { JWTManager } from '../../../src/jwt/index.js';
import { TokenPairIssuer, type TokenPair } from '../../../src/lifecycle/refresh/index.js';
import type { TokenStore } from '../../../src/store/index.js';
import type { ServerLifecycle } from '../../support/server-process.js';

/** A private server and a store connected to it with a short operation timeout. */
export interface RefreshFaultBackend {
  server: ServerLifecycle;
  store: TokenStore;
}

/** Registers the fault test on the backend `start` creates. */
export function runRefreshFaultSuite(name: string, start: () => Promise<RefreshFaultBackend>): void {
  describe(`TokenPairIssuer with ${name} stopped`, { timeout: 120_000 }, () => {
    let backend: RefreshFaultBackend | undefined;
    before(async () => { backend = await start(); });
    after(async () => {
      await backend?.store.close();
      await backend?.server.stop();
    });

    it('StorageError while the server is down, never a pair or a valid token; the session resumes after the restart', async () => {
      const { server, store } = backend!;
      const pairs = new TokenPairIssuer({ jwt: JWTManager.withHMAC(randomBytes(32)), store, secret: randomBytes(32) });
      const login = await pairs.issueTokenPair({ subject: 'alice', device: { id: 'laptop' } });
      const current = await pairs.refreshTokens(login.refreshToken);
      assert.ok((await pairs.verifyAccessToken(current.accessToken)).valid);

      await server.kill();
      await assert.rejects(pairs.refreshTokens(current.refreshToken), StorageError);
      await assert.rejects(pairs.refreshTokens(login.refreshToken), StorageError);
      await assert.rejects(pairs.verifyAccessToken(current.accessToken), StorageError);
      await assert.rejects(pairs.issueTokenPair({ subject: 'alice' }), StorageError);
      await assert.rejects(pairs.logout(current.refreshToken), StorageError);
      await assert.rejects(pairs.listSessions('alice'), StorageError);

      await server.restart();
      let next: TokenPair | undefined;
      for (let i = 0; i < 50 && next === undefined; i++) {
        try {
          next = await pairs.refreshTokens(current.refreshToken);
        } catch (err) {
          assert.ok(err instanceof StorageError, `unexpected ${String(err)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      // The token presented while the server was down was not spent: it rotates now.
      assert.equal(next?.familyId, login.familyId);
      assert.ok((await pairs.verifyAccessToken(next.accessToken)).valid);
      await assert.rejects(pairs.refreshTokens(current.refreshToken), { code: 'ERR_REFRESH_TOKEN_REUSED' });
      assert.equal((await pairs.verifyAccessToken(next.accessToken)).valid, false);
      assert.deepEqual(await pairs.listSessions('alice'), []);
    });
  });
}
