/**
 * Property tests (fast-check): whatever string is presented as a refresh token, unless it is one
 * this server issued, refreshTokens refuses it with ERR_TOKEN_MALFORMED (logout too, or with the
 * JWT layer's code when it could be a JWT) and neither makes a store call; and the refresh record ids round-trip through their parser.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JWTManager } from '../../../src/jwt/index.js';
import { parseRefreshRecordId, refreshRecordId, successorRecordId } from '../../../src/lifecycle/refresh/family.js';
import { TokenPairIssuer } from '../../../src/lifecycle/refresh/index.js';
import { MemoryTokenStore } from '../../../src/store/index.js';
import type { TokenStore } from '../../../src/store/types.js';

/** The store wrapped so that every method call is counted. */
function counting(store: TokenStore): { store: TokenStore; calls: () => number } {
  let n = 0;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => { n++; return (value as (...a: unknown[]) => unknown).apply(target, args); };
    },
  });
  return { store: wrapped, calls: () => n };
}

describe('refresh tokens that are not ours', () => {
  const secret = randomBytes(32);
  const real = new MemoryTokenStore({ sweepIntervalMs: 0 });
  const jwt = JWTManager.withHMAC(randomBytes(32));
  const issuer = new TokenPairIssuer({ jwt, store: real, secret });

  it('arbitrary strings and single-character edits of a real token: ERR_TOKEN_MALFORMED, zero store calls', async () => {
    const { refreshToken } = await issuer.issueTokenPair({ subject: 'prop' });
    const { store, calls } = counting(real);
    const checked = new TokenPairIssuer({ jwt, store, secret });
    const edited = fc.tuple(fc.nat({ max: refreshToken.length - 1 }), fc.string({ minLength: 1, maxLength: 1 }))
      .map(([at, c]) => refreshToken.slice(0, at) + c + refreshToken.slice(at + 1))
      .filter((t) => t !== refreshToken);
    const dropped = fc.nat({ max: refreshToken.length - 1 }).map((at) => refreshToken.slice(0, at) + refreshToken.slice(at + 1));
    const candidates = fc.oneof(fc.string({ maxLength: 200 }).filter((s) => !s.includes('.')), fc.string({ unit: 'binary', maxLength: 120 }).filter((s) => !s.includes('.')), edited, dropped);
    await fc.assert(fc.asyncProperty(candidates, async (token) => {
      await assert.rejects(checked.refreshTokens(token), { code: 'ERR_TOKEN_MALFORMED' });
      // logout also takes access tokens: with a dot the string is refused by the JWT layer instead.
      await assert.rejects(checked.logout(token), (err: { code?: string }) => token.includes('.') ? /^ERR_(JWS|JWT|JWE|TOKEN_TOO_LARGE)/.test(err.code ?? '') : err.code === 'ERR_TOKEN_MALFORMED');
    }), { numRuns: 1500 });
    assert.equal(calls(), 0);
    // The real token still works: the refusals spent nothing.
    assert.equal((await issuer.refreshTokens(refreshToken)).familyId.length, 22);
  });

  it('refresh record ids: <familyId>.<generation> round-trips; anything else is not one', () => {
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.endsWith('.')), fc.nat(), (familyId, generation) => {
      const id = refreshRecordId(familyId, generation);
      assert.deepEqual(parseRefreshRecordId(id), { familyId, generation });
      assert.equal(successorRecordId({ id, kind: 'refresh', subject: 's', issuedAt: 0, expiresAt: 1 }), refreshRecordId(familyId, generation + 1));
    }));
    for (const bad of ['', 'abc', '.1', 'abc.', 'abc.01', 'abc.-1', 'abc.1.5e3', 'abc.x']) {
      assert.equal(parseRefreshRecordId(bad), undefined, bad);
    }
  });
});
