/**
 * JWTManager: the `cjwt` package API of the seed, in TypeScript names. It issues and verifies
 * JWTs with a KeyRing (one key or several with rotation), counts what it does, keeps an audit
 * log and publishes token events. Without a store or a claims cache, the verify path is the
 * precompiled synchronous verifier plus two clock reads and a few counter updates. With a store
 * (manager-sessions.ts) it adds one `isRevoked(jti)` round trip, session tracking and limits.
 */
import type { AlgorithmFamily } from '../jose/algorithms.js';
import { createHash, randomBytes } from 'node:crypto';
import {
  CjwtError, JOSENotSupported, JWTClaimValidationFailed, JWTInvalid, NoRevocationStore, TokenAlreadyRevoked, TokenRevoked, TokenTooLarge,
} from '../jose/errors.js';
import { decodeJWT, parseDuration, type JWTClaims, type JWTVerifyResult } from '../jose/jwt/jwt.js';
import type { JWEHeader } from '../jose/jwe/jwe.js';
import { DEFAULT_MAX_TOKEN_SIZE, type JWSHeader } from '../jose/jws/jws.js';
import { ClockDate } from '../keys/clock-date.js';
import type { JWKS } from '../keys/jwks-fetch.js';
import type { KeyInfo, KeyRing, RotateOptions, RingVerifyOptions } from '../keys/key-ring.js';
import { AuditLog, type AuditEntry, type AuditQuery } from '../lifecycle/audit.js';
import { ClaimsCache, claimsCacheKey } from '../lifecycle/claims-cache.js';
import { coarseNow } from '../lifecycle/coarse-clock.js';
import { TokenEvents } from '../lifecycle/events.js';
import { TokenMetrics, type MetricsSnapshot } from '../lifecycle/metrics.js';
import type { TokenRecord } from '../store/index.js';
import { chunkToken, reassembleToken, type TokenChunks } from './chunking.js';
import { compileTokenEncryption, type TokenEncryption } from './manager-encryption.js';
import { importKeyInput, keyRingFor } from './manager-keys.js';
import { SESSION_KIND, SessionLedger } from './manager-sessions.js';
import { buildTokenClaims, type ClaimDefaults } from './token-claims.js';
import type { GenerateTokenOptions, GeneratedToken, JWTManagerConfig, JWTManagerInit, KeyInput, VerifyTokenResult } from './types.js';

