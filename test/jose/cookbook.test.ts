// JOSE Cookbook (RFC 7520) sections 3 (JWK) and 4 (JWS), RFC 7797 (b64=false) and the RFC 8037
// Ed25519 example: deterministic algorithms reproduce byte for byte, randomized ones verify.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  calculateJwkThumbprint, exportJWK, importJWK, signCompact, signJSON, toPublicKey, verifyCompact, verifyJSON,
  JWSInvalid, type FlattenedJWS, type GeneralJWS, type JWK, type JWSHeader,
} from '../../src/jose/index.js';

// The JOSE Cookbook (RFC 7520) vectors, copied into the repository with their licence.
const ROOT = join(import.meta.dirname, '../fixtures/jose-cookbook');

interface SigningStep { protected?: JWSHeader; unprotected?: Record<string, unknown>; sig: string }
interface Vector {
  title: string;
  reproducible?: boolean;
  input: { payload: string; key: JWK | JWK[]; alg: string | string[] };
  signing: SigningStep | SigningStep[];
  output: { compact?: string; json?: GeneralJWS; json_flat?: FlattenedJWS };
}

function load(path: string): Vector {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Vector;
}

const DETERMINISTIC = /^(HS|RS)\d+$|^EdDSA$/;

function verifyKey(jwk: JWK) {
  const key = importJWK(jwk);
  return key.type === 'private' ? toPublicKey(key) : key;
}

