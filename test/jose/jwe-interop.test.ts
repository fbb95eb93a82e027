/**
 * Interoperability with `jose`: for every alg/enc pair jose implements (all but RSA1_5 and X448),
 * cjwt's tokens decrypt with jose and jose's decrypt with cjwt, compact and flattened JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, createSecretKey, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { decryptCompact, encryptCompact } from '../../src/jose/jwe/jwe.js';
import { decryptJSON, encryptJSON, type FlattenedJWE } from '../../src/jose/jwe/jwe-json.js';
import { CONTENT_ENCRYPTION_ALGORITHMS } from '../../src/jose/jwe/content.js';
import type { JWEKey, KeyManagementAlgorithm, ContentEncryptionAlgorithm } from '../../src/jose/jwe/types.js';

interface Case { alg: KeyManagementAlgorithm; label: string; encryptKey: JWEKey; decryptKey: JWEKey; encs: readonly ContentEncryptionAlgorithm[] }

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = (namedCurve: string): { privateKey: KeyObject; publicKey: KeyObject } => generateKeyPairSync('ec', { namedCurve });
const curves = { 'P-256': ec('P-256'), 'P-384': ec('P-384'), 'P-521': ec('P-521'), X25519: generateKeyPairSync('x25519') };
const cekBytes: Record<ContentEncryptionAlgorithm, number> = { A128GCM: 16, A192GCM: 24, A256GCM: 32, 'A128CBC-HS256': 32, 'A192CBC-HS384': 48, 'A256CBC-HS512': 64 };
const P2C = 1000;

const cases: Case[] = [];
for (const [alg, size] of [['A128KW', 16], ['A192KW', 24], ['A256KW', 32], ['A128GCMKW', 16], ['A192GCMKW', 24], ['A256GCMKW', 32]] as const) {
  const k = createSecretKey(randomBytes(size));
  cases.push({ alg, label: alg, encryptKey: k, decryptKey: k, encs: CONTENT_ENCRYPTION_ALGORITHMS });
}
for (const alg of ['RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512'] as const) {
  cases.push({ alg, label: alg, encryptKey: rsa.publicKey, decryptKey: rsa.privateKey, encs: CONTENT_ENCRYPTION_ALGORITHMS });
}
for (const alg of ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW'] as const) {
  for (const [crv, pair] of Object.entries(curves)) {
    // Every enc on P-256 and X25519; the slower curves with one enc of each family keep the suite fast.
    const encs = crv === 'P-256' || crv === 'X25519' ? CONTENT_ENCRYPTION_ALGORITHMS : (['A192GCM', 'A256CBC-HS512'] as const);
    cases.push({ alg, label: `${alg} ${crv}`, encryptKey: pair.publicKey, decryptKey: pair.privateKey, encs });
  }
}
for (const alg of ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'] as const) {
  cases.push({ alg, label: alg, encryptKey: 'correct horse battery staple', decryptKey: 'correct horse battery staple', encs: CONTENT_ENCRYPTION_ALGORITHMS });
}
// dir: one key per enc, since the key is the CEK.
for (const enc of CONTENT_ENCRYPTION_ALGORITHMS) {
  const k = createSecretKey(randomBytes(cekBytes[enc]));
  cases.push({ alg: 'dir', label: `dir ${enc}`, encryptKey: k, decryptKey: k, encs: [enc] });
}

const joseKey = (k: JWEKey): KeyObject | Uint8Array => (typeof k === 'string' ? new TextEncoder().encode(k) : k);

for (const c of cases) {
  test(`interop ${c.label}`, async () => {
    for (const enc of c.encs) {
      const plaintext = `interop ${c.label} ${enc} ✓`;
      const opts = c.alg.startsWith('PBES2') ? { keyManagementAlgorithms: [c.alg] as KeyManagementAlgorithm[] } : undefined;

      // cjwt -> jose (compact)
      const ours = encryptCompact(plaintext, c.encryptKey, { alg: c.alg, enc, kid: 'k1', p2c: P2C, zip: enc === 'A256GCM' });
      const theirs = await jose.compactDecrypt(ours, joseKey(c.decryptKey), opts);
      assert.equal(new TextDecoder().decode(theirs.plaintext), plaintext, `${enc} cjwt->jose`);
      assert.equal(theirs.protectedHeader.kid, 'k1');

      // jose -> cjwt (compact)
      const fromJose = await new jose.CompactEncrypt(new TextEncoder().encode(plaintext))
        .setProtectedHeader({ alg: c.alg, enc, kid: 'k2' })
        .setKeyManagementParameters(c.alg.startsWith('PBES2') ? { p2c: P2C } : {})
        .encrypt(joseKey(c.encryptKey));
      const mine = decryptCompact(fromJose, c.decryptKey, opts);
      assert.equal(mine.plaintext.toString('utf8'), plaintext, `${enc} jose->cjwt`);
      assert.equal(mine.protectedHeader.kid, 'k2');

      // cjwt -> jose (flattened JSON, with AAD and an unprotected header)
      const flat = encryptJSON(plaintext, {
        enc, aad: 'extra', unprotectedHeader: { x: 1 }, flattened: true,
        recipients: [{ key: c.encryptKey, alg: c.alg, kid: 'k3', p2c: P2C }],
      }) as FlattenedJWE;
      const joseFlat = await jose.flattenedDecrypt(flat as jose.FlattenedJWE, joseKey(c.decryptKey), opts);
      assert.equal(new TextDecoder().decode(joseFlat.plaintext), plaintext, `${enc} cjwt->jose JSON`);
      assert.equal(new TextDecoder().decode(joseFlat.additionalAuthenticatedData), 'extra');

      // jose -> cjwt (flattened JSON)
      const joseMade = await new jose.FlattenedEncrypt(new TextEncoder().encode(plaintext))
        .setProtectedHeader({ alg: c.alg, enc })
        .setSharedUnprotectedHeader({ y: 2 })
        .setAdditionalAuthenticatedData(new TextEncoder().encode('more'))
        .setKeyManagementParameters(c.alg.startsWith('PBES2') ? { p2c: P2C } : {})
        .encrypt(joseKey(c.encryptKey));
      const mineFlat = decryptJSON(joseMade as FlattenedJWE, c.decryptKey, opts);
      assert.equal(mineFlat.plaintext.toString('utf8'), plaintext, `${enc} jose->cjwt JSON`);
      assert.equal(mineFlat.additionalAuthenticatedData?.toString('utf8'), 'more');
      assert.deepEqual(mineFlat.unprotectedHeader, { y: 2 });
    }
  });
}

test('interop: general JSON with several recipients both ways', async () => {
  const aes = createSecretKey(randomBytes(32));
  const p = curves['P-384'];
  const general = encryptJSON('to many', {
    enc: 'A256GCM',
    recipients: [
      { key: rsa.publicKey, alg: 'RSA-OAEP-256', kid: 'rsa' },
      { key: p.publicKey, alg: 'ECDH-ES+A192KW', kid: 'ec' },
      { key: aes, alg: 'A256GCMKW', kid: 'aes' },
    ],
  });
  for (const key of [rsa.privateKey, p.privateKey, aes]) {
    const r = await jose.generalDecrypt(general as jose.GeneralJWE, key);
    assert.equal(new TextDecoder().decode(r.plaintext), 'to many');
    assert.equal(decryptJSON(general, key).plaintext.toString('utf8'), 'to many');
  }
  const joseGeneral = await new jose.GeneralEncrypt(new TextEncoder().encode('from jose'))
    .setProtectedHeader({ enc: 'A128CBC-HS256' })
    .addRecipient(rsa.publicKey).setUnprotectedHeader({ alg: 'RSA-OAEP', kid: 'rsa' })
    .addRecipient(aes).setUnprotectedHeader({ alg: 'A256KW', kid: 'aes' })
    .encrypt();
  for (const key of [rsa.privateKey, aes]) {
    const r = decryptJSON(joseGeneral as never, key);
    assert.equal(r.plaintext.toString('utf8'), 'from jose');
  }
  const byKid = decryptJSON(joseGeneral as never, (h) => (h.kid === 'aes' ? aes : rsa.privateKey));
  assert.equal(byKid.recipientHeader?.kid, 'rsa');
});
