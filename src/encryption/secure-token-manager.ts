/**
 * SecureTokenManager (seed: `NewSecureTokenManager`, `CreateSecureToken`, `VerifySecureToken`):
 * sign with the policy's signers, then encrypt. The token is a nested JOSE object: a JWS General
 * JSON serialization (one signature per signer) inside a flattened JWE (`dir`). The signed
 * payload is a small claims set: `jti`, `iat`, `exp`, the data (`dat`, base64url) and the issuing
 * policy (`pol`). Verification decrypts, checks the signatures against the policy, then the expiry.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import {
  CjwtError, JWSInvalid, JWTExpired, JWTInvalid, parseDuration, type FlattenedJWE, type GeneralJWS,
} from '../jose/index.js';
import type { StorageKey } from '../keys/sealed-json.js';
import type { EncryptionAlgorithm, SignatureAlgorithm } from './algorithms.js';
import type { EncryptionContext } from './context.js';
import { EncryptionManager } from './encryption-manager.js';
import { MultiSignatureManager, type SignerResult } from './multi-signature-manager.js';
import { checkPolicy, type SignaturePolicy } from './policy.js';
import type { SavedKeyset } from './keyset-storage.js';
import type { Signer } from './signers.js';

/** Configuration of a {@link SecureTokenManager} (seed: `KeyManagerConfig`). */
export interface SecureTokenManagerConfig {
  defaultEncryptionAlgorithm?: EncryptionAlgorithm;
  defaultSignatureAlgorithm?: SignatureAlgorithm;
  /** Signers known up front (public keys for a verify-only manager). */
  signers?: Signer[];
  /** The verifier's policy, checked on every token besides the policy the token was issued under. */
  signaturePolicy?: SignaturePolicy;
  /** Start the encryption keyset from a saved one. */
  keyset?: { saved: string | SavedKeyset; storageKey: StorageKey };
  /** Encryptions after which an AES-GCM or C20P key is retired. */
  usageLimit?: number;
  /** Tolerance for `exp`, in seconds. Default 0. */
  clockTolerance?: number;
  /** Lifetime of tokens created without `expiresAt` or `ttl`. Default one hour. */
  defaultTTL?: number | string;
  /** Use these managers instead of building new ones. */
  encryption?: EncryptionManager;
  signatures?: MultiSignatureManager;
}

/** Request of {@link SecureTokenManager.createSecureToken} (seed: `SecureTokenRequest`). */
export interface SecureTokenRequest {
  tokenData: Uint8Array | string;
  encryptionAlgorithm?: EncryptionAlgorithm;
  signers: Signer[];
  signaturePolicy: SignaturePolicy;
  /** Expiry as a date or epoch milliseconds; or give `ttl` (seconds, or a duration like "15m"). */
  expiresAt?: Date | number;
  ttl?: number | string;
  /** Encryption context the verifier must name again. */
  context?: EncryptionContext;
}

/** A secure token (seed: `EncryptedToken`). */
export interface SecureToken {
  tokenId: string;
  /** The flattened JWE; its plaintext is the signed JWS General JSON serialization. */
  jwe: FlattenedJWE;
  /** `jwe` as JSON text, for transport. */
  token: string;
  algorithm: EncryptionAlgorithm;
  keyId: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** Result of {@link SecureTokenManager.createSecureToken}. */
export interface SecureTokenResponse {
  success: true;
  encryptedToken: SecureToken;
}

/** Request of {@link SecureTokenManager.verifySecureToken} (seed: `VerifySecureTokenRequest`). */
export interface VerifySecureTokenRequest {
  /** The token: the object `createSecureToken` returned, its JWE, or its JSON text. */
  encryptedToken: SecureToken | FlattenedJWE | string;
  /** A policy to check besides the manager's and the token's own. */
  signaturePolicy?: SignaturePolicy;
  context?: EncryptionContext;
}

/** Result of {@link SecureTokenManager.verifySecureToken}. */
export type VerifySecureTokenResponse =
  | { valid: true; tokenData: Buffer; tokenId: string; issuedAt: Date; expiresAt: Date; signatureResults: SignerResult[] }
  | { valid: false; error: CjwtError; tokenId?: string; signatureResults?: SignerResult[] };

/** The signed claims set. */
interface SecureClaims {
  jti: string;
  iat: number;
  exp: number;
  dat: string;
  pol: SignaturePolicy;
}

const DEFAULT_TTL_SECONDS = 3600;

function toJWE(token: VerifySecureTokenRequest['encryptedToken']): FlattenedJWE | string {
  if (typeof token === 'string') return token;
  return token !== null && typeof token === 'object' && 'jwe' in token ? token.jwe : token;
}

function parseClaims(payload: Buffer): SecureClaims {
  let claims: unknown;
  try {
    claims = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new JWTInvalid('the signed payload is not JSON');
  }
  const c = claims as SecureClaims;
  if (c === null || typeof c !== 'object' || typeof c.jti !== 'string' || !Number.isSafeInteger(c.iat) || !Number.isSafeInteger(c.exp) || typeof c.dat !== 'string') {
    throw new JWTInvalid('the signed payload is not a secure token claims set');
  }
  return c;
}

/**
 * Signs with several signers under a policy, then encrypts; verifies in the reverse order.
 *
 * @example
 * const stm = new SecureTokenManager({ defaultEncryptionAlgorithm: AES256GCM, defaultSignatureAlgorithm: RS256 });
 * const { encryptedToken } = stm.createSecureToken({ tokenData: 'data', signers: [{ id: 'signer1' }], signaturePolicy: { type: 'threshold', requiredSignatures: 1 }, ttl: '1h' });
 * const result = stm.verifySecureToken({ encryptedToken });
 */
export class SecureTokenManager {
  private readonly encryption: EncryptionManager;
  private readonly signatures: MultiSignatureManager;
  private readonly policy: SignaturePolicy | undefined;
  private readonly clockTolerance: number;
  private readonly defaultTTL: number;

