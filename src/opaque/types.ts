/**
 * The request and result types of OpaqueTokenManager (the opaque seed's API in TypeScript names).
 * Times given as numbers are epoch seconds, as in JWTManager; results carry `Date`s.
 */
import type { KeyObject } from 'node:crypto';
import type { CjwtError } from '../jose/index.js';
import type { TokenEvents } from '../lifecycle/events.js';
import type { FeedModeOptions, RevocationMode } from '../lifecycle/feed/feed-check.js';
import type { RecordCacheOptions } from './record-cache.js';
import type { TokenDevice, TokenStatus, TokenStore } from '../store/index.js';

/** Constructor options of OpaqueTokenManager. */
export interface OpaqueTokenManagerOptions {
  /** Where records live. Default: a new in-memory store, closed by `close()`. */
  store?: TokenStore;
  /** Bytes of randomness per token: 16 to 128, default 32 (256 bits). Under 16 is refused. */
  length?: number;
  /** Token prefix before `_` (default `cjwt`), so secret scanners can recognise leaked tokens. */
  prefix?: string;
  /**
   * HMAC key (32 bytes or more). Tokens then carry a truncated HMAC and forged ones are refused
   * in memory, before any store call. All validating servers need the same secret.
   */
  secret?: Uint8Array | string | KeyObject;
  /** Lifetime when a request gives neither `expiresAt` nor `ttl`: seconds or `'24h'`. Default `'24h'`. */
  defaultTtl?: number | string;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Where lifecycle events go; default a new emitter, exposed as `manager.events`. */
  events?: TokenEvents;
  /**
   * How `validateToken` learns of revocations: `'store'` (default) reads the record from the
   * store on every call; `'feed'` keeps live records in memory (`recordCache`) and asks the
   * revocation feed's mirror on every hit (ids, and per-user and per-family cutoffs), so a
   * repeated token costs no round trip while the mirror is within its bound. `close()` releases
   * the feed.
   */
  revocation?: RevocationMode;
  /** Settings of `revocation: 'feed'`: a shared feed, the staleness bound, `whenStale`, the Redis URL. */
  revocationFeed?: FeedModeOptions;
  /** The feed mode's record cache (default 10,000 records, each served from memory at most 60 s). */
  recordCache?: RecordCacheOptions;
}

/** Input of `generateToken`. */
export interface OpaqueTokenRequest {
  /** The user the token is for. */
  userId: string;
  clientId?: string;
  scope?: string[];
  /** Absolute expiry (`Date` or epoch seconds); default now + `ttl` or the manager's `defaultTtl`. */
  expiresAt?: Date | number;
  /** Lifetime (seconds or `'15m'`) instead of `expiresAt`. */
  ttl?: number | string;
  /** Application data returned with the token info (stored as JSON). */
  customData?: Record<string, unknown>;
  device?: TokenDevice;
  labels?: Record<string, string>;
  tags?: string[];
  /** Record kind; default `opaque`. */
  kind?: string;
}

/** What every view of a stored token tells: who it is for, what it allows, when it lives. */
export interface TokenFacts {
  /** Record id: list, look up and revoke by it without the token. */
  id: string;
  userId: string;
  clientId?: string;
  scope: string[];
  kind: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** An issued token: the only time the token itself is visible. */
export interface OpaqueTokenResponse extends TokenFacts {
  /** Give this to the client; the store keeps only its SHA-256. */
  token: string;
}

/** What is known about a stored token (never the token). */
export interface TokenInfo extends TokenFacts {
  /** Status at the time of the call: `revoked` wins over `expired`. */
  status: TokenStatus;
  revokedAt?: Date;
  revokedReason?: string;
  customData?: Record<string, unknown>;
  device?: TokenDevice;
  labels?: Record<string, string>;
  tags?: string[];
}

/** Input of `validateToken` in its object form. */
export interface ValidateRequest {
  token: string;
  /** Every one of these must be in the token's scope, else `ERR_INSUFFICIENT_SCOPE`. */
  requiredScopes?: string[];
}

/** A token that is live and has the required scopes. */
export interface ValidOpaqueToken {
  readonly valid: true;
  readonly tokenInfo: TokenInfo;
}

/**
 * A refused token. `error.code` is `ERR_TOKEN_MALFORMED`, `ERR_TOKEN_NOT_FOUND`,
 * `ERR_TOKEN_EXPIRED`, `ERR_TOKEN_REVOKED` or `ERR_INSUFFICIENT_SCOPE`. `tokenInfo` is present when
 * the token matched a record (expired, revoked, insufficient scope), e.g. for `revokedReason`.
 */
export interface InvalidOpaqueToken {
  readonly valid: false;
  readonly error: CjwtError;
  readonly tokenInfo?: TokenInfo;
}

/** Result of `validateToken`. A store failure is not a result: it rejects with StorageError. */
export type ValidateResult = ValidOpaqueToken | InvalidOpaqueToken;

/** Which token `revokeToken` and `getTokenInfo` mean: the token itself or its record id. */
export type TokenReference = string | { token: string } | { id: string };

/** Result of `revokeToken`. */
export type RevokeTokenResult =
  | { readonly success: true; readonly id: string; readonly revokedAt: Date }
  /** `ERR_TOKEN_MALFORMED`, `ERR_TOKEN_NOT_FOUND` or `ERR_TOKEN_ALREADY_REVOKED` (with `revokedAt`). */
  | { readonly success: false; readonly error: CjwtError; readonly id?: string; readonly revokedAt?: Date };

/** Filter of `listTokens` / `countTokens`; an absent field does not filter. */
export interface OpaqueTokenFilter {
  userId?: string;
  clientId?: string;
  kind?: string;
  status?: TokenStatus;
  /** Tokens carrying every one of these tags. */
  tags?: string[];
  /** Tokens carrying every one of these labels with these values. */
  labels?: Record<string, string>;
  deviceId?: string;
}

/** Paging of `listTokens`: ordered by issue time, then id. */
export interface OpaqueTokenPage {
  /** At most this many (default 100, max 1000). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of `listTokens`. */
export interface OpaqueTokenList {
  tokens: TokenInfo[];
  /** Absent on the last page. */
  nextCursor?: string;
}
