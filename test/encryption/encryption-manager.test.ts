/**
 * EncryptionManager: round trips for every algorithm and both request forms, interop with jose,
 * the encryption context, the keyset verbs, the usage limit, persistence, and every way a
 * decryption must fail.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Buffer } from 'node:buffer';
import { createSecretKey, randomBytes } from 'node:crypto';
import * as jose from 'jose';
import fc from 'fast-check';
import {
  AES256CBC, AES256GCM, ChaCha20Poly1305, encodeEncryptionContext, EncryptionManager, ENCRYPTION_ALGORITHMS, XChaCha20Poly1305,
  type EncryptTokenResponse,
} from '../../src/encryption/index.js';
import { isCanonicalSegment, isCjwtError, type FlattenedJWE } from '../../src/jose/index.js';
import { decodeMember } from '../../src/encryption/jwe-format.js';

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (isCjwtError(err)) return err.code;
    throw err;
  }
  assert.fail('expected a typed error');
};

/** The seed's fields of a response, without its JWE. */
const fieldsOf = ({ encryptedData, nonce, tag, algorithm, keyId }: EncryptTokenResponse): Omit<EncryptTokenResponse, 'jwe' | 'success'> => ({ encryptedData, nonce, tag, algorithm, keyId });

function flip(b64: string, index = 0): string {
  const bytes = Buffer.from(b64, 'base64url');
  bytes[index]! ^= 1;
  return bytes.toString('base64url');
}

test('every algorithm round-trips, from the JWE object, its JSON text and the seed fields', () => {
  const em = new EncryptionManager();
  for (const algorithm of ENCRYPTION_ALGORITHMS) {
    for (const data of ['', 'x', 'Sensitive token data', randomBytes(5000).toString('hex')]) {
      const sealed = em.encryptToken({ tokenData: data, algorithm });
      assert.equal(sealed.algorithm, algorithm);
      assert.equal(sealed.jwe.ciphertext, sealed.encryptedData);
      assert.equal(sealed.jwe.iv, sealed.nonce);
      const header = JSON.parse(Buffer.from(sealed.jwe.protected!, 'base64url').toString()) as Record<string, string>;
      assert.deepEqual(header, { alg: 'dir', enc: algorithm, kid: sealed.keyId });
      assert.equal(em.decryptToken({ jwe: sealed.jwe }).tokenData.toString(), data);
      assert.equal(em.decryptToken({ jwe: JSON.stringify(sealed.jwe) }).tokenData.toString(), data);
      const fields = { encryptedData: sealed.encryptedData, nonce: sealed.nonce, tag: sealed.tag, algorithm: sealed.algorithm, keyId: sealed.keyId };
      const out = em.decryptToken(fields);
      assert.equal(out.tokenData.toString(), data);
      assert.equal(out.keyId, sealed.keyId);
      assert.equal(out.algorithm, algorithm);
    }
  }
  em.close();
});

test('interop: A256GCM and A256CBC-HS512 JWEs (with aad and context) decrypt with jose; jose dir JWEs decrypt here', async () => {
  for (const algorithm of [AES256GCM, AES256CBC] as const) {
    const key = randomBytes(algorithm === AES256GCM ? 32 : 64);
    const em = new EncryptionManager({ autoRotate: false, defaultEncryptionAlgorithm: algorithm });
    em.addKey({ algorithm, key, kid: `k-${algorithm}`, primary: true });
    const sealed = em.encryptToken({ tokenData: 'for jose', aad: 'extra', context: { tenant: 't1', purpose: 'session' } });
    const out = await jose.flattenedDecrypt(sealed.jwe as jose.FlattenedJWE, key);
    assert.equal(Buffer.from(out.plaintext).toString(), 'for jose');
    assert.deepEqual(out.protectedHeader, { alg: 'dir', enc: algorithm, kid: `k-${algorithm}` });
    assert.deepEqual(Buffer.from(out.additionalAuthenticatedData!), Buffer.concat([encodeEncryptionContext({ purpose: 'session', tenant: 't1' }), Buffer.from('extra')]));
    const plain = em.encryptToken({ tokenData: 'no aad' });
    assert.equal(Buffer.from((await jose.flattenedDecrypt(plain.jwe as jose.FlattenedJWE, key)).plaintext).toString(), 'no aad');

    // The other way: jose encrypts with dir under the managed key, kid protected.
    const fromJose = await new jose.FlattenedEncrypt(Buffer.from('from jose')).setProtectedHeader({ alg: 'dir', enc: algorithm, kid: `k-${algorithm}` }).encrypt(key);
    assert.equal(em.decryptToken({ jwe: fromJose as FlattenedJWE }).tokenData.toString(), 'from jose');
    const general = await new jose.GeneralEncrypt(Buffer.from('general')).setProtectedHeader({ enc: algorithm, kid: `k-${algorithm}` })
      .addRecipient(createSecretKey(key)).setUnprotectedHeader({ alg: 'dir' }).encrypt();
    assert.equal(em.decryptToken({ jwe: general as never }).tokenData.toString(), 'general');
    em.close();
  }
});