  constructor(config: SecureTokenManagerConfig = {}) {
    this.encryption = config.encryption ?? new EncryptionManager({
      defaultEncryptionAlgorithm: config.defaultEncryptionAlgorithm, keyset: config.keyset, usageLimit: config.usageLimit,
    });
    this.signatures = config.signatures ?? new MultiSignatureManager({ defaultSignatureAlgorithm: config.defaultSignatureAlgorithm, signers: config.signers });
    this.policy = config.signaturePolicy === undefined ? undefined : checkPolicy(config.signaturePolicy);
    this.clockTolerance = config.clockTolerance ?? 0;
    this.defaultTTL = config.defaultTTL === undefined ? DEFAULT_TTL_SECONDS : parseDuration(config.defaultTTL);
  }

  /** The EncryptionManager underneath (keyset verbs, persistence). */
  getEncryptionManager(): EncryptionManager {
    return this.encryption;
  }

  /** The MultiSignatureManager underneath (signers). */
  getMultiSignatureManager(): MultiSignatureManager {
    return this.signatures;
  }

  /**
   * Signs `tokenData` with every signer (the policy must be met by them), then encrypts.
   *
   * @throws {SignerInvalid | SignaturePolicyInvalid | SignaturePolicyUnmet} for signers or a policy that cannot work.
   * @throws {JWTInvalid} for an expiry in the past.
   */
  createSecureToken(request: SecureTokenRequest): SecureTokenResponse {
    const now = Date.now();
    const iat = Math.floor(now / 1000);
    let exp: number;
    if (request.expiresAt !== undefined) {
      const at = request.expiresAt instanceof Date ? request.expiresAt.getTime() : request.expiresAt;
      if (typeof at !== 'number' || !Number.isFinite(at)) throw new JWTInvalid('expiresAt must be a Date or epoch milliseconds');
      exp = Math.floor(at / 1000);
    } else {
      exp = iat + (request.ttl === undefined ? this.defaultTTL : parseDuration(request.ttl));
    }
    if (exp <= iat) throw new JWTInvalid('expiresAt must be in the future');
    const policy = checkPolicy(request.signaturePolicy);
    const data = typeof request.tokenData === 'string' ? Buffer.from(request.tokenData, 'utf8') : request.tokenData;
    if (!(data instanceof Uint8Array)) throw new JWTInvalid('tokenData must be bytes or a string');
    const tokenId = randomBytes(16).toString('base64url');
    const claims: SecureClaims = { jti: tokenId, iat, exp, dat: Buffer.from(data).toString('base64url'), pol: policy };
    const { jws } = this.signatures.createMultiSignature({ data: JSON.stringify(claims), signers: request.signers, policy });
    const sealed = this.encryption.encryptToken({ tokenData: JSON.stringify(jws), algorithm: request.encryptionAlgorithm, context: request.context });
    return {
      success: true,
      encryptedToken: {
        tokenId, jwe: sealed.jwe, token: JSON.stringify(sealed.jwe), algorithm: sealed.algorithm, keyId: sealed.keyId,
        issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000),
      },
    };
  }

  /**
   * Decrypts, verifies the signatures against the token's policy (and the manager's and the
   * request's, when given), then checks the expiry. An invalid token is a result, not an exception.
   */
  verifySecureToken(request: VerifySecureTokenRequest): VerifySecureTokenResponse {
    let signatureResults: SignerResult[] | undefined;
    let tokenId: string | undefined;
    try {
      const { tokenData } = this.encryption.decryptToken({ jwe: toJWE(request.encryptedToken), context: request.context });
      let jws: GeneralJWS;
      try {
        jws = JSON.parse(tokenData.toString('utf8')) as GeneralJWS;
      } catch {
        throw new JWSInvalid('the decrypted content is not a JWS JSON serialization');
      }
      // The policy inside is only read from a payload whose signatures then verify under it.
      const unverified = parseClaims(Buffer.from(typeof jws?.payload === 'string' ? jws.payload : '', 'base64url'));
      const policies = [unverified.pol, this.policy, request.signaturePolicy].filter((p): p is SignaturePolicy => p !== undefined);
      let claims: SecureClaims | undefined;
      for (const policy of policies) {
        const result = this.signatures.verifyMultiSignature({ jws, policy });
        signatureResults ??= result.signatureResults;
        if (!result.valid) return { valid: false, error: result.error, signatureResults };
        claims ??= parseClaims(result.payload);
      }
      tokenId = claims!.jti;
      if (claims!.exp + this.clockTolerance <= Math.floor(Date.now() / 1000)) throw new JWTExpired();
      return {
        valid: true, tokenData: Buffer.from(claims!.dat, 'base64url'), tokenId, issuedAt: new Date(claims!.iat * 1000),
        expiresAt: new Date(claims!.exp * 1000), signatureResults: signatureResults!,
      };
    } catch (err) {
      if (!(err instanceof CjwtError)) throw err;
      return { valid: false, error: err, ...(tokenId === undefined ? {} : { tokenId }), ...(signatureResults === undefined ? {} : { signatureResults }) };
    }
  }

  /** Closes both managers; their keys are erased from memory. */
  close(): void {
    this.encryption.close();
    this.signatures.close();
  }
}
