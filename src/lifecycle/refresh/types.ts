/**
 * Options and results of {@link TokenPairIssuer}: access/refresh pairs with refresh-token rotation
 * (RFC 9700 §4.14.2). A *family* is one login session: every pair issued from one login by
 * rotation shares its `familyId`.
 */
import type { JWTManager } from '../../jwt/index.js';
import type { SessionLimitPolicy, TokenDevice, TokenStore } from '../../store/index.js';
import type { TokenEvents } from '../events.js';
import type { FeedModeOptions, RevocationMode } from '../feed/feed-check.js';

/** A duration: seconds, or a string such as `'15m'`, `'30d'`. */
export type Duration = number | string;

/** Constructor options of {@link TokenPairIssuer}. */
export interface TokenPairIssuerOptions {
  /**
   * Signs the access tokens: plain JWS, or nested sign-then-encrypt JWE when the manager is
   * configured with `encryption`. Its `issuer`, `audience` and `typ` apply to access tokens.
   */
  jwt: JWTManager;
  /** Where access token ids and refresh token hashes live; shared by every server. */
  store: TokenStore;
  /** Access token lifetime. Default `'15m'`. */
  accessTtl?: Duration;
  /** Lifetime of one refresh token (it is replaced at every refresh). Default `'30d'`. */
  refreshTtl?: Duration;
  /**
   * A refresh token not exchanged within this time expires (the session went idle). Default:
   * `refreshTtl`. A refresh token lives `min(refreshTtl, idleTimeout)`, never past the family's end.
   */
  idleTimeout?: Duration;
  /** Absolute lifetime of a family from its login, whatever the refreshes. Default `'90d'`. */
  familyMaxLifetime?: Duration;
  /**
   * Milliseconds after a rotation during which presenting the just-rotated refresh token again
   * returns the same successor pair instead of revoking the family (two tabs refreshing at once,
   * a response lost on the network). Default 0: any reuse revokes the family. Needs `secret`.
   */
  reuseGraceMs?: number;
  /** Live families per subject; absent or 0: unlimited. */
  maxUserSessions?: number;
  /** What a login past `maxUserSessions` does. Default `'reject'`. */
  sessionLimitPolicy?: SessionLimitPolicy;
  /**
   * Prefix of refresh tokens (`<prefix>_<random base62>[HMAC]<CRC32>`, the `cjwt/opaque` format),
   * so secret scanners can find leaked ones: 1-32 characters `[A-Za-z0-9_]` starting with a
   * letter. Default `'rt'`.
   */
  refreshTokenPrefix?: string;
  /**
   * Server secret (at least 32 bytes), the same on every server: it seals successor pairs during
   * the reuse grace and lets forged refresh tokens be refused without a store round trip.
   */
  secret?: string | Uint8Array;
  /** Receives token.issued, token.refreshed, refresh.reuse_detected, token.revoked, session.* events. */
  events?: TokenEvents;
  /** Clock in epoch milliseconds (tests). Default `Date.now`. Give the JWTManager the same clock. */
  now?: () => number;
  /**
   * How `verifyAccessToken` learns of revocations: `'store'` (default) reads the access token's
   * record on every call; `'feed'` asks the in-process mirror of the store's revocations (the
   * token's jti, and cutoffs by `sub` and by family through `sid`), no round trip while it is
   * within its bound. In the feed mode a token is not looked up, so one that verifies and is not
   * revoked is accepted even if its record was deleted. `close()` releases the feed.
   */
  revocation?: RevocationMode;
  /** Settings of `revocation: 'feed'`: a shared feed, the staleness bound, `whenStale`, the Redis URL. */
  revocationFeed?: FeedModeOptions;
}

/** Input of {@link TokenPairIssuer.issueTokenPair}: one login. */
export interface IssueTokenPairInput {
  /** The user (`sub`). */
  subject: string;
  /** The client the tokens are for (`client_id` claim). */
  clientId?: string;
  /** Granted scope: a space-separated string or a list (`scope` claim, space-separated). */
  scope?: string | string[];
  /** Device facts shown by {@link TokenPairIssuer.listSessions}. */
  device?: TokenDevice;
  /** Extra access token claims, kept for every pair of the family. Registered names, `sid`, `client_id` and `scope` are refused. */
  claims?: Record<string, unknown>;
  /** Labels recorded with the session (filterable in the store). */
  labels?: Record<string, string>;
  /** Tags recorded with the session (filterable in the store). */
  tags?: string[];
}

/** An access/refresh pair. */
export interface TokenPair {
  /** JWT (or nested JWE) for the resource servers; carries `sid` = familyId. */
  accessToken: string;
  /** Opaque token for the token endpoint only; stored as its SHA-256. */
  refreshToken: string;
  /** Epoch milliseconds. */
  accessExpiresAt: number;
  /** Epoch milliseconds. */
  refreshExpiresAt: number;
  /** The login session every pair of this login shares. */
  familyId: string;
  /** The session id: the same as `familyId` (a family is one login session). */
  sessionId: string;
}

/** One live login session, as {@link TokenPairIssuer.listSessions} reports it. */
export interface RefreshSession {
  /** Id to pass to `revokeSession`. */
  familyId: string;
  subject: string;
  clientId?: string;
  scope?: string[];
  device?: TokenDevice;
  labels?: Record<string, string>;
  tags?: string[];
  /** Login time, epoch milliseconds. */
  issuedAt: number;
  /** Time of the last refresh; absent when the session was never refreshed. */
  lastRefreshedAt?: number;
  /** How many times the session was refreshed. */
  refreshCount: number;
  /** When the current refresh token expires unless used. */
  expiresAt: number;
  /** The family's absolute end. */
  familyExpiresAt: number;
}

/** Outcome of `logout`, `revokeSession` and `revokeAllSessions`. */
export interface RevocationOutcome {
  /** The family that was revoked (logout and revokeSession). */
  familyId?: string;
  /** Records (refresh and access tokens) this call revoked. */
  revoked: number;
}