test('the encryption context is canonical and bound: another, missing or extra context fails alike', () => {
  assert.deepEqual(encodeEncryptionContext({ b: '2', a: '1' }), encodeEncryptionContext({ a: '1', b: '2' }));
  assert.equal(encodeEncryptionContext({ a: '1', b: 'é' }).toString('hex'), '0002' + '0001' + '61' + '0001' + '31' + '0001' + '62' + '0002' + 'c3a9');
  assert.equal(encodeEncryptionContext({}).toString('hex'), '0000');
  const em = new EncryptionManager();
  const sealed = em.encryptToken({ tokenData: 'ctx', context: { tenant: 't1', env: 'prod' } });
  const ok = em.decryptToken({ jwe: sealed.jwe, context: { env: 'prod', tenant: 't1' } });
  assert.equal(ok.tokenData.toString(), 'ctx');
  assert.deepEqual(ok.context, { env: 'prod', tenant: 't1' });
  for (const context of [{ tenant: 't2', env: 'prod' }, { tenant: 't1' }, undefined, { tenant: 't1', env: 'prod', x: 'y' }] as Array<Record<string, string> | undefined>) {
    assert.equal(code(() => em.decryptToken({ jwe: sealed.jwe, context })), 'ERR_JWE_DECRYPTION_FAILED');
  }
  // Through the seed fields, the context and aad must be given again.
  const withAad = em.encryptToken({ tokenData: 'fields', aad: Buffer.from([1, 2, 3]), context: { a: 'b' } });
  assert.equal(em.decryptToken({ ...fieldsOf(withAad), aad: Buffer.from([1, 2, 3]), context: { a: 'b' } }).tokenData.toString(), 'fields');
  assert.equal(code(() => em.decryptToken({ ...fieldsOf(withAad), context: { a: 'b' } })), 'ERR_JWE_DECRYPTION_FAILED');
  assert.equal(code(() => em.decryptToken({ ...fieldsOf(withAad), aad: Buffer.from([1, 2, 4]), context: { a: 'b' } })), 'ERR_JWE_DECRYPTION_FAILED');
  // A token without context does not decrypt under one.
  const none = em.encryptToken({ tokenData: 'none' });
  assert.equal(code(() => em.decryptToken({ jwe: none.jwe, context: { a: 'b' } })), 'ERR_JWE_DECRYPTION_FAILED');
  assert.equal(code(() => em.encryptToken({ tokenData: 'x', context: { a: 5 } as never })), 'ERR_ENCRYPTION_CONTEXT_INVALID');
  assert.equal(code(() => em.encryptToken({ tokenData: 'x', context: { '': 'v' } })), 'ERR_ENCRYPTION_CONTEXT_INVALID');
  assert.equal(code(() => em.encryptToken({ tokenData: 'x', context: { a: '\ud800' } })), 'ERR_ENCRYPTION_CONTEXT_INVALID');
});

