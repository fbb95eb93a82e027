/**
 * {@link TokenPairIssuer}: access/refresh pairs with refresh-token rotation and reuse detection
 * (RFC 9700 §4.14.2), on any TokenStore, safe across processes.
 *
 * How the store is used (every decision that must be atomic is one store call):
 * - login: the access token's jti is `put` (kind `access`), then the refresh record (kind
 *   `refresh`, its token's SHA-256 only) goes through `addSession`, which enforces the session
 *   limit atomically;
 * - refresh: `consume(hash)` picks exactly one winner; the winner writes the successor records
 *   (access first, so a refresh record never exists without its access record), then
 *   `revoke(parent, 'rotated')`: if the parent was already revoked, a concurrent reuse, logout or
 *   eviction revoked the family while the successor was being written, and the winner revokes the
 *   family again so the successor cannot outlive it;
 * - reuse: `revokeWhere({ familyId })` revokes every refresh and access token of the login.
 */
import {
  JWTClaimValidationFailed, JWTInvalid, MaxSessionsExceeded, RefreshFamilyExpired, RefreshTokenReused, TokenError, TokenRevoked, parseDuration,
} from '../../jose/index.js';
import { InvalidToken, type JWTManager, type VerifyTokenResult } from '../../jwt/index.js';
import { createOpaqueTokenFormat } from '../../opaque/index.js';
import type { ConsumeResult, SessionLimitPolicy, TokenRecord, TokenStore } from '../../store/index.js';
import type { TokenEvents } from '../events.js';
import { feedCheckFor, type FeedRevocationCheck } from '../feed/feed-check.js';
import { familyDataOf, newFamilyId, parseRefreshRecordId, successorRecordId, type FamilyData } from './family.js';
import { checkExtraClaims, factsOf, mintPair, normalizeScope, type FamilyFacts, type MintContext } from './pair-minting.js';
import { PairSeal, deriveKey } from './pair-seal.js';
import { listLiveSessions } from './sessions.js';
import type { IssueTokenPairInput, RefreshSession, RevocationOutcome, TokenPair, TokenPairIssuerOptions } from './types.js';
import { waitForSuccessor } from './successor-wait.js';

const MIN_SECRET_BYTES = 32;
/** Revocation reason of a family revoked because a spent refresh token came back. */
const REUSE_REASON = 'refresh_reuse';

function durationMs(value: number | string, name: string): number {
  const ms = parseDuration(value) * 1000;
  if (ms <= 0) throw new RangeError(`${name} must be positive`);
  return ms;
}

