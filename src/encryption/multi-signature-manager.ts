/**
 * MultiSignatureManager (seed: `NewMultiSignatureManager`, `CreateMultiSignature`,
 * `VerifyMultiSignature`): one JWS General JSON serialization (RFC 7515 §7.2.1) with one
 * signature per signer, `alg` and `kid` in each protected header, judged against a policy.
 *
 * The verifier's rules, each against a known failure of multi-signature schemes (TUF's CVE
 * class): signers, keys, roles and weights come from this manager's configuration, never from
 * the token; a signer counts once however many entries it has; one key under two ids counts
 * once (JWK thumbprints); unknown signers are ignored; only signatures that verified count;
 * "all signers" is judged against the configured list, so a stripped entry fails.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import {
  CjwtError, createJWSVerifier, encodeBase64url, JWSInvalid, JWKSNoMatchingKey, JOSEAlgNotAllowed, ManagerClosed, signJSON,
  SignaturePolicyUnmet, SignerInvalid, TokenTooLarge, type GeneralJWS, type JWSHeader, type JWSJSONSignature,
} from '../jose/index.js';
import { RS256, SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from './algorithms.js';
import { checkPolicy, evaluatePolicy, type PolicyOutcome, type SignaturePolicy, type ValidIdentity } from './policy.js';
import { SignerRegistry, type ConfiguredSigner, type Signer, type SignerInfo } from './signers.js';

/** Configuration of a {@link MultiSignatureManager} (seed: `KeyManagerConfig`). */
export interface MultiSignatureManagerConfig {
  /** Algorithm of signers that name none. Default RS256. */
  defaultSignatureAlgorithm?: SignatureAlgorithm;
  /** Signers known up front (public keys for a verify-only manager). */
  signers?: Signer[];
  /** Most signature entries a token may carry. Default 16. */
  maxSignatures?: number;
  /** Largest serialized token accepted, in characters. Default 64 KiB. */
  maxTokenSize?: number;
}

/** Request of {@link MultiSignatureManager.createMultiSignature} (seed: `MultiSignatureRequest`). */
export interface MultiSignatureRequest {
  data: Uint8Array | string;
  /** Who signs: configured ids, or new signers (configured on first use; keys generated when absent). */
  signers: Signer[];
  /** Checked against the signatures just made, so a policy the signers cannot meet fails here. */
  policy: SignaturePolicy;
}

/** Result of {@link MultiSignatureManager.createMultiSignature}. */
export interface MultiSignatureResponse {
  /** A random id for your records. */
  signatureId: string;
  /** The JWS General JSON serialization. */
  jws: GeneralJWS;
  /** Its signature entries (seed: `Signatures`). */
  signatures: JWSJSONSignature[];
  policy: SignaturePolicy;
}

/** Request of {@link MultiSignatureManager.verifyMultiSignature}: a JWS, or the data and the entries. */
export type VerifyMultiSignatureRequest = ({ jws: GeneralJWS | string } | { data: Uint8Array | string; signatures: JWSJSONSignature[] }) & {
  /** The verifier's policy. */
  policy: SignaturePolicy;
  /** Accepted for the seed's shape; not used for any decision. */
  signatureId?: string;
};

/** How one configured signer fared (seed: `SignatureResults`). */
export interface SignerResult {
  signerId: string;
  role: string | undefined;
  weight: number;
  /** A signature entry of this signer verified. */
  valid: boolean;
  /** It counted towards the policy (false for a second id of a key already counted). */
  counted: boolean;
  /** Why not valid or not counted. */
  reason?: 'missing' | 'invalid-signature' | 'same-key-as-another-signer';
}

/** Result of {@link MultiSignatureManager.verifyMultiSignature}. */
export type VerifyMultiSignatureResponse =
  | ({ valid: true; payload: Buffer; signatureResults: SignerResult[]; ignoredEntries: number } & PolicyOutcome)
  | ({ valid: false; error: CjwtError; signatureResults: SignerResult[]; ignoredEntries: number } & Partial<PolicyOutcome>);

const DEFAULT_MAX_SIGNATURES = 16;
const DEFAULT_MAX_TOKEN_SIZE = 64 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The size of a General JWS object as the text it stands for, without serializing it: the
 * payload and every entry's strings. Anything else (unprotected headers, odd members) is
 * measured by serializing it, so the bound cannot be dodged.
 */
function documentSize(doc: Record<string, unknown>): number {
  let size = 32;
  for (const name in doc) {
    const value = doc[name];
    if (typeof value === 'string') size += name.length + value.length + 6;
    else if (name === 'signatures' && Array.isArray(value)) {
      for (const entry of value as unknown[]) {
        if (isObject(entry) && typeof entry.protected === 'string' && typeof entry.signature === 'string' && Object.keys(entry).length === 2) {
          size += entry.protected.length + entry.signature.length + 32;
        } else {
          size += JSON.stringify(entry ?? null)?.length ?? 4;
        }
      }
    } else {
      size += name.length + (JSON.stringify(value)?.length ?? 4) + 4;
    }
  }
  return size;
}

