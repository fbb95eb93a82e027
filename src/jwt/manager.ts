/**
 * JWTManager: the `cjwt` package API of the seed, in TypeScript names. It issues and verifies
 * JWTs with a KeyRing (one key or several with rotation), counts what it does, and keeps an
 * audit log. The verify path is the precompiled synchronous verifier plus two clock reads and a
 * few counter updates; the Promise exists so revocation checks can plug in later.
 */
import type { AlgorithmFamily } from '../jose/algorithms.js';
import { CjwtError, JWTClaimValidationFailed, JWTInvalid, TokenTooLarge } from '../jose/errors.js';
import { decodeJWT, parseDuration, type JWTClaims, type JWTVerifyResult } from '../jose/jwt/jwt.js';
import type { JWEHeader } from '../jose/jwe/jwe.js';
import { DEFAULT_MAX_TOKEN_SIZE, type JWSHeader } from '../jose/jws/jws.js';
import { ClockDate } from '../keys/clock-date.js';
import type { JWKS } from '../keys/jwks-fetch.js';
import type { KeyInfo, KeyRing, RotateOptions, RingVerifyOptions } from '../keys/key-ring.js';
import { AuditLog, type AuditEntry, type AuditQuery } from '../lifecycle/audit.js';
import { coarseNow } from '../lifecycle/coarse-clock.js';
import { TokenMetrics, type MetricsSnapshot } from '../lifecycle/metrics.js';
import { chunkToken, reassembleToken, type TokenChunks } from './chunking.js';
import { compileTokenEncryption, type TokenEncryption } from './manager-encryption.js';
import { importKeyInput, keyRingFor } from './manager-keys.js';
import { buildTokenClaims, type ClaimDefaults } from './token-claims.js';
import type { GenerateTokenOptions, GeneratedToken, JWTManagerConfig, JWTManagerInit, KeyInput, VerifyTokenResult } from './types.js';
import { InvalidToken, ValidToken } from './verify-result.js';

function toCjwtError(err: unknown): CjwtError {
  // Anything not typed is a bug in a lower layer; it still must not make a token valid or leak details.
  return err instanceof CjwtError ? err : new JWTInvalid('token could not be verified');
}

/** Description of the manager's keys. */
export interface ManagerKeyInfo {
  /** The signing key (undefined when the ring cannot sign). */
  active: KeyInfo | undefined;
  /** Every key of the ring, active first. */
  keys: KeyInfo[];
}

/**
 * Issues and verifies JWTs.
 *
 * @example
 * const manager = JWTManager.withHMAC(process.env.JWT_SECRET!, { issuer: 'https://auth.example', defaultTtl: '15m' });
 * const { token } = await manager.generateToken({ subject: 'user-1', customClaims: { role: 'admin' } });
 * const result = await manager.verifyToken(token);
 * if (result.valid) console.log(result.subject, result.customClaims.role);
 */
export class JWTManager {
  /** The key ring the manager signs and verifies with. */
  readonly keyRing: KeyRing;
  private readonly now: () => number;
  private readonly auditNow: () => number;
  private readonly verifier: (token: string) => JWTVerifyResult;
  private readonly encryption: TokenEncryption | undefined;
  private readonly claimDefaults: ClaimDefaults;
  private readonly maxTokenSize: number;
  private readonly typ: string;
  private readonly metrics: TokenMetrics | undefined;
  private readonly audit: AuditLog | undefined;
  private readonly auditSuccess: boolean;
  private readonly auditFailure: boolean;
  private readonly optionalIssuers: ReadonlySet<string> | undefined;
  private readonly optionalAudiences: ReadonlySet<string> | undefined;

