import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, generateSecret } from '../../src/jose/jwk/keys.js';
import { ImportedJWKS, createLocalJWKSet } from '../../src/keys/jwks-select.js';

describe('JWKS key selection', () => {
  const a = generateKeyPair('ES256');
  const b = generateKeyPair('ES256');
  const ed = generateKeyPair('Ed25519');
  const jwks = {
    keys: [
      { ...exportJWK(a.publicKey), kid: 'a', alg: 'ES256', use: 'sig' },
      { ...exportJWK(b.publicKey), kid: 'b' },
      { ...exportJWK(ed.publicKey), kid: 'ed', use: 'enc' },
      { ...exportJWK(ed.publicKey), kid: 'ops', key_ops: ['encrypt'] },
      { ...exportJWK(a.privateKey), kid: 'private' },
      { ...exportJWK(generateSecret('HS256')), kid: 'secret' },
      { kty: 'EC', crv: 'P-256', x: 'broken', y: 'broken', kid: 'broken' },
    ],
  };

  it('selects by kid and alg, skipping enc, private, secret and broken keys', () => {
    const set = new ImportedJWKS(jwks);
    assert.equal(set.size, 2);
    const resolve = createLocalJWKSet(jwks);
    assert.equal(resolve({ alg: 'ES256', kid: 'a' }).equals(a.publicKey), true);
    assert.equal(resolve({ alg: 'ES256', kid: 'b' }).equals(b.publicKey), true);
    for (const kid of ['ed', 'ops', 'private', 'secret', 'broken', 'nope']) {
      assert.throws(() => resolve({ alg: 'ES256', kid }), { code: 'ERR_JWKS_NO_MATCHING_KEY' }, kid);
    }
    assert.throws(() => resolve({ alg: 'EdDSA', kid: 'ed' }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    assert.throws(() => resolve({ alg: 'ES384', kid: 'a' }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    assert.throws(() => resolve({ alg: 'ES256' }), { code: 'ERR_JWKS_MULTIPLE_MATCHING_KEYS' });
    assert.throws(() => resolve({ kid: 'a' }), { code: 'ERR_JWKS_NO_MATCHING_KEY' });
    assert.throws(() => new ImportedJWKS({ keys: 'x' } as never), { code: 'ERR_JWKS_INVALID' });
  });
});