test('tampering with ciphertext, tag, IV, aad or protected header fails with the one decryption error', () => {
  for (const algorithm of ENCRYPTION_ALGORITHMS) {
    const em = new EncryptionManager({ defaultEncryptionAlgorithm: algorithm });
    const sealed = em.encryptToken({ tokenData: 'tamper me please', aad: 'aad!', context: { k: 'v' } });
    const jwe = sealed.jwe;
    const variants: FlattenedJWE[] = [
      { ...jwe, ciphertext: flip(jwe.ciphertext) },
      { ...jwe, tag: flip(jwe.tag) },
      { ...jwe, iv: flip(jwe.iv) },
      { ...jwe, aad: flip(jwe.aad!, jwe.aad!.length > 0 ? Buffer.from(jwe.aad!, 'base64url').length - 1 : 0) },
    ];
    const messages = new Set<string>();
    for (const v of variants) {
      try {
        em.decryptToken({ jwe: v, context: { k: 'v' } });
        assert.fail('tampered token decrypted');
      } catch (err) {
        assert.ok(isCjwtError(err, 'ERR_JWE_DECRYPTION_FAILED'), `${algorithm}: ${String(err)}`);
        messages.add((err as Error).message);
      }
    }
    assert.equal(messages.size, 1, 'every failure has the same message');
    // A protected header that is not byte-for-byte ours goes through the full JOSE path and still fails.
    const header = Buffer.from(JSON.stringify({ enc: algorithm, alg: 'dir', kid: sealed.keyId })).toString('base64url');
    assert.equal(code(() => em.decryptToken({ jwe: { ...jwe, protected: header }, context: { k: 'v' } })), 'ERR_JWE_DECRYPTION_FAILED');
    // A truncated GCM tag never passes.
    assert.equal(code(() => em.decryptToken({ jwe: { ...jwe, tag: jwe.tag.slice(0, 8) }, context: { k: 'v' } })), 'ERR_JWE_DECRYPTION_FAILED');
    em.close();
  }
});

test('malformed input gets typed errors: non-canonical base64url, kid outside the protected header, size limit', () => {
  const em = new EncryptionManager({ maxTokenSize: 2000 });
  const sealed = em.encryptToken({ tokenData: 'abc' });
  assert.equal(code(() => em.decryptToken({ jwe: { ...sealed.jwe, ciphertext: `${sealed.jwe.ciphertext}+` } })), 'ERR_JWE_INVALID');
  assert.equal(code(() => em.decryptToken({ jwe: { ...sealed.jwe, iv: sealed.jwe.iv.replace(/.$/, '!') } })), 'ERR_JWE_INVALID');
  assert.equal(code(() => em.decryptToken({ jwe: '{not json' })), 'ERR_JWE_INVALID');
  assert.equal(code(() => em.decryptToken({ jwe: JSON.stringify({ ...sealed.jwe, ciphertext: 'A'.repeat(3000) }) })), 'ERR_TOKEN_TOO_LARGE');
  assert.equal(code(() => em.decryptToken({ jwe: { ...sealed.jwe, ciphertext: 'A'.repeat(3000) } })), 'ERR_TOKEN_TOO_LARGE');
  // kid only in the unprotected header: the key was chosen by an unauthenticated value.
  const protectedNoKid = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM' })).toString('base64url');
  assert.equal(code(() => em.decryptToken({ jwe: { ...sealed.jwe, protected: protectedNoKid, header: { kid: sealed.keyId } } })), 'ERR_JWE_DECRYPTION_FAILED');
  // Another alg than dir is refused before any cryptography.
  const kw = Buffer.from(JSON.stringify({ alg: 'A256KW', enc: 'A256GCM', kid: sealed.keyId })).toString('base64url');
  assert.equal(code(() => em.decryptToken({ jwe: { ...sealed.jwe, protected: kw, encrypted_key: 'AAAA' } })), 'ERR_JOSE_ALG_NOT_ALLOWED');
  assert.equal(code(() => em.decryptToken({ encryptedData: 'AA', nonce: 'AA', tag: 'AA', algorithm: 'A128GCM' as never, keyId: 'x' })), 'ERR_JWE_INVALID');
});

test('property: the strict member decoder agrees with the jose layer on canonical base64url', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'ABCabc019-_+/= \n!é'.split('')), maxLength: 12 }), (s) => {
    let ok = true;
    try { decodeMember(s, 'x'); } catch { ok = false; }
    return ok === isCanonicalSegment(s);
  }), { numRuns: 20000 });
});