  /**
   * A manager over `init.key`, `init.keyRing`, or a generated key (`init.algorithm`, default ES256).
   *
   * @param families used by the typed constructors (`withRSA`, ...) to restrict the key kind.
   */
  constructor(init: JWTManagerInit = {}, families?: readonly AlgorithmFamily[]) {
    this.keyRing = keyRingFor(init, families);
    this.now = init.now ?? this.keyRing.now;
    this.maxTokenSize = init.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE;
    this.typ = init.typ ?? 'JWT';
    this.claimDefaults = { issuer: init.issuer, audience: init.audience, ttlSeconds: parseDuration(init.defaultTtl ?? '1h') };
    // A test clock is used as is; the real one is read coarsely for audit times (see coarseNow).
    this.auditNow = init.now ?? (this.keyRing.now === Date.now ? coarseNow : this.keyRing.now);
    this.metrics = init.metrics === false ? undefined : new TokenMetrics(this.now, init.latencySampleEvery ?? 16);
    this.audit = init.audit === false ? undefined : new AuditLog(init.audit ?? {});
    const auditVerifications = init.auditVerifications ?? 'all';
    this.auditSuccess = this.audit !== undefined && auditVerifications === 'all';
    this.auditFailure = this.audit !== undefined && auditVerifications !== 'none';

    const requireIssuer = init.requireIssuer ?? init.issuer !== undefined;
    const requireAudience = init.requireAudience ?? init.audience !== undefined;
    const options: RingVerifyOptions = { maxTokenSize: this.maxTokenSize, requiredClaims: ['exp'] };
    if (init.clockTolerance !== undefined) options.clockTolerance = init.clockTolerance;
    // An explicit typ (e.g. at+jwt) separates this manager's tokens from other JWTs the same keys
    // sign (ID tokens, logout tokens): verification then insists on it.
    if (init.typ !== undefined) options.typ = init.typ;
    if (init.now !== undefined) options.currentDate = new ClockDate(init.now);
    if (requireIssuer) {
      if (init.issuer !== undefined) options.issuer = init.issuer;
      else options.requiredClaims!.push('iss');
    }
    if (requireAudience) {
      if (init.audience !== undefined) options.audience = init.audience;
      else options.requiredClaims!.push('aud');
    }
    // Not required but configured: a token that carries the claim must still match.
    this.optionalIssuers = !requireIssuer && init.issuer !== undefined ? new Set([init.issuer]) : undefined;
    this.optionalAudiences = !requireAudience && init.audience !== undefined
      ? new Set(Array.isArray(init.audience) ? init.audience : [init.audience]) : undefined;
    const verifyJWS = this.keyRing.createVerifier(options);
    const encryption = init.encryption === undefined
      ? undefined
      : compileTokenEncryption(init.encryption, this.maxTokenSize, init.key === undefined ? undefined : importKeyInput(init.key));
    this.encryption = encryption;
    // With encryption on, a token must decrypt first: a plain JWS never reaches the verifier.
    this.verifier = encryption === undefined ? verifyJWS : (token) => verifyJWS(encryption.decrypt(token).jws);
  }

  /** A manager signing with an RSA private key (RS256 by default; PS* via `algorithm`). */
  static withRSA(key: KeyInput, config: JWTManagerConfig = {}): JWTManager {
    return new JWTManager({ ...config, key }, ['RSA', 'RSA-PSS']);
  }

  /** A manager signing with an EC private key (ES256/384/512 by curve). */
  static withECDSA(key: KeyInput, config: JWTManagerConfig = {}): JWTManager {
    return new JWTManager({ ...config, key }, ['ECDSA']);
  }

  /** A manager signing with an HMAC secret (at least 32 bytes; HS256 by default). */
  static withHMAC(secret: KeyInput, config: JWTManagerConfig = {}): JWTManager {
    return new JWTManager({ ...config, key: secret }, ['HMAC']);
  }

  /** A manager signing with an Ed25519 or Ed448 private key. */
  static withEdDSA(key: KeyInput, config: JWTManagerConfig = {}): JWTManager {
    return new JWTManager({ ...config, key }, ['EdDSA']);
  }

  /** A manager over a KeyRing (rotation, several verifying keys). */
  static withKeyRing(keyRing: KeyRing, config: JWTManagerConfig = {}): JWTManager {
    return new JWTManager({ ...config, keyRing });
  }

