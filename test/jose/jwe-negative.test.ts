/**
 * JWE invariants: malformed input is JWEInvalid, an unfit key or alg is JOSEAlgNotAllowed, and
 * every cryptographic failure is the one JWEDecryptionFailed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createSecretKey, generateKeyPairSync, randomBytes, createCipheriv, createHmac, constants, publicEncrypt } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { decryptCompact, encryptCompact, encryptCompactWith, createJWEDecrypter, createJWEEncrypter, keyManagementAlgorithmsForKey } from '../../src/jose/jwe/jwe.js';
import { decryptJSON, encryptJSON, type FlattenedJWE, type GeneralJWE } from '../../src/jose/jwe/jwe-json.js';
import { isCjwtError, type CjwtErrorCode } from '../../src/jose/errors.js';
import type { JWEKey } from '../../src/jose/jwe/types.js';
import { decodeSegment } from '../../src/jose/jwe/header.js';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p256b = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const x25519 = generateKeyPairSync('x25519');
const aes256 = createSecretKey(randomBytes(32));

function rejects(fn: () => unknown, code: CjwtErrorCode, message?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isCjwtError(err), `expected a cjwt error, got ${String(err)}`);
    assert.equal(err.code, code, message);
    return true;
  });
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const flip = (s: string, at = 0): string => {
  const bytes = Buffer.from(s, 'base64url');
  bytes[at % bytes.length]! ^= 1;
  return bytes.toString('base64url');
};

const samples: Array<{ name: string; token: string; key: JWEKey }> = [
  { name: 'RSA-OAEP-256/A256GCM', token: encryptCompact('secret text', rsa.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM' }), key: rsa.privateKey },
  { name: 'ECDH-ES+A256KW/A128CBC-HS256', token: encryptCompact('secret text', p256.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A128CBC-HS256' }), key: p256.privateKey },
  { name: 'ECDH-ES/A256GCM X25519', token: encryptCompact('secret text', x25519.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' }), key: x25519.privateKey },
  { name: 'dir/A256GCM', token: encryptCompact('secret text', aes256, { alg: 'dir', enc: 'A256GCM' }), key: aes256 },
  { name: 'A256GCMKW/A256CBC-HS512', token: encryptCompact('secret text', aes256, { alg: 'A256GCMKW', enc: 'A256CBC-HS512' }), key: aes256 },
];

for (const { name, token, key } of samples) {
  test(`${name}: each modified segment fails with JWEDecryptionFailed or JWEInvalid`, () => {
    const parts = token.split('.');
    assert.equal(decryptCompact(token, key).plaintext.toString(), 'secret text');
    for (const i of [1, 2, 3, 4]) {
      if (parts[i] === '') continue;
      for (const at of [0, 5, 1000]) {
        const changed = [...parts];
        changed[i] = flip(parts[i]!, at);
        rejects(() => decryptCompact(changed.join('.'), key), 'ERR_JWE_DECRYPTION_FAILED', `segment ${i} at ${at}`);
      }
    }
    // Truncated tag or IV: still the one decryption error, never a shorter-tag acceptance.
    rejects(() => decryptCompact([...parts.slice(0, 4), parts[4]!.slice(0, 8)].join('.'), key), 'ERR_JWE_DECRYPTION_FAILED');
    rejects(() => decryptCompact([parts[0], parts[1], parts[2]!.slice(0, 8), parts[3], parts[4]].join('.'), key), 'ERR_JWE_DECRYPTION_FAILED');
    // A changed protected header is authenticated data: the tag no longer matches.
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
    rejects(() => decryptCompact([b64({ ...header, kid: 'x' }), ...parts.slice(1)].join('.'), key), 'ERR_JWE_DECRYPTION_FAILED');
  });

  test(`${name}: each missing segment is a malformed JWE`, () => {
    const parts = token.split('.');
    for (let i = 0; i < 5; i++) {
      const missing = parts.filter((_, j) => j !== i).join('.');
      rejects(() => decryptCompact(missing, key), 'ERR_JWE_INVALID');
    }
    for (const i of [0, 2, 3, 4]) {
      if (i === 0) {
        rejects(() => decryptCompact(['', ...parts.slice(1)].join('.'), key), 'ERR_JWE_INVALID');
        continue;
      }
      const emptied = [...parts];
      emptied[i] = '';
      rejects(() => decryptCompact(emptied.join('.'), key), 'ERR_JWE_DECRYPTION_FAILED', `segment ${i} emptied`);
    }
    rejects(() => decryptCompact(`${token}.`, key), 'ERR_JWE_INVALID');
    rejects(() => decryptCompact(token.replace('.', '.!'), key), 'ERR_JWE_INVALID');
  });
}

test('dir and ECDH-ES refuse a non-empty encrypted key as malformed', () => {
  for (const [token, key] of [
    [encryptCompact('x', aes256, { alg: 'dir', enc: 'A256GCM' }), aes256],
    [encryptCompact('x', x25519.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' }), x25519.privateKey],
    [encryptCompact('x', p256.publicKey, { alg: 'ECDH-ES', enc: 'A128GCM' }), p256.privateKey],
  ] as Array<[string, JWEKey]>) {
    const parts = token.split('.');
    assert.equal(parts[1], '');
    rejects(() => decryptCompact([parts[0], 'AAAA', ...parts.slice(2)].join('.'), key), 'ERR_JWE_INVALID');
  }
});

test('a wrong key of the right type fails with the same error as a forgery', () => {
  const pairs: Array<[string, JWEKey, JWEKey]> = [
    [encryptCompact('x', rsa.publicKey, { alg: 'RSA-OAEP', enc: 'A128GCM' }), rsa2.privateKey, rsa.privateKey],
    [encryptCompact('x', p256.publicKey, { alg: 'ECDH-ES', enc: 'A128GCM' }), p256b.privateKey, p256.privateKey],
    [encryptCompact('x', p256.publicKey, { alg: 'ECDH-ES+A128KW', enc: 'A128GCM' }), p256b.privateKey, p256.privateKey],
    [encryptCompact('x', aes256, { alg: 'A256KW', enc: 'A128GCM' }), createSecretKey(randomBytes(32)), aes256],
    [encryptCompact('x', aes256, { alg: 'dir', enc: 'A256GCM' }), createSecretKey(randomBytes(32)), aes256],
    [encryptCompact('x', 'pw-one', { alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 1000 }), 'pw-two', 'pw-one'],
  ];
  for (const [token, wrong, right] of pairs) {
    assert.equal(decryptCompact(token, right).plaintext.toString(), 'x');
    assert.throws(() => decryptCompact(token, wrong), (err: unknown) => isCjwtError(err, 'ERR_JWE_DECRYPTION_FAILED') && err.message === 'decryption operation failed');
  }
});

test('the key decides the algorithm: unfit keys and algs outside the allowlists are refused before decrypting', () => {
  const token = encryptCompact('x', aes256, { alg: 'A256KW', enc: 'A256GCM' });
  rejects(() => decryptCompact(token, createSecretKey(randomBytes(16))), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptCompact(token, rsa.privateKey), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptCompact(token, 'a password'), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptCompact(token, aes256, { keyManagementAlgorithms: ['dir'] }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptCompact(token, aes256, { contentEncryptionAlgorithms: ['A128GCM'] }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  // A public key cannot decrypt; an EC key of another curve does not fit the token's epk.
  const ecToken = encryptCompact('x', p256.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM' });
  rejects(() => decryptCompact(ecToken, p256.publicKey), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptCompact(ecToken, p384.privateKey), 'ERR_JWE_INVALID');
  // A raw secret is never silently treated as a PBES2 password.
  const pbes = encryptCompact('x', Buffer.from('password-bytes'), { alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 1000 });
  rejects(() => decryptCompact(pbes, Buffer.from('password-bytes')), 'ERR_JOSE_ALG_NOT_ALLOWED');
  assert.equal(decryptCompact(pbes, Buffer.from('password-bytes'), { keyManagementAlgorithms: ['PBES2-HS256+A128KW'] }).plaintext.toString(), 'x');
  // Encryption: unfit keys are refused up front; RSA under 2048 bits is too weak.
  rejects(() => encryptCompact('x', createSecretKey(randomBytes(16)), { alg: 'A256KW', enc: 'A256GCM' }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => encryptCompact('x', p256.publicKey, { alg: 'RSA-OAEP', enc: 'A256GCM' }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
  rejects(() => encryptCompact('x', weak.publicKey, { alg: 'RSA-OAEP', enc: 'A256GCM' }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => encryptCompact('x', aes256, { alg: 'none' as never, enc: 'A256GCM' }), 'ERR_JOSE_NOT_SUPPORTED');
  rejects(() => createJWEEncrypter(aes256, { alg: 'A128KW', enc: 'A256GCM' }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  assert.deepEqual(keyManagementAlgorithmsForKey(rsa.publicKey), ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512']);
  assert.deepEqual(keyManagementAlgorithmsForKey(aes256), ['dir', 'A256KW', 'A256GCMKW']);
  assert.deepEqual(keyManagementAlgorithmsForKey('pw'), ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW']);
});

test('ECDH-ES: an off-curve or malformed ephemeral key is refused', () => {
  const token = encryptCompact('x', p256.publicKey, { alg: 'ECDH-ES+A128KW', enc: 'A128GCM' });
  const parts = token.split('.');
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as { epk: { x: string; y: string } };
  // Flip one bit of y: the point leaves the curve (an invalid-curve attack would need exactly this).
  const offCurve = { ...header, epk: { ...header.epk, y: flip(header.epk.y, 31) } };
  rejects(() => decryptCompact([b64(offCurve), ...parts.slice(1)].join('.'), p256.privateKey), 'ERR_JWE_DECRYPTION_FAILED');
  // A point of a small curve: valid coordinates lengths, not on P-256.
  const tiny = { ...header, epk: { ...header.epk, x: Buffer.alloc(32, 0).toString('base64url'), y: Buffer.alloc(32, 0).toString('base64url') } };
  rejects(() => decryptCompact([b64(tiny), ...parts.slice(1)].join('.'), p256.privateKey), 'ERR_JWE_DECRYPTION_FAILED');
  for (const epk of [undefined, 'str', { ...header.epk, crv: 'P-384' }, { ...header.epk, kty: 'OKP' }, { ...header.epk, x: 'AAAA' }, { ...header.epk, d: 'AAAA' }]) {
    rejects(() => decryptCompact([b64({ ...header, epk }), ...parts.slice(1)].join('.'), p256.privateKey), 'ERR_JWE_INVALID');
  }
  // X25519: the all-zero (low-order) public key yields an all-zero secret and is refused.
  const xToken = encryptCompact('x', x25519.publicKey, { alg: 'ECDH-ES', enc: 'A128GCM' }).split('.');
  const xHeader = JSON.parse(Buffer.from(xToken[0]!, 'base64url').toString()) as { epk: { x: string } };
  const zero = { ...xHeader, epk: { ...xHeader.epk, x: Buffer.alloc(32).toString('base64url') } };
  rejects(() => decryptCompact([b64(zero), ...xToken.slice(1)].join('.'), x25519.privateKey), 'ERR_JWE_DECRYPTION_FAILED');
});

test('PBES2: p2c is bounded, p2s has a minimum length', () => {
  const token = encryptCompact('x', 'pw', { alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c: 1000 });
  const parts = token.split('.');
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
  const started = Date.now();
  rejects(() => decryptCompact([b64({ ...header, p2c: 10_000_000 }), ...parts.slice(1)].join('.'), 'pw'), 'ERR_JWE_INVALID');
  assert.ok(Date.now() - started < 200, 'an oversized p2c is refused before deriving');
  rejects(() => decryptCompact(token, 'pw', { maxPBES2Count: 999 }), 'ERR_JWE_INVALID');
  for (const p2c of [0, -1, 1.5, '1000']) rejects(() => decryptCompact([b64({ ...header, p2c }), ...parts.slice(1)].join('.'), 'pw'), 'ERR_JWE_INVALID');
  rejects(() => decryptCompact([b64({ ...header, p2s: 'AAAA' }), ...parts.slice(1)].join('.'), 'pw'), 'ERR_JWE_INVALID');
});

test('zip: a decompression bomb is stopped at the bound', () => {
  const bomb = Buffer.alloc(5 * 1024 * 1024, 0x41);
  const token = encryptCompact(bomb, aes256, { alg: 'dir', enc: 'A256GCM', zip: true });
  assert.ok(token.length < 20_000, 'the bomb is small on the wire');
  rejects(() => decryptCompact(token, aes256), 'ERR_TOKEN_TOO_LARGE');
  assert.equal(decryptCompact(token, aes256, { maxDecompressedSize: 6 * 1024 * 1024 }).plaintext.length, bomb.length);
  const small = encryptCompact('hello hello hello', aes256, { alg: 'dir', enc: 'A256GCM', zip: 'DEF' });
  assert.equal(decryptCompact(small, aes256).plaintext.toString(), 'hello hello hello');
  // zip outside the protected header, or an unknown zip, is refused.
  rejects(() => encryptJSON('x', { enc: 'A256GCM', unprotectedHeader: { zip: 'DEF' }, recipients: [{ key: aes256, alg: 'A256KW' }], flattened: true }), 'ERR_JWE_INVALID');
  const flat = encryptJSON('x', { enc: 'A256GCM', unprotectedHeader: { note: 1 }, recipients: [{ key: aes256, alg: 'A256KW' }], flattened: true }) as FlattenedJWE;
  rejects(() => decryptJSON({ ...flat, unprotected: { zip: 'DEF' } }, aes256), 'ERR_JWE_INVALID');
  const parts = small.split('.');
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString()) as Record<string, unknown>;
  rejects(() => decryptCompact([b64({ ...header, zip: 'GZ' }), ...parts.slice(1)].join('.'), aes256), 'ERR_JOSE_NOT_SUPPORTED');
  // Authenticated garbage that is not DEFLATE data is a decryption failure, not a crash.
  const garbage = encryptCompactWith('x', aes256, { alg: 'dir', enc: 'A256GCM', zip: true }, { deflated: Buffer.from([0xff, 0xff, 0xff]) });
  rejects(() => decryptCompact(garbage, aes256), 'ERR_JWE_DECRYPTION_FAILED');
  assert.ok(deflateRawSync(bomb).length < 20_000);
});

test('RSA1_5 is refused by default, decrypts only when enabled, and never encrypts', () => {
  const cek = randomBytes(32);
  const token = rsa15Token(cek, publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek));
  rejects(() => decryptCompact(token, rsa.privateKey), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptCompact(token, rsa.privateKey, { keyManagementAlgorithms: ['RSA1_5'] }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  assert.equal(decryptCompact(token, rsa.privateKey, { allowRSA1_5: true }).plaintext.toString(), 'legacy');
  rejects(() => encryptCompact('x', rsa.publicKey, { alg: 'RSA1_5' as never, enc: 'A128GCM' }), 'ERR_JOSE_NOT_SUPPORTED');
  // A CEK of the wrong length, random bytes, a short input: each continues with a random CEK and
  // fails exactly like a bad tag.
  const parts = token.split('.');
  for (const ek of [
    publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_PADDING }, cek.subarray(0, 16)),
    randomBytes(256),
    randomBytes(100),
    publicEncrypt({ key: rsa.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, cek),
  ]) {
    rejects(() => decryptCompact([parts[0], ek.toString('base64url'), ...parts.slice(2)].join('.'), rsa.privateKey, { allowRSA1_5: true }), 'ERR_JWE_DECRYPTION_FAILED');
  }
});

/** An RSA1_5/A128CBC-HS256 compact token built from node:crypto primitives only. */
function rsa15Token(cek: Buffer, ek: Buffer): string {
  const headerB64 = b64({ alg: 'RSA1_5', enc: 'A128CBC-HS256' });
  const iv = randomBytes(16);
  const c = createCipheriv('aes-128-cbc', cek.subarray(16), iv);
  const ct = Buffer.concat([c.update('legacy'), c.final()]);
  const aad = Buffer.from(headerB64, 'ascii');
  const al = Buffer.alloc(8);
  al.writeBigUInt64BE(BigInt(aad.length * 8));
  const tag = createHmac('sha256', cek.subarray(0, 16)).update(aad).update(iv).update(ct).update(al).digest().subarray(0, 16);
  return [headerB64, ek.toString('base64url'), iv.toString('base64url'), ct.toString('base64url'), tag.toString('base64url')].join('.');
}

