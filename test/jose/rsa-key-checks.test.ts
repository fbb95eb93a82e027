/**
 * RSA keys are checked on import (DESIGN.md): a sane public exponent (odd, at least 3, at most
 * 256 bits), at least 2048 bits, and no ROCA fingerprint (CVE-2017-15361). Each check holds for
 * JWK and PEM import and for a KeyObject handed straight to a signer, verifier or JWE call.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  encryptCompact, exportJWK, generateKeyPair, importJWK, importPEM, isCjwtError, parseKeyFile, verifyCompact, type JWK,
} from '../../src/jose/index.js';
import { hasROCAFingerprint } from '../../src/jose/jwk/rsa-checks.js';
import { ROCA_MODULUS_HEX } from './fixtures/roca-modulus.js';

const rsa = generateKeyPair('RS256');
const publicJwk = exportJWK(rsa.publicKey);

function b64(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function exponent(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function isJWKInvalid(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(isCjwtError(err, 'ERR_JWK_INVALID'), `expected ERR_JWK_INVALID, got ${String(err)}`);
    assert.match((err as Error).message, pattern);
    return true;
  };
}

/** An RS256 token "signed" for a key with e = 1: the signature is the padded message itself. */
function forgeForExponentOne(n: string): string {
  const input = `${b64('{"alg":"RS256"}')}.${b64('{"sub":"mallory"}')}`;
  const k = Buffer.from(n, 'base64url').length;
  const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(input).digest()]);
  const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - digestInfo.length - 3, 0xff), Buffer.from([0]), digestInfo]);
  return `${input}.${b64(em)}`;
}

test('an RSA key with public exponent 1 is refused, so the forged signature cannot verify', () => {
  const weak: JWK = { ...publicJwk, e: 'AQ' };
  assert.throws(() => importJWK(weak), isJWKInvalid(/exponent/));
  // The same key made by node:crypto directly, then handed to the verifier.
  const keyObject = createPublicKey({ key: { kty: 'RSA', n: String(publicJwk.n), e: 'AQ' }, format: 'jwk' });
  assert.throws(() => verifyCompact(forgeForExponentOne(String(publicJwk.n)), keyObject), isJWKInvalid(/exponent/));
  assert.throws(() => encryptCompact('x', keyObject, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }), isJWKInvalid(/exponent/));
  const pem = keyObject.export({ format: 'pem', type: 'spki' }) as string;
  assert.throws(() => importPEM(pem), isJWKInvalid(/exponent/));
  assert.throws(() => parseKeyFile(JSON.stringify({ keys: [weak] })), isJWKInvalid(/exponent/));
});

test('even, below 3 and absurdly large exponents are refused; 3 and 65537 pass', () => {
  for (const e of [2n, 4n, 65536n, 1n << 256n | 1n, (1n << 1024n) + 1n]) {
    assert.throws(() => importJWK({ ...publicJwk, e: exponent(e) }), isJWKInvalid(/exponent/), `e = ${e}`);
  }
  for (const e of [3n, 65537n, (1n << 255n) + 1n]) {
    assert.equal(importJWK({ ...publicJwk, e: exponent(e) }).asymmetricKeyDetails?.publicExponent, e);
  }
});

test('RSA keys under 2048 bits are still refused', () => {
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.throws(() => importJWK(exportJWK(small.publicKey)), (err) => isCjwtError(err, 'ERR_KEY_WEAK'));
});

test('a ROCA-fingerprinted modulus is refused with ERR_JWK_INVALID naming ROCA', () => {
  const n = Buffer.from(ROCA_MODULUS_HEX, 'hex').toString('base64url');
  assert.equal(hasROCAFingerprint(BigInt(`0x${ROCA_MODULUS_HEX}`)), true);
  assert.throws(() => importJWK({ kty: 'RSA', n, e: 'AQAB' }), isJWKInvalid(/ROCA/));
  const keyObject = createPublicKey({ key: { kty: 'RSA', n, e: 'AQAB' }, format: 'jwk' });
  assert.throws(() => importPEM(keyObject.export({ format: 'pem', type: 'spki' }) as string), isJWKInvalid(/ROCA/));
  assert.throws(() => verifyCompact('e30.e30.AA', keyObject), isJWKInvalid(/ROCA/));
  assert.throws(() => encryptCompact('x', keyObject, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }), isJWKInvalid(/CVE-2017-15361/));
});

test('generated RSA keys carry no ROCA fingerprint and import cleanly', () => {
  for (let i = 0; i < 3; i++) {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = exportJWK(publicKey);
    assert.equal(hasROCAFingerprint(BigInt(`0x${Buffer.from(String(jwk.n), 'base64url').toString('hex')}`)), false);
    assert.equal(importJWK(jwk).type, 'public');
    assert.equal(importJWK(exportJWK(privateKey)).type, 'private');
  }
  // A modulus one off the vulnerable one is not flagged: the test looks at the structure, not a list.
  assert.equal(hasROCAFingerprint(BigInt(`0x${ROCA_MODULUS_HEX}`) + 2n), false);
});
