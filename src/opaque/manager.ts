/**
 * OpaqueTokenManager: server-side tokens on any TokenStore. The token is random text the client
 * holds; the store keeps only its SHA-256 and the record (user, scope, expiry, device, labels).
 * A token that is malformed, mistyped or (with a `secret`) forged is refused in memory, before any
 * store call, so a flood of guesses costs the database nothing.
 */
import { StorageError, StoreInputInvalid, TokenError } from '../jose/index.js';
import type { CjwtErrorCode } from '../jose/index.js';
import { TokenEvents } from '../lifecycle/events.js';
import type { TokenEventBase } from '../lifecycle/events.js';
import { MemoryTokenStore } from '../store/index.js';
import type { TokenRecord, TokenStore } from '../store/index.js';
import { feedCheckFor, type FeedRevocationCheck } from '../lifecycle/feed/feed-check.js';
import { durationMs, recordFor, storeFilterOf, tokenInfoOf } from './records.js';
import { RecordCache, revocationContextOfRecord, type CachedRecord } from './record-cache.js';
import { createOpaqueTokenFormat } from './token-format.js';
import type { OpaqueTokenFormat } from './token-format.js';
import type {
  InvalidOpaqueToken, OpaqueTokenFilter, OpaqueTokenList, OpaqueTokenManagerOptions, OpaqueTokenPage, OpaqueTokenRequest,
  OpaqueTokenResponse, RevokeTokenResult, TokenInfo, TokenReference, ValidateRequest, ValidateResult,
} from './types.js';

const DEFAULT_TTL = '24h';
const MESSAGES: Partial<Record<CjwtErrorCode, string>> = {
  ERR_TOKEN_MALFORMED: 'token is malformed',
  ERR_TOKEN_NOT_FOUND: 'token not found',
  ERR_TOKEN_EXPIRED: 'token has expired',
  ERR_TOKEN_REVOKED: 'token has been revoked',
  ERR_INSUFFICIENT_SCOPE: 'token lacks a required scope',
  ERR_TOKEN_ALREADY_REVOKED: 'token was already revoked',
};

/**
 * The refusal of each code, built once and frozen. A refusal is an expected outcome, not a bug:
 * it has no useful stack, and building an Error per refused token would cost more than refusing
 * a malformed or forged one does. The message never holds the token.
 */
