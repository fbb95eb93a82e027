/**
 * SecureTokenManager: the seed's examples, nested interop with jose, and the failures: tampering,
 * another context, another manager's keys, a stricter verifier policy, forged inner signatures,
 * expiry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Buffer } from 'node:buffer';
import { setTimeout as sleep } from 'node:timers/promises';
import * as jose from 'jose';
import {
  AES256CBC, AES256GCM, ES256, MultiSignatureManager, RS256, SecureTokenManager, ThresholdPolicy, type SignaturePolicy, type Signer,
} from '../../src/encryption/index.js';
import { isCjwtError } from '../../src/jose/index.js';

const codeOf = (r: { valid: boolean; error?: { code: string } }): string => (r.valid ? 'valid' : r.error!.code);

test('seed example (README quick start): two signers, threshold 2 with roles, AES-256-GCM', () => {
  const stm = new SecureTokenManager({ defaultEncryptionAlgorithm: AES256GCM, defaultSignatureAlgorithm: RS256 });
  const signers: Signer[] = [
    { id: 'signer1', algorithm: RS256, role: 'approver', weight: 1 },
    { id: 'signer2', algorithm: ES256, role: 'auditor', weight: 1 },
  ];
  const policy: SignaturePolicy = { type: ThresholdPolicy, requiredSignatures: 2, requiredRoles: ['approver', 'auditor'] };
  const tokenData = Buffer.from('Sensitive token data');
  const resp = stm.createSecureToken({ tokenData, encryptionAlgorithm: AES256GCM, signers, signaturePolicy: policy, expiresAt: new Date(Date.now() + 24 * 3600 * 1000) });
  assert.equal(resp.success, true);
  assert.match(resp.encryptedToken.tokenId, /^[\w-]{22}$/);
  const verifyResp = stm.verifySecureToken({ encryptedToken: resp.encryptedToken });
  assert.equal(verifyResp.valid, true);
  assert.equal(verifyResp.valid && verifyResp.tokenData.toString(), 'Sensitive token data');
  assert.equal(verifyResp.valid && verifyResp.tokenId, resp.encryptedToken.tokenId);
  assert.deepEqual(verifyResp.valid && verifyResp.signatureResults.map((r) => [r.signerId, r.valid]), [['signer1', true], ['signer2', true]]);
  // The JSON text travels too.
  assert.equal(stm.verifySecureToken({ encryptedToken: resp.encryptedToken.token }).valid, true);
  stm.close();
});

test('nested interop: jose decrypts the JWE and verifies every inner signature', async () => {
  const key = Buffer.alloc(64, 7);
  const stm = new SecureTokenManager({ defaultEncryptionAlgorithm: AES256CBC });
  stm.getEncryptionManager().addKey({ algorithm: AES256CBC, key, kid: 'enc-1', primary: true });
  const { encryptedToken } = stm.createSecureToken({ tokenData: 'nested', signers: [{ id: 'a', algorithm: ES256 }, { id: 'b', algorithm: RS256 }], signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 2 }, ttl: '5m' });
  const { plaintext } = await jose.flattenedDecrypt(encryptedToken.jwe as jose.FlattenedJWE, key);
  const jws = JSON.parse(Buffer.from(plaintext).toString()) as jose.GeneralJWSInput;
  const signers = stm.getMultiSignatureManager().listSigners();
  for (const s of signers) {
    const out = await jose.generalVerify(jws, s.publicKey!);
    assert.equal(out.protectedHeader?.kid, s.id);
    const claims = JSON.parse(Buffer.from(out.payload).toString()) as { dat: string; exp: number; jti: string };
    assert.equal(Buffer.from(claims.dat, 'base64url').toString(), 'nested');
    assert.equal(claims.jti, encryptedToken.tokenId);
    assert.equal(claims.exp * 1000, encryptedToken.expiresAt.getTime());
  }
});

test('failures: tampering, another context, another manager, a stricter verifier policy', () => {
  const stm = new SecureTokenManager();
  const signers: Signer[] = [{ id: 'one', algorithm: ES256 }];
  const { encryptedToken } = stm.createSecureToken({ tokenData: 'x', signers, signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 1 }, context: { aud: 'api' } });
  assert.equal(codeOf(stm.verifySecureToken({ encryptedToken, context: { aud: 'api' } })), 'valid');
  assert.equal(codeOf(stm.verifySecureToken({ encryptedToken })), 'ERR_JWE_DECRYPTION_FAILED');
  assert.equal(codeOf(stm.verifySecureToken({ encryptedToken, context: { aud: 'other' } })), 'ERR_JWE_DECRYPTION_FAILED');
  const ct = Buffer.from(encryptedToken.jwe.ciphertext, 'base64url');
  ct[3]! ^= 1;
  assert.equal(codeOf(stm.verifySecureToken({ encryptedToken: { ...encryptedToken.jwe, ciphertext: ct.toString('base64url') }, context: { aud: 'api' } })), 'ERR_JWE_DECRYPTION_FAILED');
  assert.equal(codeOf(new SecureTokenManager().verifySecureToken({ encryptedToken, context: { aud: 'api' } })), 'ERR_ENCRYPTION_KEY_UNAVAILABLE');
  assert.equal(codeOf(stm.verifySecureToken({ encryptedToken: '{"protected":1}' })), 'ERR_JWE_INVALID');
  // The verifier's own policy is checked besides the token's.
  const strict = new SecureTokenManager({ encryption: stm.getEncryptionManager(), signatures: stm.getMultiSignatureManager(), signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 2 } });
  const r = strict.verifySecureToken({ encryptedToken, context: { aud: 'api' } });
  assert.equal(codeOf(r), 'ERR_SIGNATURE_POLICY_UNMET');
  assert.equal(codeOf(stm.verifySecureToken({ encryptedToken, context: { aud: 'api' }, signaturePolicy: { type: 'role-based', requiredRoles: ['cfo'] } })), 'ERR_SIGNATURE_POLICY_UNMET');
  assert.throws(() => stm.createSecureToken({ tokenData: 'x', signers, signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 2 } }), (e) => isCjwtError(e, 'ERR_SIGNATURE_POLICY_UNMET'));
  assert.throws(() => stm.createSecureToken({ tokenData: 'x', signers, signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 1 }, expiresAt: Date.now() - 1000 }), (e) => isCjwtError(e, 'ERR_JWT_INVALID'));
});

test('a holder of the encryption key alone cannot forge: inner signatures by other keys under the same ids fail', () => {
  const stm = new SecureTokenManager();
  stm.createSecureToken({ tokenData: 'real', signers: [{ id: 'approver', algorithm: ES256 }], signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 1 } });
  const mallory = new MultiSignatureManager();
  const now = Math.floor(Date.now() / 1000);
  const claims = { jti: 'forged', iat: now, exp: now + 600, dat: Buffer.from('forged').toString('base64url'), pol: { type: ThresholdPolicy, requiredSignatures: 1 } };
  const { jws } = mallory.createMultiSignature({ data: JSON.stringify(claims), signers: [{ id: 'approver', algorithm: ES256 }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } });
  const sealed = stm.getEncryptionManager().encryptToken({ tokenData: JSON.stringify(jws) });
  const r = stm.verifySecureToken({ encryptedToken: sealed.jwe });
  assert.equal(codeOf(r), 'ERR_SIGNATURE_POLICY_UNMET');
  assert.equal(!r.valid && r.signatureResults?.find((s) => s.signerId === 'approver')?.reason, 'invalid-signature');
});

test('expiry is checked after decryption and signatures', async () => {
  const stm = new SecureTokenManager();
  const { encryptedToken } = stm.createSecureToken({ tokenData: 'short', signers: [{ id: 's', algorithm: ES256 }], signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 1 }, expiresAt: Date.now() + 1000 });
  assert.equal(codeOf(stm.verifySecureToken({ encryptedToken })), 'valid');
  await sleep(2100);
  const r = stm.verifySecureToken({ encryptedToken });
  assert.equal(codeOf(r), 'ERR_JWT_EXPIRED');
  assert.equal(!r.valid && r.tokenId, encryptedToken.tokenId);
  const lenient = new SecureTokenManager({ encryption: stm.getEncryptionManager(), signatures: stm.getMultiSignatureManager(), clockTolerance: 60 });
  assert.equal(codeOf(lenient.verifySecureToken({ encryptedToken })), 'valid');
});
