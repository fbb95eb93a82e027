/**
 * Property tests: mutated encrypted tokens, multi-signature documents and secure tokens only ever
 * produce typed errors (or `valid: false`), never a success and never an untyped exception.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ENCRYPTION_ALGORITHMS, EncryptionManager, MultiSignatureManager, SecureTokenManager, ThresholdPolicy } from '../../src/encryption/index.js';
import { CjwtError } from '../../src/jose/index.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Changes one character of one string member, or drops/replaces a member. */
function mutate(obj: Record<string, unknown>, member: number, position: number, char: number, mode: number): Record<string, unknown> {
  const keys = Object.keys(obj);
  const key = keys[member % keys.length]!;
  const out: Record<string, unknown> = { ...obj };
  const value = out[key];
  if (mode === 0) delete out[key];
  else if (mode === 1) out[key] = [1, null, {}, 'x', 12.5][char % 5];
  else if (typeof value === 'string' && value.length > 0) {
    const i = position % value.length;
    const c = B64[char % B64.length]!;
    out[key] = `${value.slice(0, i)}${c === value[i] ? '+' : c}${value.slice(i + 1)}`;
  } else out[key] = 'AAAA';
  return out;
}

test('mutated JWEs never decrypt and only raise typed errors', () => {
  const em = new EncryptionManager();
  const sealed = ENCRYPTION_ALGORITHMS.map((algorithm) => em.encryptToken({ tokenData: 'fuzz me', algorithm, aad: 'a', context: { k: 'v' } }).jwe as unknown as Record<string, unknown>);
  fc.assert(fc.property(fc.nat(3), fc.nat(10), fc.nat(400), fc.nat(64), fc.nat(4), (which, member, position, char, mode) => {
    const jwe = mutate(sealed[which]!, member, position, char, mode);
    try {
      em.decryptToken({ jwe: jwe as never, context: { k: 'v' } });
    } catch (err) {
      assert.ok(err instanceof CjwtError, String(err));
      return;
    }
    assert.fail('a mutated JWE decrypted');
  }), { numRuns: 1500 });
});

test('mutated multi-signature documents never satisfy the policy', () => {
  const msm = new MultiSignatureManager();
  const { jws } = msm.createMultiSignature({ data: 'fuzz', signers: [{ id: 'a', algorithm: 'ES256' }, { id: 'b', algorithm: 'HS256' }], policy: { type: ThresholdPolicy, requiredSignatures: 2 } });
  fc.assert(fc.property(fc.nat(2), fc.nat(10), fc.nat(400), fc.nat(64), fc.nat(4), (which, member, position, char, mode) => {
    let doc: Record<string, unknown>;
    if (which === 2) doc = mutate(jws as unknown as Record<string, unknown>, member, position, char, mode);
    else {
      const signatures = [...jws.signatures];
      signatures[which] = mutate(signatures[which] as unknown as Record<string, unknown>, member, position, char, mode) as never;
      doc = { ...jws, signatures };
    }
    const r = msm.verifyMultiSignature({ jws: doc as never, policy: { type: ThresholdPolicy, requiredSignatures: 2 } });
    assert.equal(r.valid, false);
    assert.ok(!r.valid && r.error instanceof CjwtError);
  }), { numRuns: 800 });
});

test('mutated secure tokens are refused with typed errors', () => {
  const stm = new SecureTokenManager();
  const { encryptedToken } = stm.createSecureToken({ tokenData: 'x', signers: [{ id: 's', algorithm: 'EdDSA' }], signaturePolicy: { type: ThresholdPolicy, requiredSignatures: 1 } });
  fc.assert(fc.property(fc.nat(10), fc.nat(400), fc.nat(64), fc.nat(4), (member, position, char, mode) => {
    const r = stm.verifySecureToken({ encryptedToken: mutate(encryptedToken.jwe as unknown as Record<string, unknown>, member, position, char, mode) as never });
    assert.equal(r.valid, false);
    assert.ok(!r.valid && r.error instanceof CjwtError);
  }), { numRuns: 800 });
});