const REFUSALS = new Map<CjwtErrorCode, TokenError>();
for (const [code, message] of Object.entries(MESSAGES) as Array<[CjwtErrorCode, string]>) {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    REFUSALS.set(code, Object.freeze(new TokenError(code, message)));
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The shared, frozen error of a refusal code. */
function tokenError(code: CjwtErrorCode): TokenError {
  return REFUSALS.get(code) as TokenError;
}

const MALFORMED: InvalidOpaqueToken = Object.freeze({ valid: false as const, error: tokenError('ERR_TOKEN_MALFORMED') });

/**
 * Issues, validates, lists and revokes opaque tokens.
 *
 * @example
 * const tokens = new OpaqueTokenManager();
 * const { token } = await tokens.generateToken({ userId: 'user123', scope: ['read'], ttl: '1h' });
 * const result = await tokens.validateToken({ token, requiredScopes: ['read'] });
 * if (result.valid) console.log(result.tokenInfo.userId); // 'user123'
 * await tokens.revokeToken(token, 'logout');
 */
export class OpaqueTokenManager {
  /** Lifecycle events (`token.issued`, `token.validated`, `token.rejected`, `token.revoked`). */
  readonly events: TokenEvents;
  /** The store the records live in. */
  readonly store: TokenStore;
  readonly #format: OpaqueTokenFormat;
  readonly #defaultTtlMs: number;
  readonly #now: () => number;
  readonly #ownsStore: boolean;
  #closed = false;
  /** Feed mode: the live records kept in memory (revocation always comes from the mirror). */
  readonly #records: RecordCache | undefined;
  /**
   * The feed-mode revocation check (`revocation: 'feed'`): `start()` warms the feed up, `stats()`
   * says where answers came from. Undefined in the round-trip mode.
   */
  readonly revocationFeedCheck: FeedRevocationCheck | undefined;

  /**
   * @throws {KeyTooWeak} for `length` under 16 bytes or a `secret` under 32 bytes.
   * @throws {RangeError} for a malformed `prefix` or `length`.
   */
  constructor(options: OpaqueTokenManagerOptions = {}) {
    this.#format = createOpaqueTokenFormat({ prefix: options.prefix, length: options.length, secret: options.secret });
    this.#defaultTtlMs = durationMs(options.defaultTtl ?? DEFAULT_TTL, 'defaultTtl');
    this.#now = options.now ?? Date.now;
    this.#ownsStore = options.store === undefined;
    this.store = options.store ?? new MemoryTokenStore();
    this.events = options.events ?? new TokenEvents();
    this.revocationFeedCheck = feedCheckFor(this.store, options.revocation, options.revocationFeed);
    this.#records = this.revocationFeedCheck === undefined ? undefined : new RecordCache(options.recordCache);
  }

  /**
   * The seed's `NewOpaqueTokenManagerWithStorage(storage, length, prefix)`. The caller keeps
   * ownership of the store: `close()` does not close it.
   *
   * @example const tokens = OpaqueTokenManager.withStorage(await RedisTokenStore.connect(url), 32, 'app_');
   */
  static withStorage(store: TokenStore, length?: number, prefix?: string): OpaqueTokenManager {
    return new OpaqueTokenManager({ store, length, prefix });
  }

  /**
   * Issues a token and stores its record (hash only). The response is the only place the token
   * ever appears.
   *
   * @throws {StoreInputInvalid} for a bad request (no user, expiry not in the future, ...).
   * @throws {StorageError} when the store fails; no token is handed out then.
   */
  async generateToken(request: OpaqueTokenRequest): Promise<OpaqueTokenResponse> {
    this.#assertOpen('put');
    const now = this.#now();
    const { token, hash } = this.#format.generate();
    const record = recordFor(request, hash, now, this.#defaultTtlMs);
    await this.store.put(record, { now });
    this.events.emit('token.issued', this.#eventOf(record, now));
    const response: OpaqueTokenResponse = {
      token, id: record.id, userId: record.subject, scope: record.scope ?? [], kind: record.kind,
      issuedAt: new Date(record.issuedAt), expiresAt: new Date(record.expiresAt),
    };
    if (record.clientId !== undefined) response.clientId = record.clientId;
    return response;
  }

  /**
   * Validates a token: format (and HMAC) in memory, then one `getByHash`. Resolves to
   * `{ valid: true, tokenInfo }` or `{ valid: false, error }` with `error.code` one of
   * `ERR_TOKEN_MALFORMED`, `ERR_TOKEN_NOT_FOUND`, `ERR_TOKEN_REVOKED`, `ERR_TOKEN_EXPIRED`,
   * `ERR_INSUFFICIENT_SCOPE`. Revoked is reported before expired.
   *
   * @throws {StorageError} when the store fails: a failure is never "valid".
   * @throws {StoreInputInvalid} when `requiredScopes` is not an array of strings.
   */
  validateToken(input: string | ValidateRequest): Promise<ValidateResult> {
    // Not an async function: the hot path is one store promise and one `then`, no extra await.
    if (this.#closed) return Promise.reject(this.#closedError('getByHash'));
    const token = typeof input === 'string' ? input : input?.token;
    if (typeof token !== 'string' || !this.#format.check(token)) return Promise.resolve(this.#reject('ERR_TOKEN_MALFORMED'));
    const hash = this.#format.hash(token);
    const now = this.#now();
    const required = typeof input === 'string' ? undefined : input.requiredScopes;
    if (required !== undefined && (!Array.isArray(required) || required.some((scope) => typeof scope !== 'string'))) {
      return Promise.reject(new StoreInputInvalid('requiredScopes must be an array of strings'));
    }
    const feed = this.revocationFeedCheck;
    if (feed !== undefined) return this.#validateWithFeed(feed, hash, required, now);
    return this.store.getByHash(hash, { now }).then((record) => this.#decide(record, required, hash, now));
  }

  /** Feed mode: a cached record and the mirror's verdict, or the store's record on a miss. */
  #validateWithFeed(feed: FeedRevocationCheck, hash: string, required: string[] | undefined, now: number): Promise<ValidateResult> {
    const hit = this.#records!.get(hash, now);
    if (hit !== undefined) {
      const answer = feed.answer(hit.record.id, hit.context);
      if (answer === true) return Promise.resolve(this.#revokedByFeed(hit.record, hash, now));
      if (answer === false) return Promise.resolve(this.#decide(hit.record, required, hash, now));
      return this.#resolveHit(feed, hit, hash, required, now);
    }
    return this.store.getByHash(hash, { now }).then((record) => {
      if (record !== undefined && record.revokedAt === undefined) {
        // The record is current; the mirror may still hold a cutoff it predates (stateless revoke-all).
        if (feed.answer(record.id, revocationContextOfRecord(record)) === true) return this.#revokedByFeed(record, hash, now);
        this.#records!.set(hash, record, now);
        feed.prestart();
      }
      return this.#decide(record, required, hash, now);
    });
  }

  /** A hit the mirror could not answer (stale, not started): the feed's fallback decides. */
  async #resolveHit(feed: FeedRevocationCheck, hit: CachedRecord, hash: string, required: string[] | undefined, now: number): Promise<ValidateResult> {
    const fresh: { fetched: boolean; record?: TokenRecord } = { fetched: false };
    const revoked = await feed.resolve(hit.record.id, hit.context, async () => {
      const record = await this.store.getByHash(hash, { now });
      fresh.fetched = true;
      if (record !== undefined) fresh.record = record;
      return record?.revokedAt !== undefined;
    });
    if (fresh.fetched) {
      // The store's answer is the newest there is: it replaces the cached record (or its absence does).
      this.#records!.delete(hash);
      if (fresh.record !== undefined) this.#records!.set(hash, fresh.record, now);
      return this.#decide(fresh.record, required, hash, now);
    }
    return revoked ? this.#revokedByFeed(hit.record, hash, now) : this.#decide(hit.record, required, hash, now);
  }

  /** The mirror says revoked: the record's facts, marked revoked (the time is the store's to tell). */
  #revokedByFeed(record: TokenRecord, hash: string, now: number): ValidateResult {
    this.#records!.delete(hash);
    const refused = this.#reject('ERR_TOKEN_REVOKED', record, hash, now);
    return refused.tokenInfo === undefined ? refused : { ...refused, tokenInfo: { ...refused.tokenInfo, status: 'revoked' } };
  }

  /** The answer for the record a valid-looking token found (or did not). */
  #decide(record: TokenRecord | undefined, required: string[] | undefined, hash: string, now: number): ValidateResult {
    // A refresh token is never a bearer credential, even when it shares this prefix and store: it
    // is only ever spent through rotation.
    if (record === undefined || record.kind === 'refresh') return this.#reject('ERR_TOKEN_NOT_FOUND', undefined, hash);
    if (record.revokedAt !== undefined) return this.#reject('ERR_TOKEN_REVOKED', record, hash, now);
    if (record.expiresAt <= now) return this.#reject('ERR_TOKEN_EXPIRED', record, hash, now);
    if (required !== undefined && required.length > 0) {
      const granted = record.scope ?? [];
      if (!required.every((scope) => granted.includes(scope))) return this.#reject('ERR_INSUFFICIENT_SCOPE', record, hash, now);
    }
    if (this.events.has('token.validated')) this.events.emit('token.validated', this.#eventOf(record, now));
    return { valid: true, tokenInfo: tokenInfoOf(record, now) };
  }

  /**
   * What the store knows of a token, by the token or its id, whatever its status (revoked
   * tokens show `revokedAt` and `revokedReason`); undefined when unknown or malformed.
   *
   * @throws {StorageError} when the store fails.
   */
  async getTokenInfo(ref: TokenReference): Promise<TokenInfo | undefined> {
    this.#assertOpen('get');
    const now = this.#now();
    const found = await this.#find(ref, now);
    return found.record === undefined ? undefined : tokenInfoOf(found.record, now);
  }

  /**
   * Revokes one token, named by the token itself or by its record id. A revoked token is refused
   * by `validateToken` with `ERR_TOKEN_REVOKED`, and its `revokedReason` stays visible.
   *
   * @throws {StorageError} when the store fails.
   */
  async revokeToken(ref: TokenReference, reason?: string): Promise<RevokeTokenResult> {
    this.#assertOpen('revoke');
    const now = this.#now();
    const found = await this.#find(ref, now);
    if (found.record === undefined) return { success: false, error: tokenError(found.malformed ? 'ERR_TOKEN_MALFORMED' : 'ERR_TOKEN_NOT_FOUND') };
    const { record } = found;
    const result = await this.store.revoke(record.id, reason, { now });
    if (!result.revoked) {
      if (result.reason === 'not_found') return { success: false, error: tokenError('ERR_TOKEN_NOT_FOUND'), id: record.id };
      return { success: false, error: tokenError('ERR_TOKEN_ALREADY_REVOKED'), id: record.id, revokedAt: new Date(result.revokedAt) };
    }
    if (record.hash !== undefined) this.#records?.delete(record.hash);
    this.revocationFeedCheck?.noteRevoked(record.id, record.expiresAt);
    this.events.emit('token.revoked', { ...this.#eventOf(record, now), ...(reason === undefined ? {} : { reason }) });
    return { success: true, id: record.id, revokedAt: new Date(result.revokedAt) };
  }

  /**
   * Revokes every not-yet-revoked token of the user in the store ("log out everywhere"); resolves
   * to how many were revoked.
   *
   * @throws {StorageError} when the store fails.
   */
  async revokeAllUserTokens(userId: string, reason = 'revoke_all'): Promise<number> {
    this.#assertOpen('revokeWhere');
    const now = this.#now();
    const count = await this.store.revokeWhere(storeFilterOf({ userId }), reason, { now });
    this.events.emit('token.revoked', { time: now, subject: userId, reason, count });
    return count;
  }

  /**
   * One page of the tokens matching the filter (user, client, kind, status, tags, labels,
   * device), oldest first.
   *
   * @throws {StoreInputInvalid} for a malformed filter, cursor or limit.
   * @throws {StorageError} when the store fails.
   */
  async listTokens(filter: OpaqueTokenFilter = {}, page: OpaqueTokenPage = {}): Promise<OpaqueTokenList> {
    this.#assertOpen('list');
    const now = this.#now();
    const result = await this.store.list(storeFilterOf(filter), page, { now });
    const list: OpaqueTokenList = { tokens: result.records.map((record) => tokenInfoOf(record, now)) };
    if (result.nextCursor !== undefined) list.nextCursor = result.nextCursor;
    return list;
  }

  /**
   * How many tokens match the filter.
   *
   * @throws {StorageError} when the store fails.
   */
  async countTokens(filter: OpaqueTokenFilter = {}): Promise<number> {
    this.#assertOpen('count');
    return this.store.count(storeFilterOf(filter), { now: this.#now() });
  }

  /**
   * Removes records whose expiry (plus the store's revocation retention) has passed; resolves to
   * how many. Stores also expire records by themselves; this is for an explicit sweep.
   *
   * @throws {StorageError} when the store fails.
   */
  async cleanupExpiredTokens(): Promise<number> {
    this.#assertOpen('cleanup');
    const now = this.#now();
    return this.store.cleanup(now, { now });
  }

  /** Stops the manager; closes the store only when the manager created it (the memory default). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.revocationFeedCheck?.close();
    if (this.#ownsStore) await this.store.close();
  }

  /** The record a reference names, or why there is none (no store call for a malformed token). */
  async #find(ref: TokenReference, now: number): Promise<{ record?: TokenRecord; malformed: boolean }> {
    if (ref !== null && typeof ref === 'object' && 'id' in ref && typeof ref.id === 'string') {
      return { record: await this.store.get(ref.id, { now }), malformed: false };
    }
    const token = typeof ref === 'string' ? ref : (ref as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || !this.#format.check(token)) return { malformed: true };
    return { record: await this.store.getByHash(this.#format.hash(token), { now }), malformed: false };
  }

  #reject(code: CjwtErrorCode, record?: TokenRecord, hash?: string, now?: number): InvalidOpaqueToken {
    if (this.events.has('token.rejected')) {
      const time = now ?? this.#now();
      const base: TokenEventBase = record === undefined ? { time } : this.#eventOf(record, time);
      if (record === undefined && hash !== undefined) base.hashPrefix = hash.slice(0, 8);
      this.events.emit('token.rejected', { ...base, code });
    }
    if (record === undefined) return code === 'ERR_TOKEN_MALFORMED' ? MALFORMED : { valid: false, error: tokenError(code) };
    return { valid: false, error: tokenError(code), tokenInfo: tokenInfoOf(record, now ?? this.#now()) };
  }

  #eventOf(record: TokenRecord, now: number): TokenEventBase {
    const event: TokenEventBase = { time: now, kind: record.kind, tokenId: record.id, subject: record.subject };
    if (record.clientId !== undefined) event.clientId = record.clientId;
    return event;
  }

  #assertOpen(op: string): void {
    if (this.#closed) throw this.#closedError(op);
  }

  #closedError(op: string): StorageError {
    return new StorageError({ op, detail: 'the token manager is closed' });
  }
}
