/**
 * The token store contract. Every backend (memory, SQLite, Redis, PostgreSQL, MySQL, or your own)
 * implements {@link TokenStore} with exactly these semantics; `test/store/conformance.ts` is the
 * executable form of this page and runs unchanged against each backend.
 *
 * Times are whole epoch milliseconds (safe integers; a fraction is refused, since not every
 * database column can hold one). A record is *live* when it is not revoked and `expiresAt > now`.
 */

/** Device facts recorded with a session. */
export interface TokenDevice {
  id?: string;
  userAgent?: string;
  platform?: string;
  ip?: string;
}

/** One stored token: the jti of a JWT, or an opaque/refresh token known only by its hash. */
export interface TokenRecord {
  /** jti of a JWT, or a random id for an opaque token. Unique. */
  id: string;
  /** SHA-256 (base64url) of an opaque or refresh token. Unique when present. */
  hash?: string;
  kind: 'access' | 'refresh' | 'opaque' | (string & {});
  /** The user. */
  subject: string;
  clientId?: string;
  /** Refresh-token rotation chain. */
  familyId?: string;
  parentId?: string;
  scope?: string[];
  issuedAt: number;
  expiresAt: number;
  revokedAt?: number;
  revokedReason?: string;
  /** Set by {@link TokenStore.consume}: when the (refresh) token was used. */
  consumedAt?: number;
  device?: TokenDevice;
  labels?: Record<string, string>;
  tags?: string[];
  data?: Record<string, unknown>;
}

/** Status of a record at a given time. */
export type TokenStatus = 'active' | 'revoked' | 'expired';

/**
 * A conjunction of conditions; an absent field does not filter. All string matches are exact.
 * `tags` matches records that carry every listed tag; `labels` every listed key with that value.
 */
export interface TokenFilter {
  subject?: string;
  clientId?: string;
  kind?: string;
  familyId?: string;
  /** `revoked` wins over `expired`: a revoked record whose time also ran out is `revoked`. */
  status?: TokenStatus;
  tags?: string[];
  labels?: Record<string, string>;
  deviceId?: string;
}

/**
 * Paging: records are ordered by `issuedAt` ascending, then `id` ascending by Unicode code point
 * (= UTF-8 byte order, what binary SQL columns give). A bad cursor or a limit below 1 rejects
 * with `StoreInputInvalid` (`ERR_STORE_INVALID_INPUT`).
 */
export interface TokenPage {
  /** At most this many records (default 100, max 1000). */
  limit?: number;
  /** Opaque cursor returned as `nextCursor` by the previous call. */
  cursor?: string;
}

/** One page of records and the cursor for the next, absent on the last page. */
export interface TokenPageResult {
  records: TokenRecord[];
  nextCursor?: string;
}

/** What `addSession` does when the subject already has `max` live sessions. */
export type SessionLimitPolicy = 'reject' | 'evict-oldest';

/** Outcome of {@link TokenStore.addSession}. */
export type AddSessionResult =
  | { added: true; evicted: string[] }
  | { added: false; reason: 'max_sessions_exceeded'; live: number };

/** Outcome of {@link TokenStore.consume}. */
export type ConsumeResult =
  | { consumed: true; record: TokenRecord }
  | { consumed: false; reason: 'already_consumed'; consumedAt: number; record: TokenRecord }
  | { consumed: false; reason: 'not_found' | 'expired' | 'revoked'; record?: TokenRecord };

/** Outcome of {@link TokenStore.revoke}. */
export type RevokeResult =
  | { revoked: true; revokedAt: number }
  | { revoked: false; reason: 'already_revoked'; revokedAt: number }
  | { revoked: false; reason: 'not_found' };

/** Options every call accepts. */
export interface StoreCallOptions {
  /** Aborts the call; the store rejects with a StorageError whose cause is the abort reason. */
  signal?: AbortSignal;
  /** The time to evaluate liveness at (tests), floored to whole milliseconds; defaults to `Date.now()`. */
  now?: number;
}

/** Options shared by all backends' constructors. */
export interface TokenStoreOptions {
  /**
   * How long a revocation is remembered after the token's expiry, in ms (default 7 days), so a
   * replayed token is reported revoked rather than unknown while clocks or caches disagree.
   */
  revocationRetentionMs?: number;
  /** Per-call timeout in ms when the caller gives no signal (default 5000). */
  operationTimeoutMs?: number;
}

