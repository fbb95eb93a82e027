/**
 * `revocation: 'feed'` on Redis: a second process revokes; the feed stream brings it here. And a
 * feed that cannot connect: the managers fall back per `whenStale`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JWTManager } from '../../../src/jwt/index.js';
import { RedisTokenStore } from '../../../src/store/index.js';
import { testServerUrl } from '../../support/server-url.js';
import { runFeedModeSuite } from './feed-mode-suite.js';

const url = testServerUrl('redis', 'the feed mode on Redis needs a server');
if (url !== undefined) {
  runFeedModeSuite({
    name: 'redis', open: () => RedisTokenStore.connect(url, { prefix: 'fm_', sweepIntervalMs: 0 }), feedOptions: { url, prefix: 'fm_' }, workerUrl: url, prefix: 'fm_',
  });
}

if (url !== undefined) {
  describe('feed mode on Redis: a feed that cannot start', () => {
    it('checks go by round trip (whenStale store) or are refused (whenStale refuse), never from memory', async () => {
      const store = await RedisTokenStore.connect(url, { prefix: 'fm_', sweepIntervalMs: 0 });
      // The store is reachable; the feed is pointed at a port nothing listens on.
      const feedOptions = { url: 'redis://127.0.0.1:1', prefix: 'fm_' };
      const secret = new Uint8Array(32).fill(3);
      const viaStore = JWTManager.withHMAC(secret, { store, revocation: 'feed', revocationFeed: feedOptions });
      const refusing = JWTManager.withHMAC(secret, { store, revocation: 'feed', revocationFeed: { ...feedOptions, whenStale: 'refuse' } });
      try {
        const { token, jwtId, expiresAt } = await viaStore.generateToken({ subject: 'no-feed' });
        assert.equal((await viaStore.verifyToken(token)).valid, true);
        assert.deepEqual(viaStore.revocationFeedCheck!.stats(), { mirror: 0, store: 1, refused: 0 });
        await assert.rejects(refusing.verifyToken(token), (err: { code?: string }) => err.code === 'ERR_STORAGE');
        await viaStore.revokeTokenById(jwtId, expiresAt);
        const result = await viaStore.verifyToken(token);
        assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
      } finally {
        await viaStore.close();
        await refusing.close();
        await store.close();
      }
    });
  });
}