  /**
   * Issues a token. `generateToken(subject, data)` is the provider-style shortcut: `data` goes
   * under the `data` claim.
   *
   * @throws {JWTInvalid} for registered names in `customClaims` or bad times.
   * @throws {TokenTooLarge} when the token would exceed `maxTokenSize`.
   */
  async generateToken(options: GenerateTokenOptions): Promise<GeneratedToken>;
  async generateToken(subject: string, data?: Record<string, unknown>): Promise<GeneratedToken>;
  async generateToken(first: GenerateTokenOptions | string, data?: Record<string, unknown>): Promise<GeneratedToken> {
    const options: GenerateTokenOptions = typeof first === 'string'
      ? { subject: first, ...(data === undefined ? {} : { customClaims: { data } }) }
      : first;
    return this.issue(options, 'generate');
  }

  /**
   * Verifies a token. Never throws for a bad token: resolves to `{ valid: false, error }` with a
   * typed error (`error.code`). With `encryption` configured the token must be a nested JWE that
   * decrypts (`ERR_JWE_INVALID` for a plain JWS, `ERR_JWE_DECRYPTION_FAILED` for a wrong key or a
   * forgery); without it a JWE is refused like any other token that is not a JWS.
   */
  async verifyToken(token: string): Promise<VerifyTokenResult> {
    return this.verifyTokenSync(token);
  }

  /** The synchronous core of {@link verifyToken}, for callers that cannot await. */
  verifyTokenSync(token: string): VerifyTokenResult {
    const metrics = this.metrics;
    const t0 = metrics !== undefined && metrics.shouldTime() ? performance.now() : -1;
    let claims: JWTClaims;
    try {
      claims = this.verifier(token).payload;
      if (this.optionalIssuers !== undefined || this.optionalAudiences !== undefined) this.checkOptionalClaims(claims);
    } catch (err) {
      const error = toCjwtError(err);
      metrics?.recordFailed(error.code, t0 < 0 ? undefined : performance.now() - t0);
      if (this.auditFailure) this.audit!.add(this.auditNow(), 'verify', 'failure', undefined, undefined, error.code);
      return new InvalidToken(error);
    }
    metrics?.recordVerified(t0 < 0 ? undefined : performance.now() - t0);
    // The log keeps jti and sub only when they are strings: the audit holds names, never data.
    if (this.auditSuccess) this.audit!.add(this.auditNow(), 'verify', 'success', claims.jti, claims.sub);
    return new ValidToken(claims);
  }

  /**
   * Decodes a token without verifying its signature or claims (debugging only; never trust the
   * result).
   *
   * With `encryption` configured, an encrypted token's claims cannot be read without the key: the
   * manager decrypts it with its decryption key (which does authenticate the ciphertext) and
   * decodes the inner JWS; `header` is then the inner header and `jweHeader` the outer one.
   *
   * @throws {JWSInvalid | JWTInvalid} when the token is not a well-formed JWT.
   * @throws {JWEInvalid | JWEDecryptionFailed} when an encrypted token does not decrypt.
   * @throws {JWKSNoMatchingKey} for an encrypted token when the manager has no decryption key.
   */
  parseToken(token: string): { header: JWSHeader; claims: JWTClaims; jweHeader?: JWEHeader } {
    if (typeof token === 'string' && token.length > this.maxTokenSize) throw new TokenTooLarge();
    if (this.encryption !== undefined && typeof token === 'string' && token.split('.', 6).length === 5) {
      const { jws, jweHeader } = this.encryption.decrypt(token);
      const { header, payload } = decodeJWT(jws);
      return { header, claims: payload, jweHeader };
    }
    const { header, payload } = decodeJWT(token);
    return { header, claims: payload };
  }