test('keyset: wrong kid, disabled and destroyed keys are told apart; disabled keys come back, destroyed ones do not', () => {
  const em = new EncryptionManager();
  const first = em.encryptToken({ tokenData: 'under k1' });
  const k1 = first.keyId;
  const { kid: k2 } = em.addKey({ algorithm: AES256GCM });
  assert.equal(em.primaryKeyId(), k1, 'a new key is not primary until promoted');
  em.promoteKey(k2);
  const second = em.encryptToken({ tokenData: 'under k2' });
  assert.equal(second.keyId, k2);
  assert.equal(em.decryptToken({ jwe: first.jwe }).tokenData.toString(), 'under k1', 'the former primary still decrypts');
  assert.deepEqual(em.listKeys().map((k) => [k.kid, k.status]), [[k1, 'enabled'], [k2, 'primary']]);

  assert.equal(code(() => em.decryptToken({ ...fieldsOf(first), keyId: 'nope' })), 'ERR_ENCRYPTION_KEY_UNAVAILABLE');
  assert.equal(code(() => em.decryptToken({ ...fieldsOf(first), keyId: k2 })), 'ERR_JWE_DECRYPTION_FAILED', 'a wrong but existing kid fails at the tag');
  em.disableKey(k1);
  assert.equal(code(() => em.decryptToken({ jwe: first.jwe })), 'ERR_ENCRYPTION_KEY_UNAVAILABLE');
  em.enableKey(k1);
  assert.equal(em.decryptToken({ jwe: first.jwe }).tokenData.toString(), 'under k1');
  em.disableKey(k1);
  em.destroyKey(k1);
  try {
    em.decryptToken({ jwe: first.jwe });
    assert.fail('destroyed key decrypted');
  } catch (err) {
    assert.ok(isCjwtError(err, 'ERR_ENCRYPTION_KEY_UNAVAILABLE'));
    assert.equal((err as { reason?: string }).reason, 'destroyed');
  }
  assert.equal(code(() => em.enableKey(k1)), 'ERR_KEYSET_INVALID');
  assert.equal(code(() => em.promoteKey(k1)), 'ERR_KEYSET_INVALID');
  assert.equal(code(() => em.disableKey(k2)), 'ERR_KEYSET_INVALID', 'the primary cannot be disabled');
  assert.equal(code(() => em.destroyKey(k2)), 'ERR_KEYSET_INVALID', 'the primary cannot be destroyed');
  assert.equal(code(() => em.addKey({ algorithm: AES256GCM, kid: k2 })), 'ERR_KEYSET_INVALID');
  assert.equal(code(() => em.addKey({ algorithm: AES256CBC, key: randomBytes(32) })), 'ERR_KEYSET_INVALID', 'A256CBC-HS512 keys are 64 bytes');
  // A key of another algorithm under the token's kid is refused.
  const cbc = em.addKey({ algorithm: AES256CBC, kid: 'cbc', primary: true });
  assert.equal(code(() => em.decryptToken({ ...fieldsOf(second), keyId: cbc.kid })), 'ERR_ENCRYPTION_KEY_UNAVAILABLE');
  em.close();
  assert.equal(code(() => em.encryptToken({ tokenData: 'x' })), 'ERR_MANAGER_CLOSED');
  assert.equal(code(() => em.decryptToken({ jwe: second.jwe })), 'ERR_MANAGER_CLOSED');
});

