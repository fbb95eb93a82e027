/**
 * Known-answer tests of the content encryption the EncryptionManager uses: RFC 8439 §2.8.2
 * (ChaCha20-Poly1305), draft-irtf-cfrg-xchacha §2.2.1 and A.3.1 (HChaCha20, XChaCha20-Poly1305),
 * RFC 7518 Appendix B.3 (AES_256_CBC_HMAC_SHA_512), and the JOSE Cookbook's A256GCM example
 * (RFC 7520 §5.2, content layer), the last through the manager with the cookbook's CEK.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Buffer } from 'node:buffer';
import { CONTENT_ENCRYPTION } from '../../src/jose/index.js';
import { hchacha20 } from '../../src/jose/jwe/hchacha20.js';
import { AES256GCM, EncryptionManager } from '../../src/encryption/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const range = (start: number, n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => start + i));
const SUNSCREEN = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");

test('RFC 8439 §2.8.2: C20P reproduces the AEAD_CHACHA20_POLY1305 test vector', () => {
  const key = range(0x80, 32);
  const nonce = hex('07000000 40414243 44454647');
  const aad = hex('50515253 c0c1c2c3 c4c5c6c7');
  const ciphertext = hex(`d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b
    1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116`);
  const tag = hex('1ae10b594f09e26a7e902ecbd0600691');
  const out = CONTENT_ENCRYPTION.C20P.encrypt(key, nonce, SUNSCREEN, aad);
  assert.equal(out.ciphertext.toString('hex'), ciphertext.toString('hex'));
  assert.equal(out.tag.toString('hex'), tag.toString('hex'));
  assert.deepEqual(CONTENT_ENCRYPTION.C20P.decrypt(key, nonce, ciphertext, tag, aad), SUNSCREEN);
  const bad = Buffer.from(tag);
  bad[0]! ^= 1;
  assert.equal(CONTENT_ENCRYPTION.C20P.decrypt(key, nonce, ciphertext, bad, aad), undefined);
});

test('draft-irtf-cfrg-xchacha: HChaCha20 (§2.2.1) and XC20P (A.3.1) reproduce the test vectors', () => {
  assert.equal(hchacha20(range(0, 32), hex('00000009 0000004a 00000000 31415927')).toString('hex'),
    '82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc');
  const key = range(0x80, 32);
  const iv = hex('404142434445464748494a4b4c4d4e4f5051525354555657');
  const aad = hex('50515253c0c1c2c3c4c5c6c7');
  const out = CONTENT_ENCRYPTION.XC20P.encrypt(key, iv, SUNSCREEN, aad);
  assert.equal(out.ciphertext.toString('hex'), `bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e`);
  assert.equal(out.tag.toString('hex'), 'c0875924c1c7987947deafd8780acf49');
  assert.deepEqual(CONTENT_ENCRYPTION.XC20P.decrypt(key, iv, out.ciphertext, out.tag, aad), SUNSCREEN);
});

test('RFC 7518 Appendix B.3: A256CBC-HS512 reproduces the AES_256_CBC_HMAC_SHA_512 test case', () => {
  const key = range(0, 64);
  const plaintext = Buffer.from('A cipher system must not be required to be secret, and it must be able to fall into the hands of the enemy without inconvenience');
  const iv = hex('1af38c2dc2b96ffdd86694092341bc04');
  const aad = Buffer.from('The second principle of Auguste Kerckhoffs');
  const out = CONTENT_ENCRYPTION['A256CBC-HS512'].encrypt(key, iv, plaintext, aad);
  assert.equal(out.ciphertext.toString('hex'), `4affaaadb78c31c5da4b1b590d10ffbd3dd8d5d302423526912da037ecbcc7bd822c301dd67c373bccb584ad3e9279c2e6d12a1374b77f077553df829410446b36ebd97066296ae6427ea75c2e0846a11a09ccf5370dc80bfecbad28c73f09b3a3b75e662a2594410ae496b2e2e6609e31e6e02cc837f053d21f37ff4f51950bbe2638d09dd7a4930930806d0703b1f6`);
  assert.equal(out.tag.toString('hex'), '4dd3b4c088a7f45c216839645b2012bf2e6269a8c56a816dbc1b267761955bc5');
  assert.deepEqual(CONTENT_ENCRYPTION['A256CBC-HS512'].decrypt(key, iv, out.ciphertext, out.tag, aad), plaintext);
});

test('JOSE Cookbook §5.2 (A256GCM): the content layer reproduces the ciphertext and tag under the cookbook CEK', () => {
  const vector = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/jose-cookbook/5_2.key_encryption_using_rsa-oaep_with_aes-gcm.json'), 'utf8')) as {
    input: { plaintext: string }; generated: { cek: string; iv: string };
    encrypting_content: { protected_b64u: string; ciphertext: string; tag: string };
  };
  const cek = Buffer.from(vector.generated.cek, 'base64url');
  const iv = Buffer.from(vector.generated.iv, 'base64url');
  const aad = Buffer.from(vector.encrypting_content.protected_b64u, 'latin1');
  const out = CONTENT_ENCRYPTION.A256GCM.encrypt(cek, iv, Buffer.from(vector.input.plaintext, 'utf8'), aad);
  assert.equal(out.ciphertext.toString('base64url'), vector.encrypting_content.ciphertext);
  assert.equal(out.tag.toString('base64url'), vector.encrypting_content.tag);

  // The manager with the cookbook CEK imported as a managed A256GCM key round-trips the same plaintext.
  const em = new EncryptionManager({ autoRotate: false });
  em.addKey({ algorithm: AES256GCM, key: cek, kid: 'cookbook-5.2', primary: true });
  const sealed = em.encryptToken({ tokenData: vector.input.plaintext });
  assert.equal(sealed.keyId, 'cookbook-5.2');
  assert.equal(em.decryptToken({ jwe: sealed.jwe }).tokenData.toString('utf8'), vector.input.plaintext);
  em.close();
});
