// Interoperability with `jose`: for every algorithm, tokens made by cjwt verify in jose and tokens
// made by jose verify in cjwt, in compact, flattened and general serialization, plus JWT and JWK.
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { test } from 'node:test';
import * as jose from 'jose';
import {
  JWS_ALGORITHMS, calculateJwkThumbprint, createJWSSigner, exportJWK, generateKeyPair, generateSecret, importJWK, signJSON, signJWT,
  toPublicKey, verifyCompact, verifyJSON, verifyJWT, type FlattenedJWS, type GeneralJWS, type JWSAlgorithm,
} from '../../src/jose/index.js';

interface Pair { alg: JWSAlgorithm; label: string; signKey: KeyObject; verifyKey: KeyObject }

const rsa = generateKeyPair('RSA');
const pairs: Pair[] = [];
for (const alg of JWS_ALGORITHMS) {
  if (alg.startsWith('HS')) {
    const secret = generateSecret(alg as 'HS256');
    pairs.push({ alg, label: alg, signKey: secret, verifyKey: secret });
  } else if (alg.startsWith('RS') || alg.startsWith('PS')) {
    pairs.push({ alg, label: alg, signKey: rsa.privateKey, verifyKey: rsa.publicKey });
  } else if (alg === 'EdDSA') {
    // jose 6 runs on WebCrypto, which has no Ed448 in Node: Ed448 is covered by the test below.
    const { privateKey, publicKey } = generateKeyPair('Ed25519');
    pairs.push({ alg, label: 'EdDSA/Ed25519', signKey: privateKey, verifyKey: publicKey });
  } else {
    const { privateKey, publicKey } = generateKeyPair(alg);
    pairs.push({ alg, label: alg, signKey: privateKey, verifyKey: publicKey });
  }
}

const text = 'interop ✓ payload';
const bytes = new TextEncoder().encode(text);

for (const { alg, label, signKey, verifyKey } of pairs) {
  test(`${label}: cjwt -> jose (compact, flattened, general, JWT)`, async () => {
    const compact = createJWSSigner(signKey, { alg, kid: 'k1' })(text);
    const c = await jose.compactVerify(compact, verifyKey);
    assert.equal(new TextDecoder().decode(c.payload), text);
    assert.deepEqual(c.protectedHeader, { alg, kid: 'k1' });

    const flat = signJSON(text, [{ key: signKey, protectedHeader: { alg }, header: { kid: 'k1' } }], { flattened: true }) as FlattenedJWS;
    const f = await jose.flattenedVerify(flat as jose.FlattenedJWSInput, verifyKey);
    assert.equal(new TextDecoder().decode(f.payload), text);
    assert.deepEqual(f.unprotectedHeader, { kid: 'k1' });

    const general = signJSON(text, [{ key: signKey, protectedHeader: { alg } }]) as GeneralJWS;
    const g = await jose.generalVerify(general as jose.GeneralJWSInput, verifyKey);
    assert.equal(new TextDecoder().decode(g.payload), text);

    const jwt = signJWT({ sub: 'user-1', aud: ['a', 'b'] }, signKey, { alg, issuer: 'cjwt', expiresIn: '5m' });
    const j = await jose.jwtVerify(jwt, verifyKey, { issuer: 'cjwt', audience: 'b' });
    assert.equal(j.payload.sub, 'user-1');
    assert.equal((j.payload.exp ?? 0) - (j.payload.iat ?? 0), 300);
  });

  test(`${label}: jose -> cjwt (compact, flattened, general, JWT)`, async () => {
    const compact = await new jose.CompactSign(bytes).setProtectedHeader({ alg, typ: 'x' }).sign(signKey);
    const c = verifyCompact(compact, verifyKey);
    assert.equal(c.payload.toString(), text);
    assert.deepEqual({ ...c.protectedHeader }, { alg, typ: 'x' });

    const flat = await new jose.FlattenedSign(bytes).setProtectedHeader({ alg }).setUnprotectedHeader({ kid: 'k2' }).sign(signKey);
    const f = verifyJSON(flat as FlattenedJWS, verifyKey);
    assert.equal(f.payload.toString(), text);
    assert.deepEqual(f.unprotectedHeader, { kid: 'k2' });

    const general = await new jose.GeneralSign(bytes).addSignature(signKey).setProtectedHeader({ alg }).sign();
    assert.equal(verifyJSON(general as GeneralJWS, verifyKey).payload.toString(), text);
    assert.equal(verifyJSON(JSON.stringify(general), verifyKey).payload.toString(), text);

    const jwt = await new jose.SignJWT({ sub: 'user-2' }).setProtectedHeader({ alg, typ: 'at+jwt' }).setIssuedAt().setExpirationTime('5m').setIssuer('jose').sign(signKey);
    const j = verifyJWT(jwt, verifyKey, { issuer: 'jose', typ: 'application/at+jwt', requiredClaims: ['exp'] });
    assert.equal(j.payload.sub, 'user-2');
  });
}

test('JWK export/import and thumbprints agree with jose', async () => {
  for (const { label, signKey } of pairs) {
    const jwk = exportJWK(signKey);
    const viaJose = await jose.exportJWK(importJWK(jwk));
    assert.deepEqual(importJWK(viaJose as never).export({ format: 'jwk' }), signKey.export({ format: 'jwk' }), label);
    if (signKey.type !== 'secret') {
      const pub = exportJWK(toPublicKey(signKey));
      assert.equal(calculateJwkThumbprint(pub), await jose.calculateJwkThumbprint(pub as jose.JWK), label);
      assert.equal(calculateJwkThumbprint(signKey, 'sha512'), await jose.calculateJwkThumbprint(pub as jose.JWK, 'sha512'), label);
    } else {
      assert.equal(calculateJwkThumbprint(signKey), await jose.calculateJwkThumbprint(jwk as jose.JWK), label);
    }
  }
});

test('EdDSA/Ed448 (which jose 6 cannot do) round-trips in cjwt, compact and JSON', () => {
  const { privateKey, publicKey } = generateKeyPair('Ed448');
  const compact = createJWSSigner(privateKey, { alg: 'EdDSA' })(text);
  assert.equal(compact.split('.')[2]?.length, 152); // 114-byte Ed448 signature
  assert.equal(verifyCompact(compact, publicKey).payload.toString(), text);
  assert.equal(verifyJSON(signJSON(text, [{ key: privateKey, protectedHeader: { alg: 'EdDSA' } }]), publicKey).payload.toString(), text);
  assert.equal(verifyJWT(signJWT({ sub: 's' }, privateKey, { alg: 'EdDSA' }), importJWK(exportJWK(publicKey))).payload.sub, 's');
});