test('crit is honoured', () => {
  const token = encryptCompact('x', aes256, { alg: 'dir', enc: 'A256GCM', header: { crit: ['exp-ext'], 'exp-ext': 1 } });
  rejects(() => decryptCompact(token, aes256), 'ERR_JOSE_NOT_SUPPORTED');
  assert.equal(decryptCompact(token, aes256, { crit: { 'exp-ext': true } }).plaintext.toString(), 'x');
  const missing = encryptCompact('x', aes256, { alg: 'dir', enc: 'A256GCM', header: { crit: ['absent'] } });
  rejects(() => decryptCompact(missing, aes256, { crit: { absent: true } }), 'ERR_JWE_INVALID');
  const registered = encryptCompact('x', aes256, { alg: 'dir', enc: 'A256GCM', header: { crit: ['kid'], kid: 'a' } });
  rejects(() => decryptCompact(registered, aes256), 'ERR_JWE_INVALID');
  const flat = encryptJSON('x', { enc: 'A256GCM', protectedHeader: { alg: 'A256KW' }, unprotectedHeader: { crit: ['e'], e: 1 }, recipients: [{ key: aes256 }], flattened: true }) as FlattenedJWE;
  rejects(() => decryptJSON(flat, aes256, { crit: { e: true } }), 'ERR_JWE_INVALID');
});

