/**
 * Property (fast-check): with a claims cache and a store, a token that differs from a cached one
 * by any edit is never served from the cache and never verifies; every outcome is a typed error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CjwtError, generateKeyPair } from '../../src/jose/index.js';
import { JWTManager } from '../../src/jwt/index.js';
import { MemoryTokenStore } from '../../src/store/index.js';

describe('claims cache under mutated tokens', () => {
  it('an edited token is a cache miss and never valid', async () => {
    const signing = generateKeyPair('ES256');
    const encryption = generateKeyPair('P-256');
    for (const encrypted of [false, true]) {
      const manager = JWTManager.withECDSA(signing.privateKey, {
        store: new MemoryTokenStore(), claimsCache: true, trackUserTokens: true,
        ...(encrypted ? { encryption: { key: encryption.publicKey, decryptionKey: encryption.privateKey } } : {}),
      });
      const { token } = await manager.generateToken({ subject: 'alice' });
      assert.equal((await manager.verifyToken(token)).valid, true);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=';
      await fc.assert(fc.asyncProperty(
        fc.nat({ max: token.length - 1 }), fc.constantFrom(...alphabet), fc.constantFrom('replace', 'insert', 'delete'),
        async (at, char, edit) => {
          const mutated = edit === 'replace' ? token.slice(0, at) + char + token.slice(at + 1)
            : edit === 'insert' ? token.slice(0, at) + char + token.slice(at) : token.slice(0, at) + token.slice(at + 1);
          if (mutated === token) return;
          const hits = manager.claimsCache!.stats().hits;
          const result = await manager.verifyToken(mutated);
          assert.equal(manager.claimsCache!.stats().hits, hits);
          // Base64url's last character can carry unused bits: a few edits decode to the same bytes
          // and verify, legitimately (revocation is by jti, so such a twin is revoked with it).
          if (result.valid) {
            assert.equal(result.claims.jti, (await manager.verifyToken(token)).valid ? manager.parseToken(token).claims.jti : undefined);
            return;
          }
          assert.ok(result.error instanceof CjwtError);
        },
      ), { numRuns: encrypted ? 150 : 300 });
    }
  });
});
