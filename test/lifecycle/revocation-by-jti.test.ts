/**
 * Revocation is keyed by jti, never by the token's bytes: an ECDSA signature (r, s) has a twin
 * (r, n - s) that verifies as well, so a denylist of token hashes would let the twin through.
 * Here the twin of a revoked token is refused, and its claims-cache entry (a different hash)
 * does not rescue it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKeyPair } from '../../src/jose/index.js';
import { JWTManager } from '../../src/jwt/index.js';
import { MemoryTokenStore } from '../../src/store/index.js';

// Order of the P-256 group.
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

function twin(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  const flipped = Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
}

describe('revocation by jti', () => {
  it('the malleated twin of a revoked ES256 token is refused too', async () => {
    const m = JWTManager.withECDSA(generateKeyPair('ES256').privateKey, { store: new MemoryTokenStore(), claimsCache: true, trackUserTokens: true });
    const { token } = await m.generateToken({ subject: 'alice' });
    const other = twin(token);
    assert.notEqual(other, token);
    assert.equal((await m.verifyToken(token)).valid, true);
    // Both verify while live: the signature scheme allows it, which is why bytes cannot be the key.
    assert.equal((await m.verifyToken(other)).valid, true);
    await m.revokeToken(token, 'logout');
    for (const t of [token, other]) {
      const result = await m.verifyToken(t);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
    }
    await assert.rejects(m.revokeToken(other), { code: 'ERR_TOKEN_ALREADY_REVOKED' });
  });
});