test('JSON serialization: malformed documents and header collisions', () => {
  const general = encryptJSON('multi', { enc: 'A128GCM', recipients: [{ key: aes256, alg: 'A256KW', kid: 'a' }, { key: rsa.publicKey, alg: 'RSA-OAEP', kid: 'r' }] }) as GeneralJWE;
  assert.equal(decryptJSON(general, rsa.privateKey).plaintext.toString(), 'multi');
  assert.equal(decryptJSON(JSON.stringify(general), aes256).plaintext.toString(), 'multi');
  rejects(() => decryptJSON(general, createSecretKey(randomBytes(32))), 'ERR_JWE_DECRYPTION_FAILED');
  rejects(() => decryptJSON(general, p256.privateKey), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptJSON({ ...general, ciphertext: flip(general.ciphertext) }, aes256), 'ERR_JWE_DECRYPTION_FAILED');
  rejects(() => decryptJSON({ ...general, aad: 'AAAA' }, aes256), 'ERR_JWE_DECRYPTION_FAILED');
  rejects(() => decryptJSON({ ...general, recipients: [] }, aes256), 'ERR_JWE_INVALID');
  rejects(() => decryptJSON({ ...general, iv: undefined } as never, aes256), 'ERR_JWE_INVALID');
  rejects(() => decryptJSON({ ...general, unprotected: { enc: 'A128GCM' } }, aes256), 'ERR_JWE_INVALID');
  rejects(() => decryptJSON('{not json', aes256), 'ERR_JWE_INVALID');
  rejects(() => decryptJSON('[]', aes256), 'ERR_JWE_INVALID');
  rejects(() => encryptJSON('x', { enc: 'A128GCM', recipients: [{ key: aes256, alg: 'dir' as never }, { key: aes256, alg: 'A256KW' }] }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => encryptJSON('x', { enc: 'A256GCM', recipients: [{ key: aes256, alg: 'dir' }, { key: aes256, alg: 'A256KW' }] }), 'ERR_JWE_INVALID');
  rejects(() => encryptJSON('x', { enc: 'A128GCM', recipients: [] }), 'ERR_JWE_INVALID');
});

test('JSON serialization: more recipients than maxRecipients (default 16) is refused before any key is tried', () => {
  const recipients = Array.from({ length: 17 }, (_, i) => ({ key: aes256, alg: 'A256KW' as const, kid: `k${i}` }));
  const many = encryptJSON('many', { enc: 'A128GCM', recipients }) as GeneralJWE;
  let resolved = 0;
  const counting = (): JWEKey => { resolved++; return aes256; };
  rejects(() => decryptJSON(many, counting), 'ERR_TOKEN_TOO_LARGE');
  assert.equal(resolved, 0);
  assert.equal(decryptJSON(many, aes256, { maxRecipients: 17 }).plaintext.toString(), 'many');
  const sixteen = { ...many, recipients: many.recipients.slice(0, 16) };
  assert.equal(decryptJSON(sixteen, aes256).plaintext.toString(), 'many');
  rejects(() => decryptJSON(many, aes256, { maxRecipients: 0 }), 'ERR_JOSE_GENERIC');
});

test('size limit, non-string input, and the precomputed decrypter', () => {
  const token = encryptCompact('x'.repeat(1000), aes256, { alg: 'dir', enc: 'A256GCM' });
  rejects(() => decryptCompact(token, aes256, { maxTokenSize: 500 }), 'ERR_TOKEN_TOO_LARGE');
  rejects(() => decryptCompact(42 as never, aes256), 'ERR_JWE_INVALID');
  const decrypt = createJWEDecrypter((h) => (h.kid === 'k' ? aes256 : rsa.privateKey), { keyManagementAlgorithms: ['A256KW'] });
  const t2 = createJWEEncrypter(aes256, { alg: 'A256KW', enc: 'A256GCM', kid: 'k' })('hello');
  assert.equal(decrypt(t2).plaintext.toString(), 'hello');
  assert.equal(decrypt(t2).protectedHeader.kid, 'k');
  rejects(() => decrypt(encryptCompact('x', rsa.publicKey, { alg: 'RSA-OAEP', enc: 'A256GCM' })), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => encryptCompact('x', aes256, { alg: 'dir', enc: 'A256GCM', header: { epk: {} } }), 'ERR_JWE_INVALID');
});

test('JSON serialization: an object is held to maxTokenSize as the text it stands for', () => {
  const flat = encryptJSON('x'.repeat(1000), { enc: 'A256GCM', recipients: [{ key: aes256, alg: 'A256KW' }], flattened: true }) as FlattenedJWE;
  rejects(() => decryptJSON(flat, aes256, { maxTokenSize: 500 }), 'ERR_TOKEN_TOO_LARGE');
  rejects(() => decryptJSON(JSON.stringify(flat), aes256, { maxTokenSize: 500 }), 'ERR_TOKEN_TOO_LARGE');
  assert.equal(decryptJSON(flat, aes256).plaintext.length, 1000);
  const cyclic: Record<string, unknown> = { ...flat };
  cyclic.self = cyclic;
  rejects(() => decryptJSON(cyclic as never, aes256), 'ERR_JWE_INVALID');
});

test('segments must be canonical base64url', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let n = 0; n < 40; n++) {
    const bytes = randomBytes(n);
    const s = bytes.toString('base64url');
    assert.deepEqual(decodeSegment(s, 'x'), bytes);
    if (s.length % 4 < 2) continue;
    // Every other last character that decodes to the same bytes is refused.
    for (const c of alphabet) {
      const alt = s.slice(0, -1) + c;
      if (alt === s) continue;
      if (Buffer.from(alt, 'base64url').equals(bytes)) rejects(() => decodeSegment(alt, 'x'), 'ERR_JWE_INVALID');
    }
  }
  for (const bad of ['a', 'ab=', 'a+b/', 'ab cd']) rejects(() => decodeSegment(bad, 'x'), 'ERR_JWE_INVALID');
});