/** Kind named in events and session records for this manager's tokens. */
const EVENT_KIND = SESSION_KIND;
import { InvalidToken, ValidToken } from './verify-result.js';

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

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
  /** Token events of this manager (or the emitter given as `events`, shared with others). */
  readonly events: TokenEvents;
  /** The claims cache, when configured. */
  readonly claimsCache: ClaimsCache | undefined;
  private readonly sessions: SessionLedger | undefined;
  /** True when verification goes beyond the stateless verifier (store or cache). */
  private readonly stateful: boolean;
  /** Prefix of this manager's cache keys: a shared cache never serves one manager's verdict to another. */
  private readonly cacheScope: string;

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

    this.events = init.events ?? new TokenEvents();
    this.sessions = this.sessionLedgerFor(init);
    this.claimsCache = init.claimsCache === undefined || init.claimsCache === false ? undefined
      : init.claimsCache instanceof ClaimsCache ? init.claimsCache
        : new ClaimsCache({ now: this.now, ...(init.claimsCache === true ? {} : init.claimsCache) });
    this.cacheScope = randomBytes(6).toString('base64url');
    this.stateful = this.sessions !== undefined || this.claimsCache !== undefined;

    const requireIssuer = init.requireIssuer ?? init.issuer !== undefined;
    const requireAudience = init.requireAudience ?? init.audience !== undefined;
    const options: RingVerifyOptions = { maxTokenSize: this.maxTokenSize, requiredClaims: ['exp'] };
    if (init.clockTolerance !== undefined) options.clockTolerance = init.clockTolerance;
    // Revocation is by jti: with a store, a token without one could never be revoked.
    if (this.sessions !== undefined) options.requiredClaims!.push('jti');
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
   * under the `data` claim. When the manager tracks sessions (`trackUserTokens` or
   * `maxUserSessions`), the token is recorded (with `device`) before it is returned, and the
   * session limit is decided atomically by the store.
   *
   * @throws {JWTInvalid} for registered names in `customClaims` or bad times.
   * @throws {TokenTooLarge} when the token would exceed `maxTokenSize`.
   * @throws {MaxSessionsExceeded} (`ERR_MAX_SESSIONS_EXCEEDED`, with `live`) at the limit under `reject`.
   * @throws {StorageError} when the store fails; no token is handed out then.
   */
  async generateToken(options: GenerateTokenOptions): Promise<GeneratedToken>;
  async generateToken(subject: string, data?: Record<string, unknown>): Promise<GeneratedToken>;
  async generateToken(first: GenerateTokenOptions | string, data?: Record<string, unknown>): Promise<GeneratedToken> {
    const options: GenerateTokenOptions = typeof first === 'string'
      ? { subject: first, ...(data === undefined ? {} : { customClaims: { data } }) }
      : first;
    if (this.sessions?.tracking === true) return this.issueTracked(options, 'generate');
    return this.issue(options, 'generate');
  }

  /**
   * Verifies a token. Never throws for a bad token: resolves to `{ valid: false, error }` with a
   * typed error (`error.code`). With `encryption` configured the token must be a nested JWE that
   * decrypts (`ERR_JWE_INVALID` for a plain JWS, `ERR_JWE_DECRYPTION_FAILED` for a wrong key or a
   * forgery); without it a JWE is refused like any other token that is not a JWS.
   *
   * With a store, a verified token is then looked up by `jti`: revoked gives `ERR_TOKEN_REVOKED`.
   * A claims-cache hit skips the cryptography, never the revocation check.
   *
   * @throws {StorageError} when the store cannot answer: a token is never valid by default.
   */
  async verifyToken(token: string): Promise<VerifyTokenResult> {
    return this.stateful ? this.verifyWithLifecycle(token) : this.verifyTokenSync(token);
  }

  /**
   * The synchronous core of {@link verifyToken}, for callers that cannot await. A manager with a
   * store cannot check revocation without I/O, so it refuses this call.
   *
   * @throws {JOSENotSupported} when the manager has a store (use {@link verifyToken}).
   */
  verifyTokenSync(token: string): VerifyTokenResult {
    if (this.stateful) {
      if (this.sessions !== undefined) throw new JOSENotSupported('verifyTokenSync cannot consult the revocation store; use verifyToken');
      const t0 = this.startTimer();
      const outcome = this.verifyClaimsCached(token);
      return outcome instanceof InvalidToken ? this.rejected(outcome.error, t0, undefined, token) : this.validated(outcome, t0);
    }
    const metrics = this.metrics;
    const t0 = metrics !== undefined && metrics.shouldTime() ? performance.now() : -1;
    let claims: JWTClaims;
    try {
      claims = this.verifier(token).payload;
      if (this.optionalIssuers !== undefined || this.optionalAudiences !== undefined) this.checkOptionalClaims(claims);
    } catch (err) {
      return this.rejected(toCjwtError(err), t0, undefined, token);
    }
    return this.validated(claims, t0);
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
   * one), keeping its other claims. With a store, the old token is revoked first, atomically: of
   * two refreshes of one token, in one process or many, exactly one wins; the other gets
   * `ERR_TOKEN_REVOKED`. A tracked session keeps its device facts.
   *
   * @throws {CjwtError} the verification error when the token is not valid (`ERR_TOKEN_REVOKED` once refreshed).
   * @throws {StorageError} when the store fails.
   */
  async refresh(token: string): Promise<GeneratedToken> {
    const result = this.sessions === undefined ? this.verifyTokenSync(token) : await this.verifyToken(token);
    if (!result.valid) {
      this.audit?.record({ time: this.now(), action: 'refresh', outcome: 'failure', reason: result.error.code });
      throw result.error;
    }
    const { iss, sub, aud, iat, exp, jti } = result.claims;
    const lifetime = typeof iat === 'number' && typeof exp === 'number' && exp > iat ? exp - iat : this.claimDefaults.ttlSeconds;
    // No jwtId: issuing draws a fresh one.
    const options: GenerateTokenOptions = { issuer: iss, subject: sub, audience: aud, expiresIn: lifetime, customClaims: result.customClaims };
    let issued: GeneratedToken;
    const sessions = this.sessions;
    if (sessions === undefined) {
      issued = this.issue(options, 'refresh');
    } else {
      const previous: TokenRecord | undefined = sessions.tracking ? await sessions.get(jti!) : undefined;
      try {
        // The store's revoke is the atomic decision: only its winner goes on to issue.
        await sessions.revoke(jti!, 'refreshed', { subject: sub, expiresAt: typeof exp === 'number' ? exp * 1000 : undefined });
      } catch (err) {
        if (!(err instanceof TokenAlreadyRevoked)) throw err;
        this.audit?.add(this.auditNow(), 'refresh', 'failure', jti, sub, 'ERR_TOKEN_REVOKED');
        this.events.emit('token.rejected', { time: this.auditNow(), kind: EVENT_KIND, tokenId: jti, subject: sub, code: 'ERR_TOKEN_REVOKED' });
        throw new TokenRevoked('token has already been refreshed or revoked');
      }
      if (previous?.device !== undefined) options.device = previous.device;
      issued = sessions.tracking ? await this.issueTracked(options, 'refresh') : this.issue(options, 'refresh');
      this.events.emit('token.refreshed', { time: this.auditNow(), kind: EVENT_KIND, tokenId: issued.jwtId, subject: sub, parentId: jti });
    }
    this.metrics?.recordRefreshed();
    return issued;
  }

  /**
   * Revokes a token by its `jti` (never by its bytes). The token must verify (signature and
   * claims): a forged token cannot revoke someone else's session.
   *
   * @throws {NoRevocationStore} without a store.
   * @throws {TokenAlreadyRevoked} when it was revoked before.
   * @throws {CjwtError} the verification error of an invalid token (e.g. `ERR_JWT_EXPIRED`).
   * @throws {StorageError} when the store fails.
   */
  async revokeToken(token: string, reason = 'revoked'): Promise<void> {
    const sessions = this.requireStore('revokeToken');
    const outcome = this.verifyClaimsCached(token);
    if (outcome instanceof InvalidToken) throw outcome.error;
    await sessions.revoke(outcome.jti!, reason, { subject: outcome.sub, expiresAt: typeof outcome.exp === 'number' ? outcome.exp * 1000 : undefined });
  }

  /**
   * Revokes the token with this `jti` (e.g. from verified claims at logout). `expiresAt` (a Date
   * or epoch seconds) keeps the revocation as long as the token lives; without it the manager's
   * `defaultTtl` is assumed (plus the store's retention window).
   *
   * @throws {NoRevocationStore} without a store.
   * @throws {TokenAlreadyRevoked} when it was revoked before.
   * @throws {StorageError} when the store fails.
   */
  async revokeTokenById(jti: string, expiresAt?: Date | number, reason = 'revoked'): Promise<void> {
    const sessions = this.requireStore('revokeTokenById');
    if (typeof jti !== 'string' || jti.length === 0) throw new JWTInvalid('jti must be a non-empty string');
    const expiresMs = expiresAt === undefined ? undefined : expiresAt instanceof Date ? expiresAt.getTime() : expiresAt * 1000;
    if (expiresMs !== undefined && !Number.isFinite(expiresMs)) throw new JWTInvalid('expiresAt must be a Date or epoch seconds');
    await sessions.revoke(jti, reason, { expiresAt: expiresMs === undefined ? undefined : Math.floor(expiresMs) });
  }

  /**
   * True when the token with this `jti` is revoked.
   *
   * @throws {NoRevocationStore} without a store.
   * @throws {StorageError} when the store fails.
   */
  async isTokenRevoked(jti: string): Promise<boolean> {
    return this.requireStore('isTokenRevoked').isRevoked(jti);
  }

  /**
   * Live sessions of a user.
   *
   * @throws {NoRevocationStore} without a store and tracking.
   */
  async getUserSessionCount(userId: string): Promise<number> {
    return this.requireTracking('getUserSessionCount').count(userId);
  }

  /**
   * The live session records of a user (`id` is the token's `jti`; `device` the facts given at
   * login), oldest first. No record holds the token.
   *
   * @throws {NoRevocationStore} without a store and tracking.
   */
  async getActiveUserTokens(userId: string): Promise<TokenRecord[]> {
    return this.requireTracking('getActiveUserTokens').list(userId);
  }

  /**
   * Revokes every live session of a user (password change, "log out everywhere"); resolves to
   * how many.
   *
   * @throws {NoRevocationStore} without a store and tracking.
   */
  async revokeAllUserTokens(userId: string, reason = 'revoke_all'): Promise<number> {
    return this.requireTracking('revokeAllUserTokens').revokeAll(userId, reason);
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
    const t0 = this.startTimer();
    const issued = this.signToken(options, this.now());
    this.recordIssued(issued, action, t0);
    return issued;
  }

  /** Signs, then records the session; the token is returned only once the store accepted it. */
  private async issueTracked(options: GenerateTokenOptions, action: 'generate' | 'refresh'): Promise<GeneratedToken> {
    const t0 = this.startTimer();
    const nowMs = this.now();
    const issued = this.signToken(options, nowMs);
    await this.sessions!.recordSession(issued.claims, nowMs, options.device);
    this.recordIssued(issued, action, t0);
    return issued;
  }

  private signToken(options: GenerateTokenOptions, nowMs: number): GeneratedToken {
    const claims = buildTokenClaims(options, this.claimDefaults, nowMs);
    const jws = this.keyRing.sign(claims, { typ: this.typ });
    const token = this.encryption === undefined ? jws : this.encryption.encrypt(jws);
    if (token.length > this.maxTokenSize) throw new TokenTooLarge(`the token would be ${token.length} characters, above maxTokenSize ${this.maxTokenSize}`);
    return { token, claims, expiresAt: new Date(claims.exp! * 1000), issuedAt: new Date(claims.iat! * 1000), jwtId: claims.jti! };
  }

  private recordIssued(issued: GeneratedToken, action: 'generate' | 'refresh', t0: number): void {
    const { claims } = issued;
    this.metrics?.recordGenerated(t0 < 0 ? undefined : performance.now() - t0);
    this.audit?.record({ time: this.now(), action, outcome: 'success', jti: claims.jti, subject: claims.sub, kid: this.keyRing.signingKey()?.kid });
    if (this.events.has('token.issued')) this.events.emit('token.issued', { time: this.auditNow(), kind: EVENT_KIND, tokenId: claims.jti, subject: claims.sub });
  }

  private startTimer(): number {
    const metrics = this.metrics;
    return metrics !== undefined && metrics.shouldTime() ? performance.now() : -1;
  }

  /** Verify with revocation (and the cache): the path of a manager with a store or a cache. */
  private async verifyWithLifecycle(token: string): Promise<VerifyTokenResult> {
    const t0 = this.startTimer();
    const outcome = this.verifyClaimsCached(token);
    if (outcome instanceof InvalidToken) return this.rejected(outcome.error, t0, undefined, token);
    const sessions = this.sessions;
    if (sessions !== undefined) {
      let revoked: boolean;
      try {
        revoked = await sessions.isRevoked(outcome.jti!);
      } catch (err) {
        // A store that cannot answer is a failure of this verification, reported as such: the
        // caller gets the StorageError, never a result that could read as valid.
        this.metrics?.recordFailed('ERR_STORAGE', t0 < 0 ? undefined : performance.now() - t0);
        if (this.auditFailure) this.audit!.add(this.auditNow(), 'verify', 'failure', outcome.jti, outcome.sub, 'ERR_STORAGE');
        throw err;
      }
      if (revoked) return this.rejected(new TokenRevoked(), t0, outcome, token);
    }
    return this.validated(outcome, t0);
  }

  /** Verified claims from the cache or the verifier (no revocation check), or the failure. */
  private verifyClaimsCached(token: string): JWTClaims | InvalidToken {
    const cache = this.claimsCache;
    let key: string | undefined;
    // Oversized input goes straight to the verifier, which refuses it before hashing anything.
    if (cache !== undefined && typeof token === 'string' && token.length <= this.maxTokenSize) {
      key = this.cacheScope + claimsCacheKey(token);
      const hit = cache.getByKey(key);
      if (hit !== undefined) return hit as JWTClaims;
    }
    let claims: JWTClaims;
    try {
      claims = this.verifier(token).payload;
      if (this.optionalIssuers !== undefined || this.optionalAudiences !== undefined) this.checkOptionalClaims(claims);
    } catch (err) {
      return new InvalidToken(toCjwtError(err));
    }
    if (key !== undefined) cache!.setByKey(key, claims);
    return claims;
  }

  private validated(claims: JWTClaims, t0: number): ValidToken {
    this.metrics?.recordVerified(t0 < 0 ? undefined : performance.now() - t0);
    // The log keeps jti and sub only when they are strings: the audit holds names, never data.
    if (this.auditSuccess) this.audit!.add(this.auditNow(), 'verify', 'success', claims.jti, claims.sub);
    if (this.events.has('token.validated')) {
      this.events.emit('token.validated', { time: this.auditNow(), kind: EVENT_KIND, tokenId: stringOrUndefined(claims.jti), subject: stringOrUndefined(claims.sub) });
    }
    return new ValidToken(claims);
  }

  /** `claims` are known only when the token verified and a later check (revocation) refused it. */
  private rejected(error: CjwtError, t0: number, claims: JWTClaims | undefined, token: unknown): InvalidToken {
    this.metrics?.recordFailed(error.code, t0 < 0 ? undefined : performance.now() - t0);
    if (this.auditFailure) this.audit!.add(this.auditNow(), 'verify', 'failure', claims?.jti, claims?.sub, error.code);
    if (this.events.has('token.rejected')) {
      const event = { time: this.auditNow(), kind: EVENT_KIND, code: error.code } as { time: number; kind: string; code: string; tokenId?: string; subject?: string; hashPrefix?: string };
      if (claims !== undefined) {
        event.tokenId = stringOrUndefined(claims.jti);
        event.subject = stringOrUndefined(claims.sub);
      } else if (typeof token === 'string') {
        // Unverified: its claims are the sender's word. A short hash prefix names it instead.
        event.hashPrefix = createHash('sha256').update(token).digest('base64url').slice(0, 8);
      }
      this.events.emit('token.rejected', event);
    }
    return new InvalidToken(error);
  }

  private sessionLedgerFor(init: JWTManagerInit): SessionLedger | undefined {
    const maxSessions = init.maxUserSessions ?? 0;
    const track = init.trackUserTokens ?? false;
    if (init.store === undefined) {
      if (track || maxSessions !== 0) throw new NoRevocationStore('trackUserTokens and maxUserSessions need a store');
      return undefined;
    }
    return new SessionLedger({
      store: init.store, track, maxSessions, policy: init.sessionLimitPolicy ?? 'reject', events: this.events, audit: this.audit,
      now: this.now, defaultTtlMs: this.claimDefaults.ttlSeconds * 1000,
    });
  }

  private requireStore(operation: string): SessionLedger {
    if (this.sessions === undefined) throw new NoRevocationStore(`${operation} needs a store`);
    return this.sessions;
  }

  private requireTracking(operation: string): SessionLedger {
    const sessions = this.requireStore(operation);
    // Without tracking the store knows no sessions: an answer of 0 (or "all revoked") would be a lie.
    if (!sessions.tracking) throw new NoRevocationStore(`${operation} needs trackUserTokens or maxUserSessions`);
    return sessions;
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