test('JWK examples (RFC 7520 §3) import and export to the same members', () => {
  for (const file of readdirSync(join(ROOT, 'jwk')).sort()) {
    const jwk = JSON.parse(readFileSync(join(ROOT, 'jwk', file), 'utf8')) as JWK;
    const key = importJWK(jwk);
    assert.equal(key.type, jwk.kty === 'oct' ? 'secret' : jwk.d === undefined ? 'public' : 'private', file);
    const exported = exportJWK(key);
    for (const member of ['kty', 'crv', 'x', 'y', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      assert.equal(exported[member], jwk[member], `${file} ${member}`);
    }
    // A private key and its public half share one thumbprint.
    if (key.type === 'private') assert.equal(calculateJwkThumbprint(key), calculateJwkThumbprint(toPublicKey(key)), file);
  }
});

test('RFC 7638 §3.1 and RFC 8037 §A.3 thumbprints', () => {
  const rsa: JWK = {
    kty: 'RSA', e: 'AQAB', alg: 'RS256', kid: '2011-04-29',
    n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  };
  assert.equal(calculateJwkThumbprint(rsa), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  assert.equal(calculateJwkThumbprint(importJWK(rsa)), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  const ed = load('curve25519/jws.json').input.key as JWK;
  assert.equal(calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: ed.x as string }), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  assert.equal(calculateJwkThumbprint(importJWK(ed)), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
});

const SINGLE = [
  'jws/4_1.rsa_v15_signature.json',
  'jws/4_2.rsa-pss_signature.json',
  'jws/4_3.ecdsa_signature.json',
  'jws/4_4.hmac-sha2_integrity_protection.json',
  'jws/4_6.protecting_specific_header_fields.json',
  'jws/4_7.protecting_content_only.json',
  'curve25519/jws.json',
];

for (const file of SINGLE) {
  test(`JWS example ${file} ${DETERMINISTIC.test(String(load(file).input.alg)) ? 'reproduces' : 'verifies'}`, () => {
    const v = load(file);
    const jwk = v.input.key as JWK;
    const alg = v.input.alg as string;
    const step = v.signing as SigningStep;
    const signKey = importJWK(jwk);
    const pub = verifyKey(jwk);
    const payload = Buffer.from(v.input.payload, 'utf8');
    if (v.output.compact !== undefined) {
      const result = verifyCompact(v.output.compact, pub);
      assert.deepEqual(result.payload, payload);
      assert.deepEqual({ ...result.protectedHeader }, step.protected);
    }
    const flat = verifyJSON(v.output.json_flat as FlattenedJWS, pub);
    const general = verifyJSON(v.output.json as GeneralJWS, pub);
    assert.deepEqual(flat.payload, payload);
    assert.deepEqual(general.payload, payload);
    assert.deepEqual(general.unprotectedHeader, step.unprotected);
    if (!DETERMINISTIC.test(alg)) return;
    if (v.output.compact !== undefined) assert.equal(signCompact(v.input.payload, step.protected as JWSHeader, signKey), v.output.compact);
    const signer = { key: signKey, protectedHeader: step.protected, header: step.unprotected };
    assert.deepEqual(signJSON(v.input.payload, [signer], { flattened: true }), v.output.json_flat);
    assert.deepEqual(signJSON(v.input.payload, [signer]), v.output.json);
  });
}

test('JWS example 4.5 (detached content) reproduces and verifies with the content reattached', () => {
  const v = load('jws/4_5.signature_with_detached_content.json');
  const key = importJWK(v.input.key as JWK);
  const step = v.signing as SigningStep;
  const encodedPayload = Buffer.from(v.input.payload).toString('base64url');
  const full = signCompact(v.input.payload, step.protected as JWSHeader, key);
  const [h, , s] = full.split('.');
  assert.equal(`${h}..${s}`, v.output.compact);
  const [dh, , ds] = (v.output.compact as string).split('.');
  assert.equal(verifyCompact(`${dh}.${encodedPayload}.${ds}`, key).payload.toString(), v.input.payload);
  const flat = { ...(v.output.json_flat as FlattenedJWS), payload: encodedPayload };
  assert.equal(verifyJSON(flat, key).payload.toString(), v.input.payload);
});

test('JWS example 4.8 (multiple signatures) verifies with each key and reproduces the deterministic ones', () => {
  const v = load('jws/4_8.multiple_signatures.json');
  const keys = v.input.key as JWK[];
  const steps = v.signing as SigningStep[];
  const algs = v.input.alg as string[];
  const json = v.output.json as GeneralJWS;
  keys.forEach((jwk, i) => {
    const result = verifyJSON(json, verifyKey(jwk));
    assert.equal(result.payload.toString(), v.input.payload);
    // Each key verifies only its own signature: drop it and the rest must fail.
    const others = { ...json, signatures: json.signatures.filter((_, j) => j !== i) };
    assert.throws(() => verifyJSON(others, verifyKey(jwk)));
  });
  const signers = keys.map((jwk, i) => ({ key: importJWK(jwk), protectedHeader: steps[i]?.protected, header: steps[i]?.unprotected }));
  const produced = signJSON(v.input.payload, signers) as GeneralJWS;
  assert.equal(produced.payload, json.payload);
  produced.signatures.forEach((sig, i) => {
    if (DETERMINISTIC.test(algs[i] ?? '')) assert.deepEqual(sig, json.signatures[i]);
    else assert.equal(verifyJSON({ payload: produced.payload, signatures: [sig] }, verifyKey(keys[i] as JWK)).payload.toString(), v.input.payload);
  });
});

test('RFC 7797 b64=false: compact and JSON reproduce when enabled, and are refused when not', () => {
  const v = load('rfc7797/hmac-sha2_b64_false.json');
  const key = importJWK(v.input.key as JWK);
  const header = { alg: 'HS256', b64: false, crit: ['b64'] } as JWSHeader;
  assert.equal(signCompact(v.input.payload, header, key), v.output.compact);
  assert.deepEqual(signJSON(v.input.payload, [{ key, protectedHeader: header }], { flattened: true }), v.output.json_flat);
  assert.deepEqual(signJSON(v.input.payload, [{ key, protectedHeader: header }]), v.output.json);
  const compact = verifyCompact(v.output.compact as string, key, { allowUnencodedPayload: true });
  assert.equal(compact.payload.toString(), v.input.payload);
  assert.equal(verifyJSON(v.output.json as GeneralJWS, key, { allowUnencodedPayload: true }).payload.toString(), v.input.payload);
  assert.throws(() => verifyCompact(v.output.compact as string, key), (e: Error & { code?: string }) => e.code === 'ERR_JOSE_NOT_SUPPORTED');
  assert.throws(() => verifyJSON(v.output.json_flat as FlattenedJWS, key), (e: Error & { code?: string }) => e.code === 'ERR_JOSE_NOT_SUPPORTED');
});

test('RFC 7797 §4.2 reproduces with its real header; the vector file omits "crit" and is refused', () => {
  const v = load('rfc7797/4.2.hmac-sha2_b64_false.json');
  const key = importJWK(v.input.key as JWK);
  const header = v.signing as SigningStep;
  // The RFC's own §4.2 output: protected header {"alg":"HS256","b64":false,"crit":["b64"]}.
  const produced = signJSON(v.input.payload, [{ key, protectedHeader: header.protected }], { flattened: true });
  assert.deepEqual(produced, {
    payload: '$.02',
    protected: 'eyJhbGciOiJIUzI1NiIsImI2NCI6ZmFsc2UsImNyaXQiOlsiYjY0Il19',
    signature: 'A5dxf2s96_n5FLueVuW1Z_vh161FwXZC4YLPff6dmDY',
  });
  assert.equal(verifyJSON(produced, key, { allowUnencodedPayload: true }).payload.toString(), '$.02');
  // The file's output was made with {"alg":"HS256","b64":false} — no "crit", which RFC 7797 §6 requires.
  assert.throws(() => verifyJSON(v.output.json_flat as FlattenedJWS, key, { allowUnencodedPayload: true }), JWSInvalid);
});