test('fuzz: random mutations of valid tokens only ever raise typed errors', () => {
  let state = 0x9e3779b9;
  const next = (n: number): number => {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
    return (state >>> 0) % n;
  };
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}"';
  let accepted = 0;
  for (let i = 0; i < 600; i++) {
    const { token, key } = samples[i % samples.length]!;
    let mutated = token;
    for (let m = 0, count = 1 + next(3); m < count; m++) {
      const at = next(mutated.length);
      const kind = next(3);
      const c = chars[next(chars.length)]!;
      mutated = kind === 0 ? mutated.slice(0, at) + c + mutated.slice(at + 1) : kind === 1 ? mutated.slice(0, at) + mutated.slice(at + 1) : mutated.slice(0, at) + c + mutated.slice(at);
    }
    try {
      decryptCompact(mutated, key);
      // Only a mutation that left the token equal (or canonically equal) may decrypt.
      accepted++;
      assert.equal(mutated, token);
    } catch (err) {
      assert.ok(isCjwtError(err), `untyped error for a mutated token: ${String(err)}`);
    }
  }
  assert.ok(accepted < 20);
});

test('X448 and P-521 round trip in compact and JSON form', () => {
  for (const pair of [generateKeyPairSync('x448'), generateKeyPairSync('ec', { namedCurve: 'P-521' })]) {
    for (const alg of ['ECDH-ES', 'ECDH-ES+A256KW'] as const) {
      const token = encryptCompact('curves', pair.publicKey, { alg, enc: 'A256CBC-HS512' });
      assert.equal(decryptCompact(token, pair.privateKey).plaintext.toString(), 'curves');
      const json = encryptJSON('curves', { enc: 'A192GCM', recipients: [{ key: pair.publicKey, alg }], flattened: true });
      assert.equal(decryptJSON(json, pair.privateKey).plaintext.toString(), 'curves');
    }
  }
});