function secretBytes(secret: string | Uint8Array): Uint8Array {
  // Checked here, not left to the format: the seal key is derived from the same bytes.
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (!(bytes instanceof Uint8Array) || bytes.length < MIN_SECRET_BYTES) throw new RangeError(`secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return bytes;
}

/** First 8 characters of a hash: enough to correlate log lines, useless to an attacker. */
function hashPrefix(hash: string): string {
  return hash.slice(0, 8);
}

/**
 * Issues access/refresh pairs, rotates refresh tokens, detects reuse, and manages the login
 * sessions (families) they belong to. The methods are what a token service calls for `/login`,
 * `/token` (refresh grant), `/logout` and `/sessions`.
 *
 * @example
 * const pairs = new TokenPairIssuer({ jwt: JWTManager.withHMAC(secret), store, accessTtl: '15m', refreshTtl: '14d' });
 * const login = await pairs.issueTokenPair({ subject: 'user-1', device: { userAgent: 'Firefox' } });
 * const next = await pairs.refreshTokens(login.refreshToken);      // login.refreshToken is now spent
 * await pairs.refreshTokens(login.refreshToken);                   // ERR_REFRESH_TOKEN_REUSED: family revoked
 */
export class TokenPairIssuer {
  readonly #jwt: JWTManager;
  readonly #store: TokenStore;
  readonly #mint: MintContext;
  readonly #events: TokenEvents | undefined;
  readonly #now: () => number;
  readonly #familyMs: number;
  readonly #graceMs: number;
  readonly #maxSessions: number;
  readonly #policy: SessionLimitPolicy;
  /**
   * The feed-mode revocation check (`revocation: 'feed'`): `start()` warms the feed up, `stats()`
   * says where answers came from. Undefined in the round-trip mode.
   */
  readonly revocationFeedCheck: FeedRevocationCheck | undefined;

  /**
   * @throws {RangeError | TypeError} for a bad configuration (durations, session limit, secret).
   */
  constructor(options: TokenPairIssuerOptions) {
    if (options?.jwt === undefined || options.store === undefined) throw new TypeError('TokenPairIssuer needs jwt and store');
    this.#jwt = options.jwt;
    this.#store = options.store;
    this.#events = options.events;
    this.#now = options.now ?? Date.now;
    const refreshTtlMs = durationMs(options.refreshTtl ?? '30d', 'refreshTtl');
    const idleMs = durationMs(options.idleTimeout ?? refreshTtlMs / 1000, 'idleTimeout');
    this.#familyMs = durationMs(options.familyMaxLifetime ?? '90d', 'familyMaxLifetime');
    this.#graceMs = options.reuseGraceMs ?? 0;
    if (!Number.isSafeInteger(this.#graceMs) || this.#graceMs < 0) throw new RangeError('reuseGraceMs must be a non-negative integer');
    this.#maxSessions = options.maxUserSessions ?? 0;
    if (!Number.isSafeInteger(this.#maxSessions) || this.#maxSessions < 0) throw new RangeError('maxUserSessions must be a non-negative integer');
    this.#policy = options.sessionLimitPolicy ?? 'reject';
    if (this.#policy !== 'reject' && this.#policy !== 'evict-oldest') throw new RangeError('sessionLimitPolicy must be reject or evict-oldest');
    const secret = options.secret === undefined ? undefined : secretBytes(options.secret);
    // The sealing key must be the same on every server, or a retry reaching another server would
    // look like a reuse: so a grace needs the shared secret, never a per-process random key.
    if (this.#graceMs > 0 && secret === undefined) throw new TypeError('reuseGraceMs needs secret (the same on every server)');
    this.revocationFeedCheck = feedCheckFor(options.store, options.revocation, options.revocationFeed);
    this.#mint = {
      jwt: options.jwt,
      // With the secret, a forged refresh token fails its HMAC in memory: no store round trip.
      format: createOpaqueTokenFormat({ prefix: options.refreshTokenPrefix ?? 'rt', ...(secret === undefined ? {} : { secret: deriveKey(secret, 'token-format') }) }),
      seal: this.#graceMs > 0 && secret !== undefined ? new PairSeal(deriveKey(secret, 'seal')) : undefined,
      accessTtlMs: durationMs(options.accessTtl ?? '15m', 'accessTtl'),
      refreshTtlMs: Math.min(refreshTtlMs, idleMs),
    };
  }

  /**
   * Logs a user in: a new family with its first pair. With `maxUserSessions`, the limit is
   * enforced atomically across servers: `reject` refuses the login, `evict-oldest` revokes the
   * least recently refreshed session (all its tokens).
   *
   * @throws {MaxSessionsExceeded} `ERR_MAX_SESSIONS_EXCEEDED` with `live` and `max` (policy `reject`).
   * @throws {JWTInvalid} for a missing subject or claims the pair sets itself.
   * @throws {StorageError} when the store fails (nothing usable was handed out).
   */
  async issueTokenPair(input: IssueTokenPairInput): Promise<TokenPair> {
    if (typeof input?.subject !== 'string' || input.subject.length === 0) throw new JWTInvalid('subject must be a non-empty string');
    checkExtraClaims(input.claims);
    const now = this.#now();
    const familyId = newFamilyId();
    const family: FamilyData = { loginAt: now, familyExpiresAt: now + this.#familyMs };
    if (input.claims !== undefined) family.claims = input.claims;
    const facts: FamilyFacts = { familyId, subject: input.subject, family };
    const scope = normalizeScope(input.scope);
    if (scope !== undefined) facts.scope = scope;
    if (input.clientId !== undefined) facts.clientId = input.clientId;
    if (input.device !== undefined) facts.device = input.device;
    if (input.labels !== undefined) facts.labels = input.labels;
    if (input.tags !== undefined) facts.tags = input.tags;
    const minted = await mintPair(this.#mint, facts, 0, now);
    const call = { now };
    await this.#store.put(minted.accessRecord, call);
    if (this.#maxSessions === 0) {
      await this.#store.put(minted.refreshRecord, call);
    } else {
      const added = await this.#store.addSession(minted.refreshRecord, this.#maxSessions, this.#policy, call);
      if (!added.added) {
        // The access token was never handed out; its record is only clutter.
        await this.#store.delete(minted.accessRecord.id, call).catch(() => false);
        this.#events?.emit('session.limit_exceeded', { time: now, subject: input.subject, clientId: input.clientId, live: added.live, max: this.#maxSessions });
        throw new MaxSessionsExceeded(added.live, this.#maxSessions);
      }
      if (added.evicted.length > 0) await this.#revokeEvicted(input.subject, added.evicted, now);
    }
    this.#emitIssued(minted.accessRecord, minted.refreshRecord, now);
    return minted.pair;
  }

  /**
   * Exchanges a refresh token for the next pair of its family (refresh grant). The token is
   * spent atomically: of any number of concurrent calls on any servers, one gets the new pair.
   * Presenting a spent token again revokes the whole family, except that within `reuseGraceMs`
   * of the rotation a retry gets the same successor pair back (while that successor is unused).
   *
   * @throws {RefreshTokenReused} `ERR_REFRESH_TOKEN_REUSED`: the token was spent; the family is now revoked.
   * @throws {RefreshFamilyExpired} `ERR_FAMILY_EXPIRED`: the login reached `familyMaxLifetime`.
   * @throws {TokenRevoked} `ERR_TOKEN_REVOKED`: the session was logged out, evicted or revoked.
   * @throws {TokenError} `ERR_TOKEN_MALFORMED` (no store call made), `ERR_TOKEN_NOT_FOUND`, `ERR_TOKEN_EXPIRED`.
   * @throws {StorageError} when the store fails.
   */
  async refreshTokens(refreshToken: string): Promise<TokenPair> {
    const format = this.#mint.format;
    if (!format.check(refreshToken)) throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed refresh token');
    const hash = format.hash(refreshToken);
    const now = this.#now();
    const result = await this.#store.consume(hash, { now });
    if (result.consumed) return this.#rotate(result.record, now);
    if (result.reason === 'already_consumed' && this.#graceMs > 0 && now - result.consumedAt <= this.#graceMs) {
      const pair = await this.#graceRetry(result.record, result.consumedAt);
      if (pair !== undefined) return pair;
    }
    return this.#refuse(result, hash, now);
  }

  /**
   * Verifies an access token: signature and claims (JWTManager), then the store: the token's
   * jti must be recorded and not revoked, so a logout, a revoked session or a detected reuse
   * takes effect at once. Never throws for a bad token; a store failure rejects (never valid).
   * The family id is the `sid` claim.
   */
  async verifyAccessToken(token: string): Promise<VerifyTokenResult> {
    const result = await this.#jwt.verifyToken(token);
    if (!result.valid) return result;
    const jti = result.claims.jti;
    if (typeof jti !== 'string') return new InvalidToken(new JWTClaimValidationFailed('access token has no "jti" claim', 'jti', 'missing'));
    const feed = this.revocationFeedCheck;
    if (feed !== undefined) {
      const { iat, sub, sid } = result.claims;
      const context = { issuedAt: typeof iat === 'number' ? iat * 1000 : undefined, subject: sub, familyId: typeof sid === 'string' ? sid : undefined };
      const fromStore: { fetched: boolean; verdict?: InvalidToken } = { fetched: false };
      const revoked = feed.answer(jti, context) ?? await feed.resolve(jti, context, async () => {
        const verdict = await this.#recordVerdict(jti);
        fromStore.fetched = true;
        if (verdict !== undefined) fromStore.verdict = verdict;
        return verdict !== undefined;
      });
      // After a round trip, say exactly what the store said (unknown, or revoked and why).
      if (fromStore.fetched) return fromStore.verdict ?? result;
      return revoked ? new InvalidToken(new TokenRevoked('access token revoked')) : result;
    }
    return (await this.#recordVerdict(jti)) ?? result;
  }

  /** The refusal the store's record of access token `jti` calls for, or undefined when it is live. */
  async #recordVerdict(jti: string): Promise<InvalidToken | undefined> {
    const record = await this.#store.get(jti, { now: this.#now() });
    if (record === undefined || record.kind !== 'access') return new InvalidToken(new TokenError('ERR_TOKEN_NOT_FOUND', 'access token is not known to the store'));
    if (record.revokedAt !== undefined) return new InvalidToken(new TokenRevoked(`access token revoked (${record.revokedReason ?? 'revoked'})`));
    return undefined;
  }

  /** Releases the revocation feed in the feed mode (the store is the caller's and stays open). */
  async close(): Promise<void> {
    await this.revocationFeedCheck?.close();
  }

  /**
   * Logs out: revokes the family (every refresh and access token of that login) named by a
   * refresh token (spent or not) or by a valid access token.
   *
   * @throws {TokenError} `ERR_TOKEN_MALFORMED` for a token of neither kind (no store call), `ERR_TOKEN_NOT_FOUND` for an unknown refresh token.
   * @throws {CjwtError} the verification error of an invalid access token.
   */
  async logout(token: string): Promise<RevocationOutcome> {
    const now = this.#now();
    if (this.#mint.format.check(token)) {
      const record = await this.#store.getByHash(this.#mint.format.hash(token), { now });
      const familyId = record?.kind === 'refresh' ? record.familyId : undefined;
      if (record === undefined || familyId === undefined) throw new TokenError('ERR_TOKEN_NOT_FOUND', 'unknown refresh token');
      return this.#revokeFamily(familyId, 'logout', now, record.subject);
    }
    // Neither a refresh token nor a JWS/JWE (which always have dots): refuse without any work.
    if (typeof token !== 'string' || !token.includes('.')) throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed token');
    const result = await this.#jwt.verifyToken(token);
    if (!result.valid) throw result.error;
    const sid = result.claims.sid;
    if (typeof sid !== 'string' || typeof result.claims.sub !== 'string') throw new TokenError('ERR_TOKEN_NOT_FOUND', 'access token names no session');
    return this.#revokeFamily(sid, 'logout', now, result.claims.sub);
  }

  /** The live login sessions of `subject`, oldest login first, with their device facts. */
  async listSessions(subject: string): Promise<RefreshSession[]> {
    return listLiveSessions(this.#store, subject, this.#now());
  }

  /**
   * Revokes one session (family). With `subject`, only when the session is that user's: pass it
   * whenever the family id comes from a request.
   */
  async revokeSession(familyId: string, subject?: string): Promise<RevocationOutcome> {
    return this.#revokeFamily(familyId, 'session_revoked', this.#now(), subject);
  }

  /** Revokes every session of `subject` (log out everywhere), refresh tokens first, then access tokens. */
  async revokeAllSessions(subject: string, reason = 'logout_all'): Promise<RevocationOutcome> {
    const now = this.#now();
    // Refresh tokens first: a rotation racing this call then finds its parent revoked and
    // revokes its successor itself; the access tokens it wrote before are caught by the second call.
    const refresh = await this.#store.revokeWhere({ subject, kind: 'refresh' }, reason, { now });
    const access = await this.#store.revokeWhere({ subject, kind: 'access' }, reason, { now });
    const revoked = refresh + access;
    if (revoked > 0) this.#events?.emit('token.revoked', { time: now, subject, reason, count: revoked });
    return { revoked };
  }

  async #rotate(parent: TokenRecord, now: number): Promise<TokenPair> {
    const family = familyDataOf(parent);
    const parsed = parseRefreshRecordId(parent.id);
    if (parent.kind !== 'refresh' || family === undefined || parsed === undefined || parent.familyId !== parsed.familyId) {
      throw new TokenError('ERR_TOKEN_NOT_FOUND', 'unknown refresh token');
    }
    const { familyId, generation } = parsed;
    if (now >= family.familyExpiresAt) {
      await this.#revokeFamily(familyId, 'family_expired', now, parent.subject);
      throw new RefreshFamilyExpired();
    }
    const minted = await mintPair(this.#mint, factsOf(parent, family, familyId), generation + 1, now, parent.id);
    const call = { now };
    await this.#store.put(minted.accessRecord, call);
    await this.#store.put(minted.refreshRecord, call);
    const parentRevoke = await this.#store.revoke(parent.id, 'rotated', call);
    // The parent was revoked between our consume and now: the family died meanwhile (reuse,
    // logout, eviction). Our successor records may postdate that revocation; revoke them too.
    // The pair is still returned: it is the one rotation that won, and it is already dead.
    if (!parentRevoke.revoked) await this.#revokeFamily(familyId, 'family_revoked', now, parent.subject);
    this.#events?.emit('token.refreshed', { time: now, kind: 'refresh', tokenId: minted.refreshRecord.id, subject: parent.subject, clientId: parent.clientId, familyId, parentId: parent.id });
    this.#emitIssued(minted.accessRecord, minted.refreshRecord, now);
    return minted.pair;
  }

  async #refuse(result: Exclude<ConsumeResult, { consumed: true }>, hash: string, now: number): Promise<never> {
    const record = result.record;
    if (record === undefined || record.kind !== 'refresh' || record.familyId === undefined) {
      throw new TokenError('ERR_TOKEN_NOT_FOUND', 'unknown refresh token');
    }
    if (result.reason === 'already_consumed') {
      // A spent token already revoked for reuse: an earlier detection revoked the whole family,
      // and any successor written after it is revoked by its own rotation (see #rotate). Not
      // repeating the family-wide write keeps a replay flood from hammering the store.
      const revoked = record.revokedReason === REUSE_REASON ? 0 : await this.#store.revokeWhere({ familyId: record.familyId }, REUSE_REASON, { now });
      this.#events?.emit('refresh.reuse_detected', {
        time: now, kind: 'refresh', tokenId: record.id, subject: record.subject, clientId: record.clientId, familyId: record.familyId, hashPrefix: hashPrefix(hash), revoked,
      });
      if (revoked > 0) this.#events?.emit('token.revoked', { time: now, subject: record.subject, familyId: record.familyId, reason: REUSE_REASON, count: revoked });
      throw new RefreshTokenReused(record.familyId, revoked);
    }
    if (result.reason === 'revoked') throw new TokenRevoked(`refresh token revoked (${record.revokedReason ?? 'revoked'})`);
    if (result.reason === 'expired') {
      const family = familyDataOf(record);
      if (family !== undefined && now >= family.familyExpiresAt) throw new RefreshFamilyExpired();
      throw new TokenError('ERR_TOKEN_EXPIRED', 'refresh token expired');
    }
    throw new TokenError('ERR_TOKEN_NOT_FOUND', 'unknown refresh token');
  }

  /**
   * A retry of the just-rotated `parent` within the grace: the successor pair, opened from its
   * sealed copy, while the successor is unused and the family live; undefined means "treat as
   * reuse". The winner of the consume may still be writing the successor: wait for it briefly.
   */
  async #graceRetry(parent: TokenRecord, consumedAt: number): Promise<TokenPair | undefined> {
    const successorId = successorRecordId(parent);
    const seal = this.#mint.seal;
    if (successorId === undefined || seal === undefined || parent.familyId === undefined) return undefined;
    const graceLeft = consumedAt + this.#graceMs - this.#now();
    const successor = await waitForSuccessor(this.#store, successorId, graceLeft, () => ({ now: this.#now() }));
    if (successor === undefined || successor.consumedAt !== undefined) return undefined;
    if (successor.revokedAt !== undefined) throw new TokenRevoked(`refresh token revoked (${successor.revokedReason ?? 'revoked'})`);
    const sealed = familyDataOf(successor)?.sealedPair;
    const pair = sealed === undefined ? undefined : seal.open(sealed, successor.id, parent.familyId);
    // The grace is checked again after the wait: the successor is never handed out after it.
    if (pair === undefined || this.#now() - consumedAt > this.#graceMs) return undefined;
    return pair;
  }

  async #revokeFamily(familyId: string, reason: string, now: number, subject?: string): Promise<RevocationOutcome> {
    const filter = subject === undefined ? { familyId } : { familyId, subject };
    const revoked = await this.#store.revokeWhere(filter, reason, { now });
    // Read-your-writes: this process refuses the family's access tokens at once; the others
    // learn it from the feed (per-id entries, or the store's own cutoff). Only when the store
    // revoked something: with a subject filter, nothing revoked means it was not that user's.
    if (revoked > 0) this.revocationFeedCheck?.noteFamilyRevoked(familyId, now, now + this.#mint.accessTtlMs);
    if (revoked > 0) this.#events?.emit('token.revoked', { time: now, subject, familyId, reason, count: revoked });
    return { familyId, revoked };
  }

  /** Revokes every token of the families whose refresh records `addSession` evicted. */
  async #revokeEvicted(subject: string, evictedIds: string[], now: number): Promise<void> {
    const families = [...new Set(evictedIds.map((id) => parseRefreshRecordId(id)?.familyId).filter((f): f is string => f !== undefined))];
    await Promise.all(families.map((familyId) => this.#revokeFamily(familyId, 'session_limit', now, subject)));
    this.#events?.emit('session.evicted', { time: now, subject, evicted: families });
  }

  #emitIssued(access: TokenRecord, refresh: TokenRecord, now: number): void {
    const events = this.#events;
    if (events === undefined || !events.has('token.issued')) return;
    const base = { time: now, subject: access.subject, clientId: access.clientId, familyId: access.familyId };
    events.emit('token.issued', { ...base, kind: 'access', tokenId: access.id });
    events.emit('token.issued', { ...base, kind: 'refresh', tokenId: refresh.id });
  }
}
