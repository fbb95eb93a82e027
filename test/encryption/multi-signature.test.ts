/**
 * MultiSignatureManager: the seed's example, interop of every entry with jose's generalVerify,
 * each policy, and a negative test for each verifier rule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Buffer } from 'node:buffer';
import { generateKeyPairSync, createPublicKey, sign as cryptoSign } from 'node:crypto';
import * as jose from 'jose';
import {
  AllSignersPolicy, Ed25519, ES256, HS256, MultiSignatureManager, RoleBasedPolicy, RS256, ThresholdPolicy, WeightedPolicy,
  type Signer, type VerifyMultiSignatureResponse,
} from '../../src/encryption/index.js';
import { generateKeyPair, generateSecret, isCjwtError, signJSON, type GeneralJWS } from '../../src/jose/index.js';

const rsa = generateKeyPair('RS256');
const ec = generateKeyPair('ES256');
const ed = generateKeyPair('EdDSA');
const hmac = generateSecret('HS256');

const SIGNERS: Signer[] = [
  { id: 'approver', algorithm: RS256, role: 'approver', weight: 2, key: rsa.privateKey },
  { id: 'auditor', algorithm: ES256, role: 'auditor', weight: 1, key: ec.privateKey },
  { id: 'officer', algorithm: Ed25519, role: 'officer', weight: 1, key: ed.privateKey },
  { id: 'service', algorithm: HS256, role: 'service', weight: 1, key: hmac },
];

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const reasons = (r: VerifyMultiSignatureResponse): Record<string, string> =>
  Object.fromEntries(r.signatureResults.map((s) => [s.signerId, s.valid ? (s.counted ? 'counted' : `valid:${s.reason}`) : String(s.reason)]));

function manager(): MultiSignatureManager {
  return new MultiSignatureManager({ signers: SIGNERS });
}

test('seed example: RS256 + ES256 signers, threshold 2 with required roles', () => {
  const msm = new MultiSignatureManager({ defaultSignatureAlgorithm: RS256 });
  const signers: Signer[] = [
    { id: 'approver', algorithm: RS256, role: 'approver', weight: 1 },
    { id: 'auditor', algorithm: ES256, role: 'auditor', weight: 1 },
  ];
  const policy = { type: ThresholdPolicy, requiredSignatures: 2, requiredRoles: ['approver', 'auditor'] } as const;
  const data = Buffer.from('Transaction data to be signed');
  const resp = msm.createMultiSignature({ data, signers, policy: { ...policy, requiredRoles: [...policy.requiredRoles] } });
  assert.equal(resp.signatures.length, 2);
  const verify = msm.verifyMultiSignature({ data, signatures: resp.signatures, policy: resp.policy, signatureId: resp.signatureId });
  assert.equal(verify.valid, true);
  assert.deepEqual(verify.signatureResults.map((r) => [r.signerId, r.valid]), [['approver', true], ['auditor', true]]);
  assert.equal(verify.valid && verify.payload.toString(), 'Transaction data to be signed');
  msm.close();
  assert.ok(isCjwtError((() => { try { msm.listSigners(); } catch (e) { return e; } })(), 'ERR_MANAGER_CLOSED'));
});

test('interop: every entry has alg and kid protected and verifies with jose generalVerify', async () => {
  const msm = manager();
  const { jws } = msm.createMultiSignature({ data: 'payload for jose', signers: SIGNERS.map((s) => ({ id: s.id })), policy: { type: AllSignersPolicy } });
  assert.equal(jws.signatures.length, 4);
  const keys: Record<string, Parameters<typeof jose.generalVerify>[1]> = {
    approver: rsa.publicKey, auditor: ec.publicKey, officer: ed.publicKey, service: hmac,
  };
  for (const entry of jws.signatures) {
    const header = JSON.parse(Buffer.from(entry.protected!, 'base64url').toString()) as { alg: string; kid: string };
    assert.deepEqual(Object.keys(header), ['alg', 'kid']);
    assert.equal(entry.header, undefined);
    const out = await jose.generalVerify(jws as jose.GeneralJWSInput, keys[header.kid]!);
    assert.equal(out.protectedHeader?.kid, header.kid);
    assert.equal(Buffer.from(out.payload).toString(), 'payload for jose');
    // And each entry alone, as a flattened JWS.
    const flat = await jose.flattenedVerify({ payload: jws.payload, protected: entry.protected!, signature: entry.signature }, keys[header.kid]!);
    assert.equal(flat.protectedHeader?.alg, header.alg);
  }
  // A General JWS made by jose verifies here.
  const fromJose = await new jose.GeneralSign(Buffer.from('from jose'))
    .addSignature(rsa.privateKey).setProtectedHeader({ alg: 'RS256', kid: 'approver' })
    .addSignature(ed.privateKey).setProtectedHeader({ alg: 'EdDSA', kid: 'officer' })
    .sign();
  const r = msm.verifyMultiSignature({ jws: fromJose as GeneralJWS, policy: { type: RoleBasedPolicy, requiredRoles: ['approver', 'officer'] } });
  assert.equal(r.valid, true);
});

test('policies: threshold, role-based, weighted, all-signers and combinations', () => {
  const msm = manager();
  const sign = (ids: string[]): GeneralJWS => msm.createMultiSignature({ data: 'p', signers: ids.map((id) => ({ id })), policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).jws;
  const two = sign(['approver', 'auditor']);
  const ok = (jws: GeneralJWS, policy: Parameters<MultiSignatureManager['verifyMultiSignature']>[0]['policy']): boolean => msm.verifyMultiSignature({ jws, policy }).valid;
  assert.equal(ok(two, { type: ThresholdPolicy, requiredSignatures: 2 }), true);
  assert.equal(ok(two, { type: ThresholdPolicy, requiredSignatures: 3 }), false);
  assert.equal(ok(two, { type: RoleBasedPolicy, requiredRoles: ['approver', 'auditor'] }), true);
  assert.equal(ok(two, { type: RoleBasedPolicy, requiredRoles: ['approver', 'officer'] }), false);
  assert.equal(ok(two, { type: RoleBasedPolicy, requiredRoles: ['approver', 'approver'] }), false, 'a role listed twice needs two signers');
  assert.equal(ok(two, { type: WeightedPolicy, minWeight: 3 }), true);
  assert.equal(ok(two, { type: WeightedPolicy, minWeight: 3.5 }), false);
  assert.equal(ok(two, { type: AllSignersPolicy }), false, 'four signers are configured');
  assert.equal(ok(two, { type: AllSignersPolicy, signers: ['approver', 'auditor'] }), true);
  assert.equal(ok(two, { type: ThresholdPolicy, requiredSignatures: 2, requiredRoles: ['approver', 'auditor'] }), true);
  assert.equal(ok(two, { type: ThresholdPolicy, requiredSignatures: 2, requiredRoles: ['officer'] }), false);
  assert.equal(ok(two, { type: WeightedPolicy, minWeight: 2, requiredSignatures: 3 }), false);
  const r = msm.verifyMultiSignature({ jws: two, policy: { type: WeightedPolicy, minWeight: 10, requiredRoles: ['officer'] } });
  assert.equal(r.valid, false);
  assert.deepEqual([r.totalWeight, r.validSigners, r.missingRoles], [3, 2, ['officer']]);
  assert.ok(!r.valid && isCjwtError(r.error, 'ERR_SIGNATURE_POLICY_UNMET'));
  // Malformed policies are the verifier's own error and throw.
  for (const policy of [{ type: ThresholdPolicy }, { type: ThresholdPolicy, requiredSignatures: 0 }, { type: RoleBasedPolicy, requiredRoles: [] },
    { type: WeightedPolicy, minWeight: -1 }, { type: 'majority' }, { type: AllSignersPolicy, signers: [] }]) {
    assert.throws(() => msm.verifyMultiSignature({ jws: two, policy: policy as never }), (e) => isCjwtError(e, 'ERR_SIGNATURE_POLICY_INVALID'));
  }
  // A policy the signers cannot meet fails at creation.
  assert.throws(() => sign(['approver']) && msm.createMultiSignature({ data: 'p', signers: [{ id: 'approver' }], policy: { type: ThresholdPolicy, requiredSignatures: 2 } }),
    (e) => isCjwtError(e, 'ERR_SIGNATURE_POLICY_UNMET'));
});

test('rule: keys, roles and weights come from the configuration, never from the token', () => {
  const msm = manager();
  const attacker = generateKeyPair('ES256');
  const jws = msm.createMultiSignature({ data: 'p', signers: [{ id: 'auditor' }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).jws;
  // An entry claiming to be "approver", signed by another key that it embeds in the header, plus role/weight claims.
  const forged = signJSON(Buffer.from('p'), [{ key: attacker.privateKey, protectedHeader: { alg: 'ES256', kid: 'approver', jwk: attacker.publicKey.export({ format: 'jwk' }), role: 'approver', weight: 100 } as never }]) as GeneralJWS;
  const mixed: GeneralJWS = { payload: jws.payload, signatures: [...jws.signatures, ...forged.signatures] };
  const r = msm.verifyMultiSignature({ jws: mixed, policy: { type: WeightedPolicy, minWeight: 2 } });
  assert.equal(r.valid, false);
  assert.equal(r.totalWeight, 1, 'only the configured weight of the one valid signer');
  assert.equal(reasons(r).approver, 'invalid-signature');
  // The configured algorithm is enforced: an RS256 signer's key signing PS256 does not count.
  const ps = signJSON(Buffer.from('p'), [{ key: rsa.privateKey, protectedHeader: { alg: 'PS256', kid: 'approver' } }]) as GeneralJWS;
  const r2 = msm.verifyMultiSignature({ jws: { payload: jws.payload, signatures: ps.signatures }, policy: { type: ThresholdPolicy, requiredSignatures: 1 } });
  assert.equal(r2.valid, false);
  assert.equal(reasons(r2).approver, 'missing', 'PS256 is no signer algorithm: refused before any key is looked up');
  assert.equal(r2.ignoredEntries, 1);
  // A kid in an unprotected header is never read.
  const entry = jws.signatures[0]!;
  const unprotectedKid = { payload: jws.payload, signatures: [{ protected: b64({ alg: 'ES256' }), header: { kid: 'auditor' }, signature: entry.signature }] };
  const r3 = msm.verifyMultiSignature({ jws: unprotectedKid, policy: { type: ThresholdPolicy, requiredSignatures: 1 } });
  assert.equal(r3.valid, false);
  assert.equal(r3.ignoredEntries, 1);
  // alg "none" never verifies.
  const none = { payload: jws.payload, signatures: [{ protected: b64({ alg: 'none', kid: 'auditor' }), signature: '' }] };
  assert.equal(msm.verifyMultiSignature({ jws: none, policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).valid, false);
});

test('rule: a signer counts once however many entries it has', () => {
  const msm = manager();
  const jws = msm.createMultiSignature({ data: 'p', signers: [{ id: 'approver' }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).jws;
  const tripled: GeneralJWS = { payload: jws.payload, signatures: [jws.signatures[0]!, jws.signatures[0]!, jws.signatures[0]!] };
  const r = msm.verifyMultiSignature({ jws: tripled, policy: { type: ThresholdPolicy, requiredSignatures: 2 } });
  assert.equal(r.valid, false);
  assert.equal(r.validSigners, 1);
  // Two distinct valid signatures by the same signer (ECDSA is randomised) still count once.
  const again = msm.createMultiSignature({ data: 'p', signers: [{ id: 'auditor' }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).jws;
  const other = msm.createMultiSignature({ data: 'p', signers: [{ id: 'auditor' }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).jws;
  assert.notEqual(again.signatures[0]!.signature, other.signatures[0]!.signature);
  const twice = msm.verifyMultiSignature({ jws: { payload: again.payload, signatures: [again.signatures[0]!, other.signatures[0]!] }, policy: { type: WeightedPolicy, minWeight: 2 } });
  assert.equal(twice.valid, false);
  assert.equal(twice.totalWeight, 1);
});

test('rule: one key under two ids counts once (JWK thumbprints), for count, weight and roles', () => {
  const shared = generateKeyPair('ES256');
  const msm = new MultiSignatureManager({
    signers: [
      { id: 'alice', algorithm: ES256, role: 'approver', weight: 1, key: shared.privateKey },
      { id: 'alice-again', algorithm: ES256, role: 'auditor', weight: 3, key: shared.privateKey },
      { id: 'bob', algorithm: Ed25519, role: 'auditor', weight: 1 },
    ],
  });
  const { jws } = msm.createMultiSignature({ data: 'p', signers: [{ id: 'alice' }, { id: 'alice-again' }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } });
  const count = msm.verifyMultiSignature({ jws, policy: { type: ThresholdPolicy, requiredSignatures: 2 } });
  assert.equal(count.valid, false);
  assert.equal(count.validSigners, 1);
  assert.deepEqual(reasons(count), { alice: 'valid:same-key-as-another-signer', 'alice-again': 'counted', bob: 'missing' });
  assert.equal(count.totalWeight, 3, 'the key counts once, at its largest weight');
  assert.equal(msm.verifyMultiSignature({ jws, policy: { type: RoleBasedPolicy, requiredRoles: ['approver', 'auditor'] } }).valid, false, 'one key cannot fill two roles');
  // A verify-only manager configured with the same public key under two ids sees the same.
  const verifier = new MultiSignatureManager({ signers: [{ id: 'alice', algorithm: ES256, key: shared.publicKey }, { id: 'alice-again', algorithm: ES256, key: createPublicKey(shared.privateKey) }] });
  assert.equal(verifier.verifyMultiSignature({ jws, policy: { type: ThresholdPolicy, requiredSignatures: 2 } }).valid, false);
  assert.equal(verifier.verifyMultiSignature({ jws, policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).valid, true);
  assert.throws(() => verifier.createMultiSignature({ data: 'p', signers: [{ id: 'alice' }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } }),
    (e) => isCjwtError(e, 'ERR_SIGNER_INVALID'));
});

test('rule: unknown signers are ignored; only signatures that verified count', () => {
  const msm = manager();
  const stranger = new MultiSignatureManager();
  const foreign = stranger.createMultiSignature({ data: 'p', signers: [{ id: 'mallory', algorithm: ES256 }], policy: { type: ThresholdPolicy, requiredSignatures: 1 } }).jws;
  const { jws } = msm.createMultiSignature({ data: 'p', signers: [{ id: 'approver' }, { id: 'auditor' }], policy: { type: ThresholdPolicy, requiredSignatures: 2 } });
  const withStranger: GeneralJWS = { payload: jws.payload, signatures: [...foreign.signatures, ...jws.signatures] };
  const r = msm.verifyMultiSignature({ jws: withStranger, policy: { type: ThresholdPolicy, requiredSignatures: 2 } });
  assert.equal(r.valid, true);
  assert.equal(r.ignoredEntries, 1);
  assert.ok(!r.signatureResults.some((s) => s.signerId === 'mallory'));
  // Tamper with one signature: that signer no longer counts.
  const sig = Buffer.from(jws.signatures[1]!.signature, 'base64url');
  sig[5]! ^= 1;
  const tampered: GeneralJWS = { payload: jws.payload, signatures: [jws.signatures[0]!, { ...jws.signatures[1]!, signature: sig.toString('base64url') }] };
  const t = msm.verifyMultiSignature({ jws: tampered, policy: { type: ThresholdPolicy, requiredSignatures: 2 } });
  assert.equal(t.valid, false);
  assert.deepEqual(reasons(t), { approver: 'counted', auditor: 'invalid-signature', officer: 'missing', service: 'missing' });
  // Another payload under the same entries: nothing verifies.
  const moved = msm.verifyMultiSignature({ data: 'other', signatures: jws.signatures, policy: { type: ThresholdPolicy, requiredSignatures: 1 } });
  assert.equal(moved.valid, false);
  assert.equal(moved.validSigners, 0);
});

test('rule: all-signers is judged against the configured list, so a stripped entry fails', () => {
  const msm = manager();
  const { jws } = msm.createMultiSignature({ data: 'p', signers: SIGNERS.map((s) => ({ id: s.id })), policy: { type: AllSignersPolicy } });
  assert.equal(msm.verifyMultiSignature({ jws, policy: { type: AllSignersPolicy } }).valid, true);
  const stripped: GeneralJWS = { payload: jws.payload, signatures: jws.signatures.slice(1) };
  const r = msm.verifyMultiSignature({ jws: stripped, policy: { type: AllSignersPolicy } });
  assert.equal(r.valid, false);
  assert.deepEqual(r.missingSigners, ['approver']);
  // Scoped to ids that are not configured: they can never sign, so the policy fails.
  assert.equal(msm.verifyMultiSignature({ jws, policy: { type: AllSignersPolicy, signers: ['approver', 'ghost'] } }).valid, false);
});

test('malformed tokens and configuration get typed errors', () => {
  const msm = manager();
  const policy = { type: ThresholdPolicy, requiredSignatures: 1 } as const;
  const codeOf = (r: VerifyMultiSignatureResponse): string => (r.valid ? 'valid' : r.error.code);
  assert.equal(codeOf(msm.verifyMultiSignature({ jws: '{', policy })), 'ERR_JWS_INVALID');
  assert.equal(codeOf(msm.verifyMultiSignature({ jws: { payload: 'cA', signatures: [] }, policy })), 'ERR_JWS_INVALID');
  assert.equal(codeOf(msm.verifyMultiSignature({ jws: { payload: 'cA', signatures: Array(17).fill({ protected: 'e30', signature: '' }) }, policy })), 'ERR_TOKEN_TOO_LARGE');
  assert.equal(codeOf(msm.verifyMultiSignature({ jws: 'x'.repeat(70000), policy })), 'ERR_TOKEN_TOO_LARGE');
  assert.equal(codeOf(msm.verifyMultiSignature({ jws: { payload: 'cA', signatures: [null, 5, 'x'] } as never, policy })), 'ERR_SIGNATURE_POLICY_UNMET');
  const raw = cryptoSign(null, Buffer.from('x'), ed.privateKey);
  assert.equal(codeOf(msm.verifyMultiSignature({ jws: { payload: 'cA', signatures: [{ protected: b64({ alg: 'EdDSA', kid: 'officer' }), signature: raw.toString('base64url') }] }, policy })), 'ERR_SIGNATURE_POLICY_UNMET');
  const bad = (signer: Signer): string => { try { new MultiSignatureManager({ signers: [signer] }); return 'ok'; } catch (e) { return isCjwtError(e) ? e.code : 'untyped'; } };
  assert.equal(bad({ id: '', algorithm: ES256 }), 'ERR_SIGNER_INVALID');
  assert.equal(bad({ id: 'x', algorithm: 'PS256' as never }), 'ERR_SIGNER_INVALID');
  assert.equal(bad({ id: 'x', algorithm: ES256, key: rsa.privateKey }), 'ERR_SIGNER_INVALID');
  assert.equal(bad({ id: 'x', algorithm: RS256, key: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey }), 'ERR_SIGNER_INVALID');
  assert.equal(bad({ id: 'x', algorithm: ES256, weight: 0 }), 'ERR_SIGNER_INVALID');
  assert.throws(() => msm.createMultiSignature({ data: 'p', signers: [{ id: 'approver', role: 'auditor' }], policy }), (e) => isCjwtError(e, 'ERR_SIGNER_INVALID'));
  assert.throws(() => msm.createMultiSignature({ data: 'p', signers: [{ id: 'approver' }, { id: 'approver' }], policy }), (e) => isCjwtError(e, 'ERR_SIGNER_INVALID'));
  assert.throws(() => msm.createMultiSignature({ data: 'p', signers: [], policy }), (e) => isCjwtError(e, 'ERR_SIGNER_INVALID'));
});