test('a "__proto__" member cannot smuggle header parameters into the joined header', () => {
  const flat = encryptJSON('x', { enc: 'A256GCM', protectedHeader: { alg: 'A256KW' }, unprotectedHeader: { note: 1 }, recipients: [{ key: aes256 }], flattened: true }) as FlattenedJWE;
  const text = JSON.stringify(flat).replace('"unprotected":{"note":1}', '"unprotected":{"__proto__":{"zip":"DEF"}}');
  rejects(() => decryptJSON(text, aes256), 'ERR_JWE_INVALID');
});

test('JSON serialization: a kid resolver that knows only a later recipient still decrypts', () => {
  const general = encryptJSON('for r', { enc: 'A128GCM', recipients: [{ key: aes256, alg: 'A256KW', kid: 'a' }, { key: rsa.publicKey, alg: 'RSA-OAEP', kid: 'r' }] }) as GeneralJWE;
  const keysByKid = new Map<string, JWEKey>([['r', rsa.privateKey]]);
  const byMap = decryptJSON(general, (h) => keysByKid.get(h.kid!)!);
  assert.equal(byMap.plaintext.toString(), 'for r');
  assert.equal(byMap.recipientHeader?.kid, 'r');
  const throwing = decryptJSON(general, (h) => {
    if (h.kid !== 'r') throw new Error('unknown kid');
    return rsa.privateKey;
  });
  assert.equal(throwing.plaintext.toString(), 'for r');
  // No recipient resolves: still a typed error for the typed failure.
  rejects(() => decryptJSON(general, (h) => keysByKid.get(`x${h.kid!}`)!), 'ERR_JWE_INVALID');
});

test('JSON serialization: the PBES2 bound holds for the whole message, not per recipient', () => {
  // Many PBES2 recipients with the largest allowed p2c each would multiply the bound.
  const recipients = Array.from({ length: 6 }, (_, i) => ({ key: `pw-${i}`, alg: 'PBES2-HS256+A128KW' as const, kid: `p${i}`, p2c: 1000 }));
  const general = encryptJSON('x', { enc: 'A128GCM', recipients }) as GeneralJWE;
  let derivations = 0;
  const counting = (): JWEKey => {
    derivations += 1;
    return 'not-the-password';
  };
  rejects(() => decryptJSON(general, counting, { maxPBES2Count: 2500 }), 'ERR_JWE_INVALID');
  assert.ok(derivations <= 3, `${derivations} key derivations for a bound of 2.5 recipients`);
  // Within the budget a later recipient still decrypts.
  assert.equal(decryptJSON(general, (h) => (h.kid === 'p1' ? 'pw-1' : 'nope'), { maxPBES2Count: 2500 }).plaintext.toString(), 'x');
  assert.equal(decryptJSON(general, 'pw-5', { maxPBES2Count: 6000 }).plaintext.toString(), 'x');
});
