/**
 * JWTManager: the `cjwt` package API of the seed, in TypeScript names. It issues and verifies
 * JWTs with a KeyRing (one key or several with rotation), counts what it does, keeps an audit
 * log and publishes token events. Without a store or a claims cache, the verify path is the
 * precompiled synchronous verifier plus two clock reads and a few counter updates. With a store
 * (manager-sessions.ts) it adds one `isRevoked(jti)` round trip, session tracking and limits.
 * Issuing lives in manager-issue.ts, the stateful verify path in manager-lifecycle.ts; this file
 * assembles the parts and keeps the public surface.
 */
import { randomBytes } from 'node:crypto';
import type { AlgorithmFamily } from '../jose/algorithms.js';
import { JWTInvalid, TokenTooLarge } from '../jose/errors.js';
import { decodeJWT, parseDuration, type JWTClaims, type JWTVerifyResult } from '../jose/jwt/jwt.js';
import type { JWEHeader } from '../jose/jwe/jwe.js';
import { DEFAULT_MAX_TOKEN_SIZE, type JWSHeader } from '../jose/jws/jws.js';
import type { JWKS } from '../keys/jwks-fetch.js';
import type { KeyInfo, KeyRing, RotateOptions } from '../keys/key-ring.js';
import type { AuditEntry, AuditQuery } from '../lifecycle/audit.js';
import { ClaimsCache } from '../lifecycle/claims-cache.js';
import type { TokenEvents } from '../lifecycle/events.js';
import { feedCheckFor, type FeedRevocationCheck } from '../lifecycle/feed/feed-check.js';
import { TokenMetrics, type MetricsSnapshot } from '../lifecycle/metrics.js';
import type { TokenRecord } from '../store/index.js';
import { chunkToken, reassembleToken, type TokenChunks } from './chunking.js';
import { compileTokenEncryption, type TokenEncryption } from './manager-encryption.js';
import { TokenIssuer } from './manager-issue.js';
import { importKeyInput, keyRingFor } from './manager-keys.js';
import { LifecycleVerifier } from './manager-lifecycle.js';
import { requireStore, requireTracking, sessionLedgerFor, type SessionLedger } from './manager-sessions.js';
import { ManagerTelemetry } from './manager-telemetry.js';
import { claimsVerifier, toCjwtError, verificationPolicy } from './manager-verify.js';
import type { ClaimDefaults } from './token-claims.js';
import type { GenerateTokenOptions, GeneratedToken, JWTManagerConfig, JWTManagerInit, KeyInput, ManagerKeyInfo, VerifyTokenResult } from './types.js';
import { InvalidToken } from './verify-result.js';