/**
 * A store of token records with atomic lifecycle operations.
 *
 * Rules every implementation keeps (the conformance suite checks each):
 * - Failures of the backend reject with `StorageError` (from `cjwt`), never resolve to a default.
 * - `get`/`getByHash` return expired or revoked records too (callers need `revokedAt` to tell
 *   "revoked" from "unknown"); use `isLive` or `isRevoked` to decide validity. They return
 *   `undefined` only for records that do not exist or were removed by `cleanup`/expiry.
 * - Records are retained until `expiresAt + revocationRetentionMs`; after that they may vanish.
 * - Strings (ids, subjects, labels) are stored and matched byte-exactly, whatever they contain.
 * - Bad input (malformed record, filter, cursor, limit, max) rejects with `StoreInputInvalid`.
 * - Shared helpers for implementations: `src/store/record-codec.ts`.
 */
export interface TokenStore {
  /** Backend name for logs and metrics, e.g. `redis`. */
  readonly backend: string;

  /**
   * Inserts or replaces a record by id. A different record with the same `hash` rejects with
   * `StoreConflict` (`ERR_STORE_CONFLICT`); a malformed record with `StoreInputInvalid`.
   * Revocation and consumption are one-way: replacing a stored record keeps its `revokedAt`,
   * `revokedReason` and `consumedAt` (the new version's own values apply only where the stored
   * one has none), so no new version of a revoked or used token can make it live again. The same
   * holds for `addSession`.
   */
  put(record: TokenRecord, options?: StoreCallOptions): Promise<void>;
  /** The record with this id, or undefined. */
  get(id: string, options?: StoreCallOptions): Promise<TokenRecord | undefined>;
  /** The record with this token hash, or undefined. The hot path of opaque validation. */
  getByHash(hash: string, options?: StoreCallOptions): Promise<TokenRecord | undefined>;
  /** Removes the record; resolves true when it existed. */
  delete(id: string, options?: StoreCallOptions): Promise<boolean>;

  /** Records matching the filter, one page at a time, in `issuedAt`, `id` order. */
  list(filter: TokenFilter, page?: TokenPage, options?: StoreCallOptions): Promise<TokenPageResult>;
  /** Number of records matching the filter. */
  count(filter: TokenFilter, options?: StoreCallOptions): Promise<number>;

  /** Marks the record revoked (at `options.now`); a second call reports `already_revoked`. */
  revoke(id: string, reason?: string, options?: StoreCallOptions): Promise<RevokeResult>;
  /**
   * True when the record is revoked. False for a live record. For an unknown id: false (a store
   * is not an allowlist; JWTs it never saw are not revoked). Never false for a revoked record
   * still within its retention window.
   */
  isRevoked(id: string, options?: StoreCallOptions): Promise<boolean>;
  /** Revokes every not-yet-revoked record matching the filter; resolves to how many it revoked. */
  revokeWhere(filter: TokenFilter, reason?: string, options?: StoreCallOptions): Promise<number>;

  /**
   * Atomically (across processes) counts the subject's live records of `record.kind` and inserts
   * `record`. At `max` or more live sessions: `reject` inserts nothing; `evict-oldest` revokes
   * (reason `session_limit`) the oldest by `issuedAt` until one slot is free, then inserts.
   */
  addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, options?: StoreCallOptions): Promise<AddSessionResult>;
  /**
   * Atomically marks the record with this hash consumed (sets `consumedAt`; status is unchanged).
   * Exactly one concurrent caller gets `consumed: true`; the others get `already_consumed` with
   * the time of the first use. A consumed record reports `already_consumed` even when it was
   * revoked or expired since (reuse must stay recognisable); otherwise a revoked record reports
   * `revoked`, an expired one `expired`, an unknown hash `not_found`.
   */
  consume(hash: string, options?: StoreCallOptions): Promise<ConsumeResult>;

  /** Removes records whose `expiresAt + revocationRetentionMs <= now`; resolves to how many. */
  cleanup(now?: number, options?: StoreCallOptions): Promise<number>;
  /** Releases connections and timers. Calls after close reject with StorageError. */
  close(): Promise<void>;
}