  /**
   * Re-issues a still-valid token with a new `jti`, `iat` and `exp` (same lifetime as the old
   * one), keeping its other claims.
   *
   * @throws {CjwtError} the verification error when the token is not valid.
   */
  async refresh(token: string): Promise<GeneratedToken> {
    const result = this.verifyTokenSync(token);
    if (!result.valid) {
      this.audit?.record({ time: this.now(), action: 'refresh', outcome: 'failure', reason: result.error.code });
      throw result.error;
    }
    const { iss, sub, aud, iat, exp } = result.claims;
    const lifetime = typeof iat === 'number' && typeof exp === 'number' && exp > iat ? exp - iat : this.claimDefaults.ttlSeconds;
    // No jwtId: issuing draws a fresh one.
    const issued = this.issue({ issuer: iss, subject: sub, audience: aud, expiresIn: lifetime, customClaims: result.customClaims }, 'refresh');
    this.metrics?.recordRefreshed();
    return issued;
  }

  /** Rotates the signing key; the previous key verifies for `gracePeriod` (default one day). */
  rotateKey(options: RotateOptions = {}): KeyInfo {
    const info = this.keyRing.rotate(options);
    this.metrics?.recordRotation();
    this.audit?.record({ time: this.now(), action: 'rotate', outcome: 'success', kid: info.kid });
    return info;
  }

  /** The signing key and every key of the ring (no key material). */
  getKeyInfo(): ManagerKeyInfo {
    const keys = this.keyRing.list();
    return { active: keys.find((k) => k.state === 'active'), keys };
  }

  /** The public JWKS of the verifying keys. */
  jwks(): JWKS {
    return this.keyRing.jwks();
  }

  /** Counters and latency summaries (zeros when metrics are off). */
  getMetrics(): MetricsSnapshot {
    return (this.metrics ?? new TokenMetrics(this.now)).snapshot();
  }

  /** Sets the counters back to zero. */
  resetMetrics(): void {
    this.metrics?.reset();
  }

  /** Audit entries kept in memory, oldest first (empty when the audit log is off). */
  getAuditLogs(query?: AuditQuery): AuditEntry[] {
    return this.audit?.entries(query) ?? [];
  }

  /** Drops the in-memory audit entries. */
  clearAuditLogs(): void {
    this.audit?.clear();
  }

  /** Splits a token into chunks with an integrity id (see {@link chunkToken}). */
  chunkToken(input: { token: string; maxChunkSize: number }): TokenChunks {
    return chunkToken(input);
  }

  /** Reassembles chunks, refusing missing, reordered or altered ones (`ERR_CHUNK_INVALID`). */
  reassembleToken(input: { chunks: readonly string[]; chunkId: string }): string {
    return reassembleToken(input);
  }

  private issue(options: GenerateTokenOptions, action: 'generate' | 'refresh'): GeneratedToken {
    const metrics = this.metrics;
    const t0 = metrics !== undefined && metrics.shouldTime() ? performance.now() : -1;
    const claims = buildTokenClaims(options, this.claimDefaults, this.now());
    const jws = this.keyRing.sign(claims, { typ: this.typ });
    const token = this.encryption === undefined ? jws : this.encryption.encrypt(jws);
    if (token.length > this.maxTokenSize) throw new TokenTooLarge(`the token would be ${token.length} characters, above maxTokenSize ${this.maxTokenSize}`);
    metrics?.recordGenerated(t0 < 0 ? undefined : performance.now() - t0);
    this.audit?.record({ time: this.now(), action, outcome: 'success', jti: claims.jti, subject: claims.sub, kid: this.keyRing.signingKey()?.kid });
    return { token, claims, expiresAt: new Date(claims.exp! * 1000), issuedAt: new Date(claims.iat! * 1000), jwtId: claims.jti! };
  }

  private checkOptionalClaims(claims: JWTClaims): void {
    if (this.optionalIssuers !== undefined && claims.iss !== undefined && !this.optionalIssuers.has(claims.iss)) {
      throw new JWTClaimValidationFailed('unexpected "iss" claim value', 'iss', 'check_failed');
    }
    if (this.optionalAudiences !== undefined && claims.aud !== undefined) {
      const aud = claims.aud;
      const ok = typeof aud === 'string' ? this.optionalAudiences.has(aud) : aud.some((a) => this.optionalAudiences!.has(a));
      if (!ok) throw new JWTClaimValidationFailed('unexpected "aud" claim value', 'aud', 'check_failed');
    }
  }
}
