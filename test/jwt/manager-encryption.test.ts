import assert from 'node:assert/strict';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { compactDecrypt, jwtVerify } from 'jose';
import { encryptCompact } from '../../src/jose/jwe/jwe.js';
import { decodeJWT } from '../../src/jose/jwt/jwt.js';
import { calculateJwkThumbprint, exportJWK, exportPEM, generateKeyPair, generateSecret } from '../../src/jose/jwk/keys.js';
import { JWTManager, type VerifyTokenResult } from '../../src/jwt/index.js';

const SIGNING = generateKeyPair('ES256');
const ENCRYPTION = generateKeyPair('P-256');

function codeOf(result: VerifyTokenResult): string | undefined {
  return result.valid ? undefined : result.error.code;
}

function outerHeader(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function ecdhManager(decryptionKey: KeyObject = ENCRYPTION.privateKey): JWTManager {
  return JWTManager.withECDSA(SIGNING.privateKey, {
    issuer: 'https://auth.example', audience: 'api',
    encryption: { key: ENCRYPTION.publicKey, decryptionKey, alg: 'ECDH-ES+A256KW' },
  });
}

describe('JWTManager encryption', () => {
  it('round trip with ECDH-ES+A256KW (P-256): a nested JWE with cty JWT and the enc key kid', async () => {
    const m = ecdhManager();
    const out = await m.generateToken({ subject: 'user-1', customClaims: { role: 'admin' } });
    assert.equal(out.token.split('.').length, 5);
    const header = outerHeader(out.token);
    assert.equal(header.alg, 'ECDH-ES+A256KW');
    assert.equal(header.enc, 'A256GCM');
    assert.equal(header.cty, 'JWT');
    assert.equal(header.kid, calculateJwkThumbprint(ENCRYPTION.publicKey));

    const result = await m.verifyToken(out.token);
    assert.equal(result.valid, true);
    if (!result.valid) return;
    assert.deepEqual(result.claims, out.claims);
    assert.equal(result.subject, 'user-1');
    assert.deepEqual(result.customClaims, { role: 'admin' });
  });

  it('round trip with dir (A256GCM secret); the secret decrypts by default and gets no kid', async () => {
    const secret = generateSecret(32);
    const m = JWTManager.withHMAC(generateSecret('HS256'), { encryption: { key: secret } });
    const out = await m.generateToken({ subject: 's', customClaims: { n: 1 } });
    const header = outerHeader(out.token);
    assert.deepEqual([header.alg, header.enc, header.cty, header.kid], ['dir', 'A256GCM', 'JWT', undefined]);
    const result = await m.verifyToken(out.token);
    assert.equal(result.valid, true);
    assert.deepEqual(result.valid ? result.claims : undefined, out.claims);
  });

  it('the claims are unreadable without the key', async () => {
    const m = ecdhManager();
    const out = await m.generateToken({ subject: 'secret-subject', customClaims: { card: '4111' } });
    assert.equal(out.token.split('.').length, 5);
    assert.throws(() => decodeJWT(out.token), (err: Error & { code?: string }) => err.code === 'ERR_JWS_INVALID');
    assert.equal(out.token.includes(Buffer.from('secret-subject').toString('base64url')), false);
    // A manager with only the public key can issue but not read.
    const issuerOnly = JWTManager.withECDSA(SIGNING.privateKey, { issuer: 'https://auth.example', audience: 'api', encryption: { key: ENCRYPTION.publicKey } });
    const issued = await issuerOnly.generateToken({ subject: 'x' });
    assert.equal(codeOf(await issuerOnly.verifyToken(issued.token)), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.throws(() => issuerOnly.parseToken(issued.token), (err: Error & { code?: string }) => err.code === 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal((await m.verifyToken(issued.token)).valid, true);
  });

  it('parseToken decrypts with the decryption key and returns both headers', async () => {
    const m = ecdhManager();
    const out = await m.generateToken({ subject: 'p' });
    const parsed = m.parseToken(out.token);
    assert.deepEqual(parsed.claims, out.claims);
    assert.equal(parsed.header.alg, 'ES256');
    assert.equal(parsed.header.typ, 'JWT');
    assert.equal(parsed.jweHeader?.cty, 'JWT');
    assert.equal(parsed.jweHeader?.alg, 'ECDH-ES+A256KW');
  });

  it('a plain JWS is refused when encryption is on, and a JWE when it is off', async () => {
    const plain = JWTManager.withECDSA(SIGNING.privateKey, { issuer: 'https://auth.example', audience: 'api' });
    const encrypted = ecdhManager();
    const jws = await plain.generateToken({ subject: 'u' });
    const jwe = await encrypted.generateToken({ subject: 'u' });
    assert.equal((await plain.verifyToken(jws.token)).valid, true);
    assert.equal(codeOf(await encrypted.verifyToken(jws.token)), 'ERR_JWE_INVALID');
    // The JWS layer looks the outer kid up among the signing keys and finds none.
    assert.equal(codeOf(await plain.verifyToken(jwe.token)), 'ERR_JWKS_NO_MATCHING_KEY');
    const dirPlain = JWTManager.withHMAC(generateSecret('HS256'), { allowKidless: true });
    const dirToken = encryptCompact(jws.token, generateSecret(32), { alg: 'dir', enc: 'A256GCM', header: { cty: 'JWT' } });
    const dirResult = await dirPlain.verifyToken(dirToken);
    assert.equal(dirResult.valid, false);
    assert.equal(encrypted.getMetrics().failuresByReason.ERR_JWE_INVALID, 1);
  });

  it('a JWE without cty JWT, whose plaintext is a valid JWS, is refused', async () => {
    const secret = generateSecret(32);
    const m = JWTManager.withECDSA(SIGNING.privateKey, { encryption: { key: secret } });
    const plain = JWTManager.withECDSA(SIGNING.privateKey);
    const { token: jws } = await plain.generateToken({ subject: 'u' });
    const noCty = encryptCompact(jws, secret, { alg: 'dir', enc: 'A256GCM' });
    assert.equal(codeOf(await m.verifyToken(noCty)), 'ERR_JWE_INVALID');
    const withCty = encryptCompact(jws, secret, { alg: 'dir', enc: 'A256GCM', header: { cty: 'JWT' } });
    assert.equal((await m.verifyToken(withCty)).valid, true);
  });

  it('a wrong decryption key or a modified token fails with ERR_JWE_DECRYPTION_FAILED', async () => {
    const issuer = ecdhManager();
    const wrong = ecdhManager(generateKeyPair('P-256').privateKey);
    const out = await issuer.generateToken({ subject: 'u' });
    const result = await wrong.verifyToken(out.token);
    assert.equal(result.valid, false);
    assert.equal(codeOf(result), 'ERR_JWE_DECRYPTION_FAILED');
    assert.deepEqual(wrong.getMetrics().failuresByReason, { ERR_JWE_DECRYPTION_FAILED: 1 });
    assert.equal(wrong.getAuditLogs({ outcome: 'failure' })[0]?.reason, 'ERR_JWE_DECRYPTION_FAILED');

    const parts = out.token.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    assert.equal(codeOf(await issuer.verifyToken(parts.join('.'))), 'ERR_JWE_DECRYPTION_FAILED');
  });

  it('refresh re-issues an encrypted token; chunking works unchanged', async () => {
    const m = ecdhManager();
    const out = await m.generateToken({ subject: 'r', customClaims: { plan: 'pro' } });
    const renewed = await m.refresh(out.token);
    assert.notEqual(renewed.jwtId, out.jwtId);
    assert.equal(renewed.token.split('.').length, 5);
    const result = await m.verifyToken(renewed.token);
    assert.equal(result.valid, true);
    assert.deepEqual(result.valid ? [result.subject, result.customClaims] : undefined, ['r', { plan: 'pro' }]);
    assert.equal(m.getMetrics().refreshed, 1);

    const { chunks, chunkId } = m.chunkToken({ token: out.token, maxChunkSize: 100 });
    assert.ok(chunks.length > 1);
    const joined = m.reassembleToken({ chunks, chunkId });
    assert.equal(joined, out.token);
    assert.equal((await m.verifyToken(joined)).valid, true);
  });

  it('metrics count as before and the audit log never holds the token', async () => {
    const m = ecdhManager();
    const out = await m.generateToken({ subject: 'alice' });
    await m.verifyToken(out.token);
    await m.verifyToken(out.token.slice(0, -2));
    const metrics = m.getMetrics();
    assert.deepEqual([metrics.generated, metrics.verified, metrics.failed], [1, 1, 1]);
    const logs = JSON.stringify(m.getAuditLogs());
    for (const segment of out.token.split('.')) if (segment.length > 8) assert.equal(logs.includes(segment), false);
    assert.deepEqual(m.getAuditLogs().map((e) => [e.action, e.outcome, e.subject]), [
      ['generate', 'success', 'alice'], ['verify', 'success', 'alice'], ['verify', 'failure', undefined],
    ]);
  });

  it('interop: jose decrypts the token and verifies the inner JWS to the same claims', async () => {
    const m = ecdhManager();
    const out = await m.generateToken({ subject: 'interop', customClaims: { scope: 'read' } });
    const { plaintext, protectedHeader } = await compactDecrypt(out.token, ENCRYPTION.privateKey, {
      keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'],
    });
    assert.equal(protectedHeader.cty, 'JWT');
    const { payload } = await jwtVerify(new TextDecoder().decode(plaintext), SIGNING.publicKey, {
      issuer: 'https://auth.example', audience: 'api', algorithms: ['ES256'],
    });
    assert.deepEqual(payload, out.claims);
  });

  it('accepts JWK and PEM keys; a private key encrypts to its public half; the JWK kid is used', async () => {
    const rsa = generateKeyPair('RSA');
    const jwk = { ...exportJWK(rsa.privateKey), kid: 'enc-rsa-1' };
    const m = JWTManager.withECDSA(SIGNING.privateKey, { encryption: { key: jwk } });
    const out = await m.generateToken({ subject: 'j' });
    const header = outerHeader(out.token);
    assert.deepEqual([header.alg, header.enc, header.kid], ['RSA-OAEP-256', 'A256GCM', 'enc-rsa-1']);
    assert.equal((await m.verifyToken(out.token)).valid, true);

    const pem = JWTManager.withECDSA(SIGNING.privateKey, {
      encryption: { key: exportPEM(createPublicKey(rsa.privateKey)), decryptionKey: exportPEM(rsa.privateKey), kid: 'mine' },
    });
    const other = await pem.generateToken({ subject: 'p' });
    assert.equal(outerHeader(other.token).kid, 'mine');
    assert.equal((await pem.verifyToken(other.token)).valid, true);
    assert.equal((await m.verifyToken(other.token)).valid, true);
  });

  it('refuses configurations that cannot work', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return (err as { code?: string }).code;
      }
      return undefined;
    };
    assert.equal(code(() => new JWTManager({ encryption: { key: ENCRYPTION.publicKey, alg: 'RSA-OAEP-256' } })), 'ERR_JOSE_ALG_NOT_ALLOWED');
    assert.equal(code(() => new JWTManager({ encryption: { key: ENCRYPTION.publicKey, decryptionKey: ENCRYPTION.publicKey } })), 'ERR_JOSE_ALG_NOT_ALLOWED');
    assert.equal(code(() => new JWTManager({ encryption: { key: ENCRYPTION.publicKey, decryptionKey: generateKeyPair('RSA').privateKey } })), 'ERR_JOSE_ALG_NOT_ALLOWED');
    assert.equal(code(() => new JWTManager({ encryption: { key: 'a password is not a key' } })), 'ERR_JWK_INVALID');
    const secret = generateSecret(32);
    assert.equal(code(() => JWTManager.withHMAC(secret, { encryption: { key: secret } })), 'ERR_JOSE_ALG_NOT_ALLOWED');
  });

  it('maxTokenSize bounds the encrypted token', async () => {
    const m = JWTManager.withECDSA(SIGNING.privateKey, { maxTokenSize: 1200, encryption: { key: ENCRYPTION.privateKey } });
    await assert.rejects(m.generateToken({ subject: 'u', customClaims: { big: 'x'.repeat(1000) } }), (err: Error & { code?: string }) => err.code === 'ERR_TOKEN_TOO_LARGE');
    const small = await m.generateToken({ subject: 'u' });
    assert.ok(small.token.length <= 1200);
    assert.equal((await m.verifyToken(small.token)).valid, true);
    assert.equal(codeOf(await m.verifyToken(`${small.token}${'A'.repeat(1200)}`)), 'ERR_TOKEN_TOO_LARGE');
  });
});
