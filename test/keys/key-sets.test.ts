/**
 * Key sets used to verify (a KeyRing, a JWKS): `use` and `key_ops` decide what a key may do, a
 * set never mixes secrets with asymmetric keys, and two keys never share a `kid` for one use.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportJWK, generateKeyPair, generateSecret } from '../../src/jose/jwk/keys.js';
import { ImportedJWKS, KeyRing } from '../../src/keys/index.js';

const es = generateKeyPair('ES256');
const other = generateKeyPair('ES256');
const secret = generateSecret('HS256');

describe('KeyRing', () => {
  test('a JWK whose key_ops is ["encrypt","decrypt"] is not a verification key', () => {
    const ring = new KeyRing();
    const info = ring.add({ ...exportJWK(secret), kid: 'hs', key_ops: ['encrypt', 'decrypt'] }, { alg: 'HS256' });
    assert.equal(info.use, 'enc');
    assert.equal(ring.signingKey(), undefined, 'an encryption key never becomes the signing key');
    assert.equal(ring.jwks().keys.length, 0);
  });

  test('a private JWK listed only for "verify" verifies but never signs', () => {
    const ring = new KeyRing();
    const info = ring.add({ ...exportJWK(es.privateKey), kid: 'es', key_ops: ['verify'] });
    assert.equal(info.use, 'sig');
    assert.equal(ring.signingKey(), undefined);
    assert.throws(() => ring.add({ ...exportJWK(other.privateKey), kid: 'es2', key_ops: ['verify'] }, { active: true }), { code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  test('use and key_ops that contradict each other, or the caller\'s use, are refused', () => {
    const ring = new KeyRing();
    assert.throws(() => ring.add({ ...exportJWK(es.publicKey), use: 'sig', key_ops: ['decrypt'] }), { code: 'ERR_JWK_INVALID' });
    assert.throws(() => ring.add({ ...exportJWK(es.publicKey), use: 'enc' }, { use: 'sig' }), { code: 'ERR_JWK_INVALID' });
    assert.throws(() => ring.add({ ...exportJWK(es.publicKey), key_ops: ['verify', 'verify'] }), { code: 'ERR_JWK_INVALID' });
  });

  test('a ring that verifies never mixes secrets with asymmetric keys', () => {
    const asymmetric = new KeyRing();
    asymmetric.add(es.privateKey, { kid: 'es' });
    assert.throws(() => asymmetric.add(secret, { kid: 'hs' }), { code: 'ERR_JWKS_INVALID', message: /either secret \(oct\) keys or asymmetric keys/ });
    const symmetric = new KeyRing();
    symmetric.add(secret, { kid: 'hs' });
    assert.throws(() => symmetric.add(es.publicKey, { kid: 'es' }), { code: 'ERR_JWKS_INVALID' });
    assert.throws(() => symmetric.rotate({ algorithm: 'ES256' }), { code: 'ERR_JWKS_INVALID' });
    // An encryption key is not part of the verification set.
    assert.equal(symmetric.add(es.publicKey, { kid: 'es-enc', use: 'enc' }).use, 'enc');
    assert.equal(symmetric.signingKey()?.kid, 'hs');
  });
});

describe('ImportedJWKS', () => {
  test('a published set mixing a secret with public keys is refused', () => {
    assert.throws(() => new ImportedJWKS({ keys: [{ ...exportJWK(es.publicKey), kid: 'es' }, { ...exportJWK(secret), kid: 'hs' }] }), {
      code: 'ERR_JWKS_INVALID', message: /either secret \(oct\) keys or asymmetric keys/,
    });
  });

  test('two keys with the same kid and use are refused; sig and enc may share a kid', () => {
    assert.throws(() => new ImportedJWKS({ keys: [{ ...exportJWK(es.publicKey), kid: 'k' }, { ...exportJWK(other.publicKey), kid: 'k', use: 'sig' }] }), {
      code: 'ERR_JWKS_INVALID', message: /share the kid "k"/,
    });
    const set = new ImportedJWKS({ keys: [{ ...exportJWK(es.publicKey), kid: 'k', use: 'sig' }, { ...exportJWK(other.publicKey), kid: 'k', use: 'enc' }] });
    assert.equal(set.size, 1);
    assert.equal(set.select({ alg: 'ES256', kid: 'k' }).equals(es.publicKey), true);
  });

  test('key_ops that contradict use make the key unusable, not the set', () => {
    const set = new ImportedJWKS({ keys: [{ ...exportJWK(es.publicKey), kid: 'bad', use: 'sig', key_ops: ['encrypt'] }, { ...exportJWK(other.publicKey), kid: 'ok' }] });
    assert.equal(set.size, 1);
    assert.equal(set.select({ alg: 'ES256', kid: 'ok' }).equals(other.publicKey), true);
  });
});
