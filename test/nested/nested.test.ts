/**
 * Encrypted JWTs, nested (signed then encrypted) JWTs, and access/refresh pairs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import * as jose from 'jose';
import { importJWK, type JWK } from '../../src/jose/jwk/keys.js';
import { isCjwtError, type CjwtErrorCode } from '../../src/jose/errors.js';
import { encryptCompact } from '../../src/jose/jwe/jwe.js';
import { signJWT } from '../../src/jose/jwt/jwt.js';
import {
  createAccessRefreshIssuer, createAccessRefreshVerifier, decryptAndVerify, decryptAndVerifyAccess, decryptAndVerifyRefresh,
  decryptJWT, encryptJWT, issueAccessAndRefresh, signAndEncrypt,
} from '../../src/nested/index.js';

const sig = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const sig2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const enc = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const enc2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaEnc = generateKeyPairSync('rsa', { modulusLength: 2048 });

function rejects(fn: () => unknown, code: CjwtErrorCode, claim?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isCjwtError(err), `expected a cjwt error, got ${String(err)}`);
    assert.equal(err.code, code);
    if (claim !== undefined) assert.equal((err as unknown as { claim: string }).claim, claim);
    return true;
  });
}

test('encryptJWT / decryptJWT: claims round trip and validation', () => {
  const token = encryptJWT({ sub: 'u1', role: 'admin' }, enc.publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', issuer: 'iss', audience: 'api', expiresIn: '5m', kid: 'e1' });
  const { payload, protectedHeader } = decryptJWT(token, enc.privateKey, { issuer: 'iss', audience: 'api' });
  assert.equal(payload.sub, 'u1');
  assert.equal(payload.role, 'admin');
  assert.equal(payload.iss, 'iss');
  assert.equal(typeof payload.exp, 'number');
  assert.equal((payload.exp as number) - (payload.iat as number), 300);
  assert.equal(protectedHeader.typ, 'JWT');
  assert.equal(protectedHeader.kid, 'e1');
  rejects(() => decryptJWT(token, enc.privateKey, { issuer: 'other' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss');
  rejects(() => decryptJWT(token, enc.privateKey, { audience: 'other' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
  rejects(() => decryptJWT(token, enc.privateKey, { currentDate: new Date(Date.now() + 3_600_000) }), 'ERR_JWT_EXPIRED');
  rejects(() => decryptJWT(token, enc2.privateKey), 'ERR_JWE_DECRYPTION_FAILED');
  rejects(() => decryptJWT(encryptCompact('not json', enc.publicKey, { alg: 'ECDH-ES', enc: 'A128GCM' }), enc.privateKey), 'ERR_JWT_INVALID');
  rejects(() => decryptJWT(encryptCompact('[1]', enc.publicKey, { alg: 'ECDH-ES', enc: 'A128GCM' }), enc.privateKey), 'ERR_JWT_INVALID');
  // A nested token is not a bare encrypted JWT.
  const nested = signAndEncrypt({ sub: 'u1' }, { signingKey: sig.privateKey, signingAlg: 'ES256', encryptionKey: enc.publicKey, alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
  rejects(() => decryptJWT(nested, enc.privateKey), 'ERR_JWT_INVALID');
});

test('jose reads cjwt encrypted JWTs and the reverse', async () => {
  const ours = encryptJWT({ sub: 'u2' }, rsaEnc.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM', issuer: 'iss', expiresIn: 60 });
  const theirs = await jose.jwtDecrypt(ours, rsaEnc.privateKey, { issuer: 'iss' });
  assert.equal(theirs.payload.sub, 'u2');
  const fromJose = await new jose.EncryptJWT({ sub: 'u3' }).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
    .setIssuedAt().setExpirationTime('2m').setIssuer('iss').encrypt(enc.publicKey);
  assert.equal(decryptJWT(fromJose, enc.privateKey, { issuer: 'iss' }).payload.sub, 'u3');
});

for (const [label, encryptionKey, decryptionKey, alg] of [
  ['ECDH-ES+A256KW/A256GCM over ES256', enc.publicKey, enc.privateKey, 'ECDH-ES+A256KW'],
  ['RSA-OAEP-256/A256GCM over ES256', rsaEnc.publicKey, rsaEnc.privateKey, 'RSA-OAEP-256'],
] as const) {
  test(`nested ${label}: sign then encrypt, interoperable with jose`, async () => {
    const token = signAndEncrypt({ sub: 'u4', scope: 'read' }, {
      signingKey: sig.privateKey, signingAlg: 'ES256', signingKid: 'sig-1',
      encryptionKey, alg, enc: 'A256GCM', encryptionKid: 'enc-1', issuer: 'iss', audience: 'api', expiresIn: '10m',
    });
    const r = decryptAndVerify(token, { decryptionKey, verificationKey: sig.publicKey, issuer: 'iss', audience: 'api' });
    assert.equal(r.payload.sub, 'u4');
    assert.equal(r.jweHeader.cty, 'JWT');
    assert.equal(r.jweHeader.kid, 'enc-1');
    assert.equal(r.jweHeader.alg, alg);
    assert.equal(r.protectedHeader.kid, 'sig-1');
    assert.equal(r.protectedHeader.alg, 'ES256');
    // jose: decrypt the outer, verify the inner.
    const outer = await jose.compactDecrypt(token, decryptionKey);
    assert.equal(outer.protectedHeader.cty, 'JWT');
    const inner = await jose.jwtVerify(new TextDecoder().decode(outer.plaintext), sig.publicKey, { issuer: 'iss', audience: 'api' });
    assert.equal(inner.payload.sub, 'u4');
    // jose-made nested token, read by cjwt.
    const jws = await new jose.SignJWT({ sub: 'u5' }).setProtectedHeader({ alg: 'ES256', kid: 'sig-1' }).setIssuer('iss').setAudience('api').setExpirationTime('1m').sign(sig.privateKey);
    const joseNested = await new jose.CompactEncrypt(new TextEncoder().encode(jws)).setProtectedHeader({ alg, enc: 'A256GCM', cty: 'JWT' }).encrypt(encryptionKey);
    assert.equal(decryptAndVerify(joseNested, { decryptionKey, verificationKey: sig.publicKey, issuer: 'iss', audience: 'api' }).payload.sub, 'u5');
    // Wrong signature key, wrong decryption key, and a bare JWE without cty are refused.
    rejects(() => decryptAndVerify(token, { decryptionKey, verificationKey: sig2.publicKey }), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    rejects(() => decryptAndVerify(token, { decryptionKey: alg === 'RSA-OAEP-256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : enc2.privateKey, verificationKey: sig.publicKey }), 'ERR_JWE_DECRYPTION_FAILED');
    const bare = encryptCompact(jws, encryptionKey, { alg, enc: 'A256GCM' });
    rejects(() => decryptAndVerify(bare, { decryptionKey, verificationKey: sig.publicKey }), 'ERR_JWE_INVALID');
  });
}

test('RFC 7520 §6: the cookbook nested token decrypts and verifies', () => {
  const v = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/jose-cookbook/6.nesting_signatures_and_encryption.json'), 'utf8')) as {
    sign: { input: { key: JWK } }; encrypt: { input: { key: JWK }; output: { compact: string } };
  };
  const r = decryptAndVerify(v.encrypt.output.compact, {
    decryptionKey: importJWK(v.encrypt.input.key), verificationKey: importJWK(v.sign.input.key),
    issuer: 'hobbiton.example', currentDate: new Date(1300819000 * 1000),
  });
  assert.equal(r.payload['http://example.com/is_root'], true);
  assert.equal(r.protectedHeader.alg, 'PS256');
  rejects(() => decryptAndVerify(v.encrypt.output.compact, { decryptionKey: importJWK(v.encrypt.input.key), verificationKey: importJWK(v.sign.input.key) }), 'ERR_JWT_EXPIRED');
});

const pairConfig = { iss: 'https://auth.example', aud: 'api', signingKey: sig.privateKey, signingKid: 'sig-1', encryptionKey: enc.publicKey, encryptionKid: 'enc-1' };
const verifyOptions = { decryptionKey: enc.privateKey, verificationKey: sig.publicKey, issuer: 'https://auth.example', audience: 'api' };

test('issueAccessAndRefresh: claims, lifetimes, ids, family', () => {
  const before = Math.floor(Date.now() / 1000);
  const pair = issueAccessAndRefresh({ ...pairConfig, uid: 42, deviceId: 'phone-1', clientId: 'web', scope: ['read', 'write'], accessTtlMinutes: 10, refreshTtlDays: 7, claims: { role: 'admin', sub: 'ignored' } });
  const access = decryptAndVerifyAccess(pair.accessToken, verifyOptions);
  assert.equal(access.payload.sub, '42');
  assert.equal(access.payload.uid, 42);
  assert.equal(access.payload.device_id, 'phone-1');
  assert.equal(access.payload.client_id, 'web');
  assert.equal(access.payload.scope, 'read write');
  assert.equal(access.payload.token_use, 'access');
  assert.equal(access.payload.role, 'admin');
  assert.equal(access.payload.jti, pair.accessTokenId);
  assert.equal(access.protectedHeader.typ, 'at+jwt');
  assert.equal(access.protectedHeader.kid, 'sig-1');
  assert.equal(access.jweHeader.kid, 'enc-1');
  assert.equal(access.jweHeader.alg, 'ECDH-ES+A256KW');
  assert.equal(access.jweHeader.enc, 'A256GCM');
  assert.ok((access.payload.iat as number) >= before);
  assert.equal((access.payload.exp as number) - (access.payload.iat as number), 600);
  assert.equal(pair.accessExpiresAt.getTime(), (access.payload.exp as number) * 1000);

  const refresh = decryptAndVerifyRefresh(pair.refreshToken, verifyOptions);
  assert.equal(refresh.payload.token_use, 'refresh');
  assert.equal(refresh.payload.jti, pair.refreshTokenId);
  assert.equal(refresh.payload.fid, pair.familyId);
  assert.notEqual(pair.refreshTokenId, pair.accessTokenId);
  assert.equal(refresh.payload.role, undefined);
  assert.equal(refresh.protectedHeader.typ, 'refresh+jwt');
  assert.equal((refresh.payload.exp as number) - (refresh.payload.iat as number), 7 * 86400);

  // Rotation keeps the family, with fresh token ids.
  const next = issueAccessAndRefresh({ ...pairConfig, uid: 42, familyId: pair.familyId });
  assert.equal(next.familyId, pair.familyId);
  assert.notEqual(next.refreshTokenId, pair.refreshTokenId);
  assert.equal(decryptAndVerifyRefresh(next.refreshToken, verifyOptions).payload.fid, pair.familyId);
});

test('a refresh token is never accepted as an access token, nor the reverse', () => {
  const pair = issueAccessAndRefresh({ ...pairConfig, uid: 'u-7' });
  rejects(() => decryptAndVerifyAccess(pair.refreshToken, verifyOptions), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'typ');
  rejects(() => decryptAndVerifyRefresh(pair.accessToken, verifyOptions), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'typ');
  // Even a token whose typ claims "access" but whose token_use says refresh is refused.
  const forged = signAndEncrypt({ iss: 'https://auth.example', aud: 'api', sub: 's', jti: 'j', token_use: 'refresh', fid: 'f' }, {
    signingKey: sig.privateKey, signingAlg: 'ES256', typ: 'at+jwt', encryptionKey: enc.publicKey, alg: 'ECDH-ES+A256KW', enc: 'A256GCM', expiresIn: 60,
  });
  rejects(() => decryptAndVerifyAccess(forged, verifyOptions), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'token_use');
  // A refresh-typed token without fid is refused.
  const noFid = signAndEncrypt({ iss: 'https://auth.example', aud: 'api', sub: 's', jti: 'j', token_use: 'refresh' }, {
    signingKey: sig.privateKey, signingAlg: 'ES256', typ: 'refresh+jwt', encryptionKey: enc.publicKey, alg: 'ECDH-ES+A256KW', enc: 'A256GCM', expiresIn: 60,
  });
  rejects(() => decryptAndVerifyRefresh(noFid, verifyOptions), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'fid');
  // A signed-only (unencrypted) access token is not a nested token.
  const plain = signJWT({ sub: 's' }, sig.privateKey, { alg: 'ES256', typ: 'at+jwt' });
  rejects(() => decryptAndVerifyAccess(plain, verifyOptions), 'ERR_JWE_INVALID');
});

test('access/refresh verification checks iss, aud, exp, the signing key and the encryption key', () => {
  const pair = issueAccessAndRefresh({ ...pairConfig, uid: 1, accessTtlMinutes: 1 });
  rejects(() => decryptAndVerifyAccess(pair.accessToken, { ...verifyOptions, issuer: 'https://evil.example' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss');
  rejects(() => decryptAndVerifyAccess(pair.accessToken, { ...verifyOptions, audience: 'other' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
  rejects(() => decryptAndVerifyAccess(pair.accessToken, { ...verifyOptions, currentDate: new Date(Date.now() + 120_000) }), 'ERR_JWT_EXPIRED');
  assert.equal(decryptAndVerifyRefresh(pair.refreshToken, { ...verifyOptions, currentDate: new Date(Date.now() + 120_000) }).payload.sub, '1');
  rejects(() => decryptAndVerifyAccess(pair.accessToken, { ...verifyOptions, verificationKey: sig2.publicKey }), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  rejects(() => decryptAndVerifyAccess(pair.accessToken, { ...verifyOptions, decryptionKey: enc2.privateKey }), 'ERR_JWE_DECRYPTION_FAILED');
  rejects(() => decryptAndVerifyAccess(pair.accessToken, { ...verifyOptions, algorithms: ['ES384'] }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  rejects(() => decryptAndVerifyAccess(pair.accessToken, { ...verifyOptions, keyManagementAlgorithms: ['RSA-OAEP-256'] }), 'ERR_JOSE_ALG_NOT_ALLOWED');
});

test('separate key sets for use=sig and use=enc, chosen by kid', () => {
  const sigKeys = new Map<string, KeyObject>([['sig-1', sig.publicKey], ['sig-2', sig2.publicKey]]);
  const encKeys = new Map<string, KeyObject>([['enc-1', enc.privateKey], ['enc-2', rsaEnc.privateKey]]);
  const options = {
    decryptionKey: (h: { kid?: string }) => encKeys.get(h.kid ?? '') ?? enc2.privateKey,
    verificationKey: (h: { kid?: string }) => sigKeys.get(h.kid ?? '') ?? sig2.publicKey,
    issuer: 'https://auth.example', audience: 'api',
  };
  const issueA = createAccessRefreshIssuer({ ...pairConfig });
  const issueB = createAccessRefreshIssuer({ ...pairConfig, signingKey: sig2.privateKey, signingKid: 'sig-2', encryptionKey: rsaEnc.publicKey, encryptionKid: 'enc-2' });
  const verifier = createAccessRefreshVerifier(options);
  const a = issueA({ uid: 'a' });
  const b = issueB({ uid: 'b' });
  assert.equal(verifier.verifyAccess(a.accessToken).payload.sub, 'a');
  const vb = verifier.verifyAccess(b.accessToken);
  assert.equal(vb.payload.sub, 'b');
  assert.equal(vb.jweHeader.alg, 'RSA-OAEP-256');
  assert.equal(verifier.verifyRefresh(b.refreshToken).payload.fid, b.familyId);
  // One key for both uses is refused at configuration time.
  rejects(() => createAccessRefreshIssuer({ ...pairConfig, encryptionKey: sig.publicKey }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  const secret = randomBytes(32);
  const hmac = createSecretKey(secret);
  rejects(() => createAccessRefreshIssuer({ ...pairConfig, signingKey: hmac, encryptionKey: secret }), 'ERR_JOSE_ALG_NOT_ALLOWED');
  // A dir secret works as the encryption key; the enc follows its length.
  const dirPair = createAccessRefreshIssuer({ ...pairConfig, encryptionKey: createSecretKey(randomBytes(32)) })({ uid: 'd' });
  assert.equal(JSON.parse(Buffer.from(dirPair.accessToken.split('.')[0]!, 'base64url').toString()).alg, 'dir');
});

test('an explicit alg "dir" without enc takes the mode of the secret\'s length, as the default does', () => {
  const encryptionKey = createSecretKey(randomBytes(16));
  const pair = createAccessRefreshIssuer({ iss: 'https://auth.example', aud: 'api', signingKey: sig.privateKey, encryptionKey, alg: 'dir' })({ uid: 'd' });
  const header = JSON.parse(Buffer.from(pair.accessToken.split('.')[0]!, 'base64url').toString()) as { alg: string; enc: string };
  assert.deepEqual({ alg: header.alg, enc: header.enc }, { alg: 'dir', enc: 'A128GCM' });
  const verifier = createAccessRefreshVerifier({ decryptionKey: encryptionKey, verificationKey: sig.publicKey, issuer: 'https://auth.example', audience: 'api' });
  assert.equal(verifier.verifyAccess(pair.accessToken).payload.sub, 'd');
});