export type { ManagerKeyInfo } from './types.js';

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
  private readonly verifier: (token: string) => JWTVerifyResult;
  private readonly encryption: TokenEncryption | undefined;
  private readonly claimDefaults: ClaimDefaults;
  private readonly maxTokenSize: number;
  private readonly issuer: TokenIssuer;
  private readonly telemetry: ManagerTelemetry;
  private readonly checkOptional: ((claims: JWTClaims) => void) | undefined;
  /** The claims cache, when configured. */
  readonly claimsCache: ClaimsCache | undefined;
  private readonly sessions: SessionLedger | undefined;
  /** The stateful verify path; undefined when the stateless verifier is all there is. */
  private readonly lifecycle: LifecycleVerifier | undefined;
  /** Cache, then verifier: the first step of the stateful path. */
  private readonly verifyClaims: (token: string) => JWTClaims | InvalidToken;
  /**
   * The feed-mode revocation check (`revocation: 'feed'`): its `start()` warms the feed up, its
   * `stats()` says where answers came from. Undefined in the round-trip mode.
   */
  readonly revocationFeedCheck: FeedRevocationCheck | undefined;

  /**
   * A manager over `init.key`, `init.keyRing`, or a generated key (`init.algorithm`, default ES256).
   *
   * @param families used by the typed constructors (`withRSA`, ...) to restrict the key kind.
   */
  constructor(init: JWTManagerInit = {}, families?: readonly AlgorithmFamily[]) {
    this.keyRing = keyRingFor(init, families);
    this.now = init.now ?? this.keyRing.now;
    this.maxTokenSize = init.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE;
    this.claimDefaults = { issuer: init.issuer, audience: init.audience, ttlSeconds: parseDuration(init.defaultTtl ?? '1h') };
    this.telemetry = new ManagerTelemetry(init, this.now, this.keyRing.now === Date.now);
    const { events, audit } = this.telemetry;
    this.sessions = sessionLedgerFor(init, { events, audit, now: this.now, defaultTtlMs: this.claimDefaults.ttlSeconds * 1000 });
    this.claimsCache = init.claimsCache === undefined || init.claimsCache === false ? undefined
      : init.claimsCache instanceof ClaimsCache ? init.claimsCache
        : new ClaimsCache({ now: this.now, ...(init.claimsCache === true ? {} : init.claimsCache) });
    this.revocationFeedCheck = feedCheckFor(init.store, init.revocation, init.revocationFeed);

    // Revocation is by jti: with a store, a token without one could never be revoked.
    const { options, checkOptional } = verificationPolicy(init, this.maxTokenSize, this.sessions !== undefined);
    this.checkOptional = checkOptional;
    const verifyJWS = this.keyRing.createVerifier(options);
    const encryption = init.encryption === undefined
      ? undefined
      : compileTokenEncryption(init.encryption, this.maxTokenSize, init.key === undefined ? undefined : importKeyInput(init.key));
    this.encryption = encryption;
    // With encryption on, a token must decrypt first: a plain JWS never reaches the verifier.
    this.verifier = encryption === undefined ? verifyJWS : (token) => verifyJWS(encryption.decrypt(token).jws);
    this.verifyClaims = claimsVerifier({
      verifier: this.verifier, checkOptional: this.checkOptional, cache: this.claimsCache, maxTokenSize: this.maxTokenSize,
      cacheScope: randomBytes(6).toString('base64url'),
    });
    // Verification goes beyond the stateless verifier with a store, a cache or a policy.
    const { sessions, claimsCache, verifyClaims, telemetry, revocationFeedCheck: feed } = this;
    const validationChain = init.validationChain;
    const stateful = sessions !== undefined || claimsCache !== undefined || validationChain !== undefined;
    this.lifecycle = stateful ? new LifecycleVerifier({ verifyClaims, validationChain, sessions, feed, telemetry }) : undefined;
    const { keyRing, claimDefaults, maxTokenSize, now } = this;
    this.issuer = new TokenIssuer({ keyRing, claimDefaults, typ: init.typ ?? 'JWT', encryption, maxTokenSize, telemetry, sessions, now });
  }

  /** Token events of this manager (or the emitter given as `events`, shared with others). */
  get events(): TokenEvents {
    return this.telemetry.events;
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
    if (this.sessions?.tracking === true) return this.issuer.issueTracked(options, 'generate');
    return this.issuer.issue(options, 'generate');
  }

  /**
   * Verifies a token. Never throws for a bad token: resolves to `{ valid: false, error }` with a
   * typed error (`error.code`). With `encryption` configured the token must be a nested JWE that
   * decrypts (`ERR_JWE_INVALID` for a plain JWS, `ERR_JWE_DECRYPTION_FAILED` for a wrong key or a
   * forgery); without it a JWE is refused like any other token that is not a JWS.
   *
   * With a `validationChain`, a verified token that fails policy gives `ERR_VALIDATION_FAILED`.
   * With a store, a verified token is then looked up by `jti`: revoked gives `ERR_TOKEN_REVOKED`.
   * A claims-cache hit skips the cryptography, never the policy or the revocation check.
   *
   * @throws {StorageError} when the store cannot answer: a token is never valid by default.
   */
  async verifyToken(token: string): Promise<VerifyTokenResult> {
    return this.lifecycle !== undefined ? this.lifecycle.verify(token) : this.verifyTokenSync(token);
  }

  /**
   * The synchronous core of {@link verifyToken}, for callers that cannot await. A manager with a
   * store cannot check revocation without I/O, so it refuses this call.
   *
   * @throws {JOSENotSupported} when the manager has a store (use {@link verifyToken}).
   */
  verifyTokenSync(token: string): VerifyTokenResult {
    if (this.lifecycle !== undefined) return this.lifecycle.verifySync(token);
    const telemetry = this.telemetry;
    const t0 = telemetry.startTimer();
    let claims: JWTClaims;
    try {
      claims = this.verifier(token).payload;
      if (this.checkOptional !== undefined) this.checkOptional(claims);
    } catch (err) {
      return telemetry.rejected(toCjwtError(err), t0, undefined, token);
    }
    return telemetry.validated(claims, t0);
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
      this.telemetry.audit?.record({ time: this.now(), action: 'refresh', outcome: 'failure', reason: result.error.code });
      throw result.error;
    }
    const { iss, sub, aud, iat, exp, jti } = result.claims;
    const lifetime = typeof iat === 'number' && typeof exp === 'number' && exp > iat ? exp - iat : this.claimDefaults.ttlSeconds;
    // No jwtId: issuing draws a fresh one.
    const options: GenerateTokenOptions = { issuer: iss, subject: sub, audience: aud, expiresIn: lifetime, customClaims: result.customClaims };
    let issued: GeneratedToken;
    const sessions = this.sessions;
    if (sessions === undefined) {
      issued = this.issuer.issue(options, 'refresh');
    } else {
      // The store's revoke is the atomic decision: only its winner goes on to issue.
      const device = await sessions.retire(jti!, sub, exp);
      this.noteRevoked(jti!, typeof exp === 'number' ? exp * 1000 : undefined);
      if (device !== undefined) options.device = device;
      issued = sessions.tracking ? await this.issuer.issueTracked(options, 'refresh') : this.issuer.issue(options, 'refresh');
    }
    this.telemetry.refreshed(issued.jwtId, jti, sub);
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
    const sessions = requireStore(this.sessions, 'revokeToken');
    const outcome = this.verifyClaims(token);
    if (outcome instanceof InvalidToken) throw outcome.error;
    const expiresAt = typeof outcome.exp === 'number' ? outcome.exp * 1000 : undefined;
    await sessions.revoke(outcome.jti!, reason, { subject: outcome.sub, expiresAt });
    this.noteRevoked(outcome.jti!, expiresAt);
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
    const sessions = requireStore(this.sessions, 'revokeTokenById');
    if (typeof jti !== 'string' || jti.length === 0) throw new JWTInvalid('jti must be a non-empty string');
    const expiresMs = expiresAt === undefined ? undefined : expiresAt instanceof Date ? expiresAt.getTime() : expiresAt * 1000;
    if (expiresMs !== undefined && !Number.isFinite(expiresMs)) throw new JWTInvalid('expiresAt must be a Date or epoch seconds');
    await sessions.revoke(jti, reason, { expiresAt: expiresMs === undefined ? undefined : Math.floor(expiresMs) });
    this.noteRevoked(jti, expiresMs);
  }

  /**
   * True when the token with this `jti` is revoked.
   *
   * @throws {NoRevocationStore} without a store.
   * @throws {StorageError} when the store fails.
   */
  async isTokenRevoked(jti: string): Promise<boolean> {
    return requireStore(this.sessions, 'isTokenRevoked').isRevoked(jti);
  }

  /**
   * Live sessions of a user.
   *
   * @throws {NoRevocationStore} without a store and tracking.
   */
  async getUserSessionCount(userId: string): Promise<number> {
    return requireTracking(this.sessions, 'getUserSessionCount').count(userId);
  }

  /**
   * The live session records of a user (`id` is the token's `jti`; `device` the facts given at
   * login), oldest first. No record holds the token.
   *
   * @throws {NoRevocationStore} without a store and tracking.
   */
  async getActiveUserTokens(userId: string): Promise<TokenRecord[]> {
    return requireTracking(this.sessions, 'getActiveUserTokens').list(userId);
  }

  /**
   * Revokes every live session of a user (password change, "log out everywhere"); resolves to
   * how many.
   *
   * @throws {NoRevocationStore} without a store and tracking.
   */
  async revokeAllUserTokens(userId: string, reason = 'revoke_all'): Promise<number> {
    return requireTracking(this.sessions, 'revokeAllUserTokens').revokeAll(userId, reason);
  }

  /**
   * Releases what the manager opened: in the feed mode, its share of the store's revocation feed
   * (the feed closes with its last manager; a feed given as `revocationFeed.feed` stays open).
   * The store is the caller's and stays open. Verification goes on in the round-trip fallback.
   */
  async close(): Promise<void> {
    await this.revocationFeedCheck?.close();
  }

  /** Rotates the signing key; the previous key verifies for `gracePeriod` (default one day). */
  rotateKey(options: RotateOptions = {}): KeyInfo {
    const info = this.keyRing.rotate(options);
    this.telemetry.metrics?.recordRotation();
    this.telemetry.audit?.record({ time: this.now(), action: 'rotate', outcome: 'success', kid: info.kid });
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
    return (this.telemetry.metrics ?? new TokenMetrics(this.now)).snapshot();
  }

  /** Sets the counters back to zero. */
  resetMetrics(): void {
    this.telemetry.metrics?.reset();
  }

  /** Audit entries kept in memory, oldest first (empty when the audit log is off). */
  getAuditLogs(query?: AuditQuery): AuditEntry[] {
    return this.telemetry.audit?.entries(query) ?? [];
  }

  /** Drops the in-memory audit entries. */
  clearAuditLogs(): void {
    this.telemetry.audit?.clear();
  }

  /** Splits a token into chunks with an integrity id (see {@link chunkToken}). */
  chunkToken(input: { token: string; maxChunkSize: number }): TokenChunks {
    return chunkToken(input);
  }

  /** Reassembles chunks, refusing missing, reordered or altered ones (`ERR_CHUNK_INVALID`). */
  reassembleToken(input: { chunks: readonly string[]; chunkId: string }): string {
    return reassembleToken(input);
  }

  /** A revocation this process made, into its mirror at once (the feed would bring it a moment later). */
  private noteRevoked(jti: string, expiresAt: number | undefined): void {
    this.revocationFeedCheck?.noteRevoked(jti, expiresAt ?? this.now() + this.claimDefaults.ttlSeconds * 1000);
  }
}
