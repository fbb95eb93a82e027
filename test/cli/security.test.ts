/**
 * The CLI against hostile or sloppy JOSE material: `key_ops` honoured like `use` (JWS and JWE), a
 * JWE key's `alg` bound like a JWS key's, key files that mix secrets with public keys or repeat
 * a `kid`, RSA1_5 only on explicit request (with a warning), an empty token as an invalid token,
 * and error messages that cannot drive the terminal.
 */
import assert from 'node:assert/strict';
import { constants, createCipheriv, createHmac, publicEncrypt, randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { encryptCompact } from '../../src/jose/jwe/jwe.js';
import { exportJWK, generateKeyPair, generateSecret, importJWK } from '../../src/jose/jwk/keys.js';
import { signJWT } from '../../src/jose/jwt/jwt.js';
import { cjwt, tempDir } from './run-cli.js';

const tmp = tempDir('cjwt-cli-security-');
after(() => tmp.cleanup());

function b64(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

const exp = (): number => Math.floor(Date.now() / 1000) + 600;
const hmac = generateSecret('HS256');
const hmacJwk = exportJWK(hmac);
const es = generateKeyPair('ES256');
const esToken = signJWT({ sub: 'alice', exp: exp() }, es.privateKey, { alg: 'ES256', kid: 'es-1' });
const hsToken = signJWT({ sub: 'alice', exp: exp() }, hmac, { alg: 'HS256', kid: 'hs-1' });
const aes128 = { kty: 'oct', k: randomBytes(16).toString('base64url') };

describe('key_ops is honoured like use', { concurrency: 4 }, () => {
  test('a key whose key_ops is ["encrypt","decrypt"] does not verify signatures', async () => {
    const file = tmp.file('hs-enc-ops.json', JSON.stringify({ ...hmacJwk, key_ops: ['encrypt', 'decrypt'] }));
    const r = await cjwt(['verify', '--key', file, hsToken]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /no key for signatures/);
    assert.equal(r.stdout, '');
  });

  test('a key whose key_ops is ["sign","verify"] does not decrypt, nor encrypt', async () => {
    const jwe = encryptCompact('secret text', importJWK(aes128), { alg: 'A128KW', enc: 'A128GCM' });
    const file = tmp.file('aes-sig-ops.json', JSON.stringify({ ...aes128, key_ops: ['sign', 'verify'] }));
    const r = await cjwt(['decrypt', '--key', file, jwe]);
    assert.equal(r.code, 2, r.stdout);
    assert.doesNotMatch(r.stdout, /secret text/);
    const e = await cjwt(['encrypt', '--key', file, '--payload', 'x']);
    assert.equal(e.code, 2, e.stdout);
  });

  test('a private key listed only for "verify" does not sign; use and key_ops that contradict are refused', async () => {
    const verifyOnly = tmp.file('es-verify-only.json', JSON.stringify({ ...exportJWK(es.privateKey), key_ops: ['verify'] }));
    const sign = await cjwt(['sign', '--key', verifyOnly, '--sub', 'x']);
    assert.equal(sign.code, 2, sign.stdout);
    const contradictory = tmp.file('es-contradiction.json', JSON.stringify({ ...exportJWK(es.publicKey), use: 'sig', key_ops: ['encrypt'] }));
    const verify = await cjwt(['verify', '--key', contradictory, esToken]);
    assert.equal(verify.code, 2, verify.stdout);
    assert.match(verify.stderr, /key_ops/);
  });
});

describe('a JWE key\'s alg binds', { concurrency: 4 }, () => {
  for (const [keyAlg, tokenAlg] of [['A128GCMKW', 'A128KW'], ['A128KW', 'A128GCMKW']] as const) {
    test(`a key declared ${keyAlg} does not decrypt an ${tokenAlg} token`, async () => {
      const jwe = encryptCompact('secret text', importJWK(aes128), { alg: tokenAlg, enc: 'A128GCM' });
      const file = tmp.file(`aes-${keyAlg}.json`, JSON.stringify({ ...aes128, alg: keyAlg }));
      const r = await cjwt(['decrypt', '--key', file, jwe]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /^ERR_JOSE_ALG_NOT_ALLOWED: /);
      // In a set of several keys too.
      const set = tmp.file(`aes-set-${keyAlg}.json`, JSON.stringify({ keys: [{ ...aes128, alg: keyAlg, kid: 'a' }, { ...aes128, alg: keyAlg, kid: 'b' }] }));
      const s = await cjwt(['decrypt', '--key', set, jwe]);
      assert.equal(s.code, 1, s.stdout);
      // The same key declared for the token's alg decrypts.
      const right = tmp.file(`aes-right-${tokenAlg}.json`, JSON.stringify({ ...aes128, alg: tokenAlg }));
      const ok = await cjwt(['decrypt', '--key', right, jwe]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, 'secret text\n');
    });
  }
});

describe('key sets', { concurrency: 4 }, () => {
  test('a set mixing a secret with public keys is refused for verification', async () => {
    const file = tmp.file('mixed.json', JSON.stringify({ keys: [{ ...exportJWK(es.publicKey), kid: 'es-1' }, { ...hmacJwk, kid: 'hs-1' }] }));
    for (const token of [esToken, hsToken]) {
      const r = await cjwt(['verify', '--key', file, token]);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, /either secret \(oct\) keys or asymmetric keys/);
    }
  });

  test('two keys with the same kid and use are refused', async () => {
    const other = generateKeyPair('ES256');
    const file = tmp.file('dup.json', JSON.stringify({ keys: [
      { ...exportJWK(es.publicKey), kid: 'es-1', use: 'sig' }, { ...exportJWK(other.publicKey), kid: 'es-1', use: 'sig' },
    ] }));
    const r = await cjwt(['verify', '--key', file, esToken]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /share the kid "es-1"/);
    // The same kid for a signing key and an encryption key is fine.
    const split = tmp.file('split.json', JSON.stringify({ keys: [
      { ...exportJWK(es.publicKey), kid: 'es-1', use: 'sig' }, { ...exportJWK(other.publicKey), kid: 'es-1', use: 'enc' },
    ] }));
    const ok = await cjwt(['verify', '--key', split, esToken]);
    assert.equal(ok.code, 0, ok.stderr);
  });
});

/** A compact RSA1_5 JWE (the library never makes one), as legacy systems still do. */
function rsa15Token(publicKey: Parameters<typeof publicEncrypt>[0], plaintext: string): string {
  const cek = randomBytes(32);
  const headerB64 = b64({ alg: 'RSA1_5', enc: 'A128CBC-HS256' });
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', cek.subarray(16), iv);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const aad = Buffer.from(headerB64, 'ascii');
  const al = Buffer.alloc(8);
  al.writeBigUInt64BE(BigInt(aad.length * 8));
  const tag = createHmac('sha256', cek.subarray(0, 16)).update(aad).update(iv).update(ct).update(al).digest().subarray(0, 16);
  const ek = publicEncrypt({ key: publicKey as never, padding: constants.RSA_PKCS1_PADDING }, cek);
  return [headerB64, ek.toString('base64url'), iv.toString('base64url'), ct.toString('base64url'), tag.toString('base64url')].join('.');
}

describe('cjwt decrypt --alg RSA1_5', () => {
  test('is an explicit opt-in with a warning on stderr; off by default', async () => {
    const rsa = generateKeyPair('RSA');
    const file = tmp.file('rsa.json', JSON.stringify(exportJWK(rsa.privateKey)));
    const token = rsa15Token(rsa.publicKey, 'legacy');
    const [refused, accepted] = await Promise.all([
      cjwt(['decrypt', '--key', file, token]),
      cjwt(['decrypt', '--key', file, '--alg', 'RSA1_5', token]),
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^ERR_JOSE_ALG_NOT_ALLOWED: /);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(accepted.stdout, 'legacy\n');
    assert.match(accepted.stderr, /^warning: RSA1_5/);
  });
});

describe('malformed input', { concurrency: 4 }, () => {
  test('cjwt verify of an empty token exits 1 with ERR_JWS_INVALID', async () => {
    const file = tmp.file('es.pub.json', JSON.stringify(exportJWK(es.publicKey)));
    for (const [arg, input] of [['', ''], ['   ', ''], ['-', '\n']] as const) {
      const r = await cjwt(['verify', '--key', file, arg], input);
      assert.equal(r.code, 1, `${JSON.stringify(arg)}: ${r.stderr}`);
      assert.match(r.stderr, /^ERR_JWS_INVALID: /);
    }
    const d = await cjwt(['decrypt', '--key', tmp.file('aes.json', JSON.stringify(aes128)), '']);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /^ERR_JWE_INVALID: /);
  });

  test('error messages show control characters from the token escaped', async () => {
    const file = tmp.file('aes-escape.json', JSON.stringify(aes128));
    const evil = `${b64({ alg: 'A128KW\u001b[2J\u009b31m', enc: 'A128GCM' })}.AAAA.AAAA.AAAA.AAAA`;
    const r = await cjwt(['decrypt', '--key', file, evil]);
    assert.equal(r.code, 1);
    // eslint-disable-next-line no-control-regex -- looking for raw control characters is the point
    assert.doesNotMatch(r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.match(r.stderr, /\\u001b\[2J/);
  });
});