/**
 * Creates and verifies multi-signatures under the signers it is configured with.
 *
 * @example
 * const msm = new MultiSignatureManager();
 * const { jws } = msm.createMultiSignature({ data: 'tx', signers: [{ id: 'a', algorithm: ES256, role: 'approver' }, { id: 'b', algorithm: EdDSA, role: 'auditor' }], policy: { type: 'threshold', requiredSignatures: 2 } });
 * const result = msm.verifyMultiSignature({ jws, policy: { type: 'role-based', requiredRoles: ['approver', 'auditor'] } });
 */
export class MultiSignatureManager {
  private readonly registry: SignerRegistry;
  private readonly maxSignatures: number;
  private readonly maxTokenSize: number;
  private readonly verifyEntry: (compact: string) => { protectedHeader: JWSHeader };
  /** The signer the resolver found for the entry being verified (verification is synchronous). */
  private current: ConfiguredSigner | undefined;
  private closed = false;

  /** @throws {SignerInvalid} for a bad signer configuration. */
  constructor(config: MultiSignatureManagerConfig = {}) {
    this.registry = new SignerRegistry(config.defaultSignatureAlgorithm ?? RS256);
    this.maxSignatures = config.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
    this.maxTokenSize = config.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE;
    for (const signer of config.signers ?? []) this.registry.add(signer);
    // One compact verifier for every entry: the jose layer's header policy (crit, b64, alg/key
    // binding), with the key resolved from the configuration by kid and the configured alg enforced.
    this.verifyEntry = createJWSVerifier((header) => {
      const signer = this.registry.get(header.kid);
      if (signer === undefined) throw new JWKSNoMatchingKey();
      this.current = signer;
      if (header.alg !== signer.algorithm) throw new JOSEAlgNotAllowed('the entry\'s alg is not the configured one');
      return signer.verifyKey;
    }, { algorithms: [...SIGNATURE_ALGORITHMS], maxTokenSize: this.maxTokenSize });
  }

  private open(): SignerRegistry {
    if (this.closed) throw new ManagerClosed();
    return this.registry;
  }

  /** Configures a signer (generating its key when none is given). */
  addSigner(signer: Signer): SignerInfo {
    const id = this.open().add(signer).id;
    return this.registry.list().find((s) => s.id === id)!;
  }

  /** The configured signers (public information only). */
  listSigners(): SignerInfo[] {
    return this.open().list();
  }

  /**
   * Signs `data` once per signer and checks the result against the policy.
   *
   * @throws {SignerInvalid} for a signer this manager cannot sign as, or one listed twice.
   * @throws {SignaturePolicyInvalid | SignaturePolicyUnmet} when the policy is malformed or the signers cannot meet it.
   */
  createMultiSignature(request: MultiSignatureRequest): MultiSignatureResponse {
    const registry = this.open();
    const policy = checkPolicy(request.policy);
    if (!Array.isArray(request.signers) || request.signers.length === 0) throw new SignerInvalid('at least one signer is required');
    if (request.signers.length > this.maxSignatures) throw new SignerInvalid(`at most ${this.maxSignatures} signers`);
    const seen = new Set<string>();
    const signers = request.signers.map((s) => {
      const configured = registry.resolve(s);
      if (seen.has(configured.id)) throw new SignerInvalid(`signer ${configured.id} is listed twice`);
      seen.add(configured.id);
      if (configured.signKey === undefined) throw new SignerInvalid(`this manager holds no signing key for ${configured.id}`);
      return configured;
    });
    const jws = signJSON(request.data, signers.map((s) => ({ key: s.signKey!, protectedHeader: { alg: s.algorithm, kid: s.id } }))) as GeneralJWS;
    const check = this.verifyMultiSignature({ jws, policy });
    if (!check.valid) throw check.error instanceof SignaturePolicyUnmet ? check.error : new SignaturePolicyUnmet();
    return { signatureId: randomBytes(16).toString('base64url'), jws, signatures: jws.signatures, policy };
  }

