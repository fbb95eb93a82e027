// Keys: generation, PEM (PKCS#8, SPKI, PKCS#1, SEC1) and JWK round trips, key-file detection,
// the algorithm binding of each key, and the seed helpers.
import assert from 'node:assert/strict';
import { createSecretKey } from 'node:crypto';
import { test } from 'node:test';
import {
  JOSENotSupported, JWKInvalid, JWKSInvalid, KeyTooWeak, algorithmsForKey, defaultHMACKey, defaultRSAKeyPair, exportJWK, exportPEM,
  generateECDSAKeyPair, generateHMACKey, generateKeyPair, generateRSAKeyPair, generateSecret, importJWK, importPEM, importSecret,
  parseKeyFile, signCompact, toPublicKey, verifyCompact,
} from '../../src/jose/index.js';

const rsa = defaultRSAKeyPair();

test('algorithmsForKey binds each key to its algorithms', () => {
  assert.deepEqual(algorithmsForKey(rsa.publicKey), ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']);
  assert.deepEqual(algorithmsForKey(generateECDSAKeyPair('P-384').privateKey), ['ES384']);
  assert.deepEqual(algorithmsForKey(generateKeyPair('ES512').publicKey), ['ES512']);
  assert.deepEqual(algorithmsForKey(generateKeyPair('Ed448').publicKey), ['EdDSA']);
  assert.deepEqual(algorithmsForKey(generateSecret('HS256')), ['HS256']);
  assert.deepEqual(algorithmsForKey(generateSecret(64)), ['HS256', 'HS384', 'HS512']);
  assert.deepEqual(algorithmsForKey(createSecretKey(Buffer.alloc(16))), []);
  assert.deepEqual(algorithmsForKey(generateKeyPair('X25519').publicKey), []);
});

test('PEM import detects PKCS#8, SPKI, PKCS#1 and SEC1, and export round-trips', () => {
  const ec = generateKeyPair('P-256');
  const cases: Array<[string, 'private' | 'public']> = [
    [exportPEM(rsa.privateKey), 'private'], [exportPEM(rsa.privateKey, 'pkcs1'), 'private'], [exportPEM(rsa.publicKey), 'public'],
    [exportPEM(rsa.publicKey, 'pkcs1'), 'public'], [exportPEM(rsa.privateKey, 'spki'), 'public'], [exportPEM(ec.privateKey, 'sec1'), 'private'],
    [exportPEM(ec.privateKey), 'private'], [exportPEM(ec.publicKey), 'public'],
  ];
  for (const [pem, type] of cases) {
    const key = importPEM(pem);
    assert.equal(key.type, type, pem.split('\n')[0]);
    const source = key.asymmetricKeyType === 'ec' ? ec.publicKey : rsa.publicKey;
    assert.deepEqual(exportJWK(toPublicKey(key)), exportJWK(source));
  }
  assert.match(exportPEM(rsa.privateKey, 'pkcs1'), /^-----BEGIN RSA PRIVATE KEY-----/);
  assert.match(exportPEM(rsa.publicKey, 'pkcs1'), /^-----BEGIN RSA PUBLIC KEY-----/);
  assert.throws(() => importPEM('hello'), JWKInvalid);
  assert.throws(() => importPEM('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'), JWKInvalid);
  assert.throws(() => importPEM('-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----'), JOSENotSupported);
  assert.throws(() => exportPEM(generateSecret('HS256')), JOSENotSupported);
});

test('JWK import/export round-trips for every key type', () => {
  for (const kind of ['RSA', 'P-256', 'P-384', 'P-521', 'Ed25519', 'Ed448', 'X25519'] as const) {
    const { privateKey, publicKey } = kind === 'RSA' ? rsa : generateKeyPair(kind);
    assert.deepEqual(exportJWK(importJWK(exportJWK(privateKey))), exportJWK(privateKey), kind);
    assert.equal(importJWK(exportJWK(publicKey)).type, 'public', kind);
    assert.equal(exportJWK(publicKey).d, undefined, kind);
  }
  const secret = generateSecret('HS384');
  assert.deepEqual(importJWK(exportJWK(secret)).export(), secret.export());
  // Metadata never changes the key; missing or foreign members are typed errors.
  assert.equal(importJWK({ ...exportJWK(rsa.publicKey), alg: 'RS256', kid: 'k', x5c: ['x'] }).type, 'public');
  assert.throws(() => importJWK({ kty: 'RSA', e: 'AQAB' }), JWKInvalid);
  assert.throws(() => importJWK({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }), JWKInvalid);
  assert.throws(() => importJWK({ kty: 'EC', crv: 'secp256k1', x: 'AA', y: 'AA' }), JOSENotSupported);
  assert.throws(() => importJWK({ kty: 'foo' }), JOSENotSupported);
  assert.throws(() => importJWK(null as never), JWKInvalid);
  assert.throws(() => importJWK({ kty: 'oct', k: 'not base64url!' }), Error);
});

test('parseKeyFile detects a JWK, a JWKS and PEM blocks', () => {
  const ec = generateKeyPair('ES256');
  const jwk = { ...exportJWK(ec.privateKey), kid: 'ec-1', alg: 'ES256', use: 'sig' };
  const single = parseKeyFile(JSON.stringify(jwk));
  assert.equal(single.length, 1);
  assert.equal(single[0]?.kid, 'ec-1');
  assert.equal(single[0]?.alg, 'ES256');
  assert.equal(single[0]?.key.type, 'private');
  const set = parseKeyFile(JSON.stringify({ keys: [jwk, { ...exportJWK(rsa.publicKey), kid: 'rsa-1' }] }));
  assert.deepEqual(set.map((k) => [k.kid, k.key.type]), [['ec-1', 'private'], ['rsa-1', 'public']]);
  const pems = parseKeyFile(`${exportPEM(ec.publicKey)}\n${exportPEM(rsa.privateKey, 'pkcs1')}`);
  assert.deepEqual(pems.map((k) => k.key.asymmetricKeyType), ['ec', 'rsa']);
  assert.throws(() => parseKeyFile('{"keys":[]}'), JWKSInvalid);
  assert.throws(() => parseKeyFile('{"keys":'), JWKInvalid);
  assert.throws(() => parseKeyFile('just text'), JWKInvalid);
  // A private JWK verifies with its public part.
  const token = signCompact('x', { alg: 'ES256' }, single[0]!.key);
  assert.equal(verifyCompact(token, toPublicKey(single[0]!.key)).payload.toString(), 'x');
  assert.equal(verifyCompact(token, single[0]!.key).payload.toString(), 'x');
});

test('seed helpers and generators enforce the minimum strength', () => {
  assert.equal(generateRSAKeyPair(3072).publicKey.asymmetricKeyDetails?.modulusLength, 3072);
  assert.equal(rsa.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.throws(() => generateRSAKeyPair(1024), KeyTooWeak);
  assert.equal(generateECDSAKeyPair().publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(generateHMACKey().length, 32);
  assert.equal(generateHMACKey(64).length, 64);
  assert.equal(defaultHMACKey().length, 32);
  assert.throws(() => generateHMACKey(16), KeyTooWeak);
  assert.equal(generateSecret('HS512').symmetricKeySize, 64);
  assert.equal(importSecret(defaultHMACKey()).symmetricKeySize, 32);
  assert.throws(() => generateKeyPair('HS256'), JOSENotSupported);
  assert.throws(() => toPublicKey(generateSecret('HS256')), JWKInvalid);
});