test('usage limit: a GCM or C20P key is retired after its limit, a fresh primary takes over, the old one still decrypts', () => {
  for (const algorithm of [AES256GCM, ChaCha20Poly1305] as const) {
    const rotated: string[] = [];
    const em = new EncryptionManager({ defaultEncryptionAlgorithm: algorithm, usageLimit: 3, onKeyRotated: (e) => rotated.push(`${e.retiredKid}->${e.kid}`) });
    const tokens: EncryptTokenResponse[] = [];
    for (let i = 0; i < 7; i++) tokens.push(em.encryptToken({ tokenData: `t${i}` }));
    const kids = tokens.map((t) => t.keyId);
    assert.equal(new Set(kids.slice(0, 3)).size, 1);
    assert.notEqual(kids[3], kids[2]);
    assert.equal(new Set(kids.slice(3, 6)).size, 1);
    assert.notEqual(kids[6], kids[5]);
    assert.equal(rotated.length, 2);
    const first = em.listKeys().find((k) => k.kid === kids[0])!;
    assert.deepEqual([first.status, first.exhausted, first.encryptions], ['enabled', true, 3]);
    assert.equal(code(() => em.promoteKey(kids[0]!)), 'ERR_KEYSET_INVALID', 'an exhausted key cannot be primary again');
    tokens.forEach((t, i) => assert.equal(em.decryptToken({ jwe: t.jwe }).tokenData.toString(), `t${i}`));
    em.close();
  }
  // Without automatic rotation the limit is an error until a new key is promoted.
  const em = new EncryptionManager({ usageLimit: 2, autoRotate: false });
  assert.equal(code(() => em.encryptToken({ tokenData: 'x' })), 'ERR_KEY_USAGE_LIMIT', 'no key generated when autoRotate is off');
  const { kid } = em.addKey({ primary: true });
  em.encryptToken({ tokenData: 'a' });
  em.encryptToken({ tokenData: 'b' });
  assert.equal(code(() => em.encryptToken({ tokenData: 'c' })), 'ERR_KEY_USAGE_LIMIT');
  assert.equal(em.listKeys().find((k) => k.kid === kid)!.exhausted, true);
  // CBC-HMAC and XC20P have no nonce-collision bound and no counter limit.
  const cbc = new EncryptionManager({ defaultEncryptionAlgorithm: XChaCha20Poly1305, usageLimit: 1 });
  const a = cbc.encryptToken({ tokenData: '1' });
  const b = cbc.encryptToken({ tokenData: '2' });
  assert.equal(a.keyId, b.keyId);
  assert.equal(code(() => new EncryptionManager({ usageLimit: 2 ** 32 })), 'ERR_KEYSET_INVALID');
});

test('persistence: the keyset saves sealed and loads back; a wrong storage key or an edited file fails to load', () => {
  const storageKey = randomBytes(32);
  const em = new EncryptionManager();
  const t1 = em.encryptToken({ tokenData: 'before save' });
  const { kid: k2 } = em.addKey({ algorithm: AES256CBC, primary: true });
  const t2 = em.encryptToken({ tokenData: 'cbc', algorithm: AES256CBC });
  const { kid: gone } = em.addKey({ algorithm: AES256GCM });
  em.destroyKey(gone);
  const saved = em.save(storageKey);
  const doc = JSON.parse(saved) as { keys: Array<{ kid: string; status: string; encryptions: number }>; secrets: { data: string } };
  assert.deepEqual(doc.keys.map((k) => k.status), ['primary', 'primary', 'destroyed']);
  for (const key of em.listKeys()) assert.ok(!saved.includes(key.kid) || !saved.includes(Buffer.from(key.kid).toString('hex')));
  const loaded = new EncryptionManager({ keyset: { saved, storageKey } });
  assert.equal(loaded.decryptToken({ jwe: t1.jwe }).tokenData.toString(), 'before save');
  assert.equal(loaded.decryptToken({ jwe: t2.jwe }).tokenData.toString(), 'cbc');
  assert.equal(loaded.primaryKeyId(AES256CBC), k2);
  assert.equal(loaded.listKeys()[0]!.encryptions, 1, 'usage counters survive');
  assert.equal(code(() => loaded.decryptToken({ ...fieldsOf(t1), keyId: gone })), 'ERR_ENCRYPTION_KEY_UNAVAILABLE');
  assert.equal(code(() => new EncryptionManager({ keyset: { saved, storageKey: randomBytes(32) } })), 'ERR_KEY_STORAGE');
  const edited = JSON.parse(saved) as typeof doc;
  edited.keys[0]!.encryptions = 0;
  assert.equal(code(() => new EncryptionManager({ keyset: { saved: JSON.stringify(edited), storageKey } })), 'ERR_KEY_STORAGE', 'a rolled-back counter is detected');
  const revived = JSON.parse(saved) as typeof doc;
  revived.keys[2]!.status = 'enabled';
  assert.equal(code(() => new EncryptionManager({ keyset: { saved: JSON.stringify(revived), storageKey } })), 'ERR_KEY_STORAGE');
  assert.equal(code(() => new EncryptionManager({ keyset: { saved: 'nope', storageKey } })), 'ERR_KEY_STORAGE');
  em.close();
  loaded.close();
});