  /**
   * Verifies every entry against the configured signers and judges the policy. An invalid token
   * is a result (`valid: false` with a typed error), not an exception.
   *
   * @throws {SignaturePolicyInvalid} for a malformed policy (the verifier's own mistake).
   */
  verifyMultiSignature(request: VerifyMultiSignatureRequest): VerifyMultiSignatureResponse {
    const registry = this.open();
    const policy = checkPolicy(request.policy);
    const scope = policy.signers === undefined ? registry.all() : policy.signers.map((id) => registry.get(id) ?? id);
    const results = new Map<string, SignerResult>();
    for (const s of scope) {
      const id = typeof s === 'string' ? s : s.id;
      results.set(id, { signerId: id, role: typeof s === 'string' ? undefined : s.role, weight: typeof s === 'string' ? 0 : s.weight, valid: false, counted: false, reason: 'missing' });
    }
    let ignoredEntries = 0;
    const fail = (error: CjwtError): VerifyMultiSignatureResponse => ({ valid: false, error, signatureResults: [...results.values()], ignoredEntries });
    let doc: { payload: unknown; signatures: unknown };
    try {
      doc = this.document(request);
    } catch (err) {
      if (err instanceof CjwtError) return fail(err);
      throw err;
    }
    const payload = doc.payload as string;
    const validIds = new Set<string>();
    for (const entry of doc.signatures as unknown[]) {
      // Only integrity-protected headers are read: an unprotected `header` member could carry a kid.
      if (!isObject(entry) || typeof entry.protected !== 'string' || typeof entry.signature !== 'string' || entry.header !== undefined) {
        ignoredEntries++;
        continue;
      }
      this.current = undefined;
      try {
        this.verifyEntry(`${entry.protected}.${payload}.${entry.signature}`);
        validIds.add(this.current!.id);
      } catch (err) {
        if (!(err instanceof CjwtError)) throw err;
        const signer = this.current as ConfiguredSigner | undefined;
        const result = signer === undefined ? undefined : results.get(signer.id);
        if (result === undefined) ignoredEntries++;
        else if (!result.valid) result.reason = 'invalid-signature';
      }
    }
    // One identity per key: roles united, the largest weight of its valid ids, counted once.
    const identities = new Map<string, { roles: Set<string>; weight: number; counted: SignerResult }>();
    for (const s of scope) {
      if (typeof s === 'string' || !validIds.has(s.id)) continue;
      const result = results.get(s.id)!;
      result.valid = true;
      delete result.reason;
      const seen = identities.get(s.identity);
      if (seen === undefined) {
        identities.set(s.identity, { roles: new Set(s.role === undefined ? [] : [s.role]), weight: s.weight, counted: result });
        result.counted = true;
        continue;
      }
      if (s.role !== undefined) seen.roles.add(s.role);
      if (s.weight > seen.weight) {
        seen.counted.counted = false;
        seen.counted.reason = 'same-key-as-another-signer';
        seen.weight = s.weight;
        seen.counted = result;
        result.counted = true;
      } else {
        result.reason = 'same-key-as-another-signer';
      }
    }
    const valid: ValidIdentity[] = [...identities.values()].map(({ roles, weight }) => ({ roles, weight }));
    const missingSigners = [...results.values()].filter((r) => !r.valid).map((r) => r.signerId);
    const outcome = evaluatePolicy(policy, valid, missingSigners);
    const signatureResults = [...results.values()];
    if (!outcome.satisfied) return { valid: false, error: new SignaturePolicyUnmet(), signatureResults, ignoredEntries, ...outcome };
    return { valid: true, payload: Buffer.from(payload, 'base64url'), signatureResults, ignoredEntries, ...outcome };
  }

  /** The General JWS of a request, checked for shape and size. */
  private document(request: VerifyMultiSignatureRequest): { payload: unknown; signatures: unknown } {
    let doc: unknown;
    if ('jws' in request) {
      doc = request.jws;
      if (typeof doc === 'string') {
        if (doc.length > this.maxTokenSize) throw new TokenTooLarge();
        try { doc = JSON.parse(doc); } catch { throw new JWSInvalid('JWS JSON serialization is not valid JSON'); }
      } else if (isObject(doc)) {
        let size: number;
        try { size = documentSize(doc); } catch { throw new JWSInvalid('JWS JSON serialization is not serializable JSON'); }
        if (size > this.maxTokenSize) throw new TokenTooLarge();
      }
    } else {
      if (!(request.data instanceof Uint8Array) && typeof request.data !== 'string') throw new JWSInvalid('data must be bytes or a string');
      doc = { payload: encodeBase64url(request.data), signatures: request.signatures };
    }
    if (!isObject(doc) || typeof doc.payload !== 'string') throw new JWSInvalid('a General JWS needs a string "payload"');
    if (doc.payload.length > this.maxTokenSize) throw new TokenTooLarge();
    if (!Array.isArray(doc.signatures) || doc.signatures.length === 0) throw new JWSInvalid('"signatures" must be a non-empty array');
    if (doc.signatures.length > this.maxSignatures) throw new TokenTooLarge(`JWS has more than ${this.maxSignatures} signatures`);
    return { payload: doc.payload, signatures: doc.signatures };
  }

  /** Forgets every signer and key. */
  close(): void {
    this.closed = true;
    this.registry.clear();
  }
}
