/**
 * Configuration and result types of JWTManager.
 */
import type { KeyObject } from 'node:crypto';
import type { JWSAlgorithm } from '../jose/algorithms.js';
import type { CjwtError } from '../jose/errors.js';
import type { ContentEncryptionAlgorithm, KeyManagementAlgorithm } from '../jose/jwe/jwe.js';
import type { JWTClaims } from '../jose/jwt/jwt.js';
import type { JWK } from '../jose/jwk/keys.js';
import type { KeyInfo, KeyRing } from '../keys/key-ring.js';
import type { AuditLogOptions } from '../lifecycle/audit.js';
import type { ClaimsCache, ClaimsCacheOptions } from '../lifecycle/claims-cache.js';
import type { TokenEvents } from '../lifecycle/events.js';
import type { ValidationChain } from '../lifecycle/validation-chain.js';
import type { FeedModeOptions, RevocationMode } from '../lifecycle/feed/feed-check.js';
import type { SessionLimitPolicy, TokenDevice, TokenStore } from '../store/index.js';

/** A signing key as the manager accepts it: a `KeyObject`, a PEM string, a JWK, or HMAC secret bytes. */
export type KeyInput = KeyObject | string | JWK | Uint8Array;

/**
 * An encryption key as the manager accepts it: a `KeyObject`, a PEM string, a JWK, or secret
 * bytes. Passwords (PBES2) are not accepted: their key derivation would dominate every call.
 */
export type EncryptionKeyInput = KeyObject | string | JWK | Uint8Array;

/**
 * Encrypted tokens: every issued JWS is encrypted into a nested JWE (`cty: "JWT"`), and
 * verification accepts only such tokens.
 */
export interface TokenEncryptionConfig {
  /** The recipient's public key, or the secret, tokens are encrypted to (a private key encrypts to its public half). */
  key: EncryptionKeyInput;
  /** Private key or secret `verifyToken` decrypts with. Default: `key` when it is a private key or a secret. */
  decryptionKey?: EncryptionKeyInput;
  /** Key management algorithm. Default from the key: ECDH-ES+A256KW (EC, X25519/X448), RSA-OAEP-256 (RSA), dir (secret). */
  alg?: KeyManagementAlgorithm;
  /** Content encryption. Default A256GCM (for `dir`, the mode whose key length the secret has). */
  enc?: ContentEncryptionAlgorithm;
  /** Outer header `kid`. Default: the JWK's `kid`, else the RFC 7638 thumbprint of a public key; none for a secret. */
  kid?: string;
}

/** JWTManager configuration (the JWT provider seed's options, TypeScript names). */
export interface JWTManagerConfig {
  /** Signing algorithm. Default: from the key (RS256, ES256, HS256, EdDSA); ES256 when a key is generated. */
  algorithm?: JWSAlgorithm;
  /** Lifetime of issued tokens: seconds or `'15m'`. Default `'1h'`. */
  defaultTtl?: number | string;
  /** `iss` of issued tokens, and the issuer verification expects. */
  issuer?: string;
  /** `aud` of issued tokens, and the audience(s) verification accepts. */
  audience?: string | string[];
  /** Tokens must carry `iss` (matching `issuer` when set). Default: true when `issuer` is set. */
  requireIssuer?: boolean;
  /** Tokens must carry `aud` (intersecting `audience` when set). Default: true when `audience` is set. */
  requireAudience?: boolean;
  /** `kid` of the signing key (default: RFC 7638 thumbprint; for a secret, a truncated HMAC of a fixed label under it, the same on every server). */
  keyId?: string;
  /** Largest accepted (and issued) token, in characters. Default 8192. */
  maxTokenSize?: number;
  /** Allowed clock skew for exp/nbf: seconds or `'30s'`. Default 0. */
  clockTolerance?: number | string;
  /** Header `typ` of issued tokens. Default `JWT`. */
  typ?: string;
  /** Verify tokens without `kid` (by alg). Default false. */
  allowKidless?: boolean;
  /** Count issuing and verification. Default true. */
  metrics?: boolean;
  /** Time one call in this many for the latency summaries (counters stay exact). Default 16; 1 times every call. */
  latencySampleEvery?: number;
  /** Audit log options, or false for none. Default: in memory, 1000 entries. */
  audit?: AuditLogOptions | false;
  /** Which verifications to audit. Default `'all'`. */
  auditVerifications?: 'all' | 'failures' | 'none';
  /**
   * Clock in epoch milliseconds, for tests. Default `Date.now` (or the KeyRing's clock). With
   * `keyRing`, give the ring the same clock: key retirement follows the ring's clock.
   */
  now?: () => number;
  /** Issue and accept only encrypted (nested JWE) tokens. Default: none, tokens are plain JWS. */
  encryption?: TokenEncryptionConfig;
  /**
   * Token store for revocation, session tracking and session limits. With a store,
   * `verifyToken` asks it whether the token's `jti` is revoked (a store failure rejects with
   * StorageError, never resolves valid) and tokens without `jti` are refused. Default: none, the
   * stateless path.
   */
  store?: TokenStore;
  /**
   * How `verifyToken` checks revocation (needs `store`): `'store'` (default) asks the store on
   * every call; `'feed'` answers from an in-process mirror of the store's revocations, kept
   * current by the store's log or stream, with no round trip while the mirror is within
   * `revocationFeed.maxStalenessMs` (per-subject and per-family cutoffs apply through `sub`,
   * `iat` and `sid`). Call `close()` to release the feed.
   */
  revocation?: RevocationMode;
  /** Settings of `revocation: 'feed'`: a shared feed, the staleness bound, `whenStale`, the Redis URL. */
  revocationFeed?: FeedModeOptions;
  /** Record every issued token as a session of its subject (needs `store`). Default false. */
  trackUserTokens?: boolean;
  /** Most live sessions per user (needs `store`; implies tracking). Default 0 = unlimited. */
  maxUserSessions?: number;
  /** At the limit: refuse the login (`ERR_MAX_SESSIONS_EXCEEDED`) or revoke the oldest session. Default `'reject'`. */
  sessionLimitPolicy?: SessionLimitPolicy;
  /** Event emitter to publish on (share one between managers). Default: a new one per manager. */
  events?: TokenEvents;
  /**
   * Cache verified claims by the token's SHA-256 (see ClaimsCache): a `ClaimsCache` (shareable),
   * its options, or true for the defaults. Revocation is still checked on every hit. Default none.
   */
  claimsCache?: ClaimsCache | ClaimsCacheOptions | boolean;
  /**
   * Policy rules run on every token that verified (cache hits too): a failure refuses it with
   * `ERR_VALIDATION_FAILED` listing every failed rule. Default none.
   */
  validationChain?: ValidationChain;
}

/** Constructor input: the configuration plus a key or a key ring (neither: a key is generated). */
export interface JWTManagerInit extends JWTManagerConfig {
  key?: KeyInput;
  keyRing?: KeyRing;
}

/** Options of `generateToken`. Times are `Date`s or epoch seconds. */
export interface GenerateTokenOptions {
  issuer?: string;
  subject?: string;
  audience?: string | string[];
  /** Absolute expiry; default `issuedAt + defaultTtl`. */
  expiresAt?: Date | number;
  /** Relative expiry (seconds or `'15m'`), instead of `expiresAt`. */
  expiresIn?: number | string;
  notBefore?: Date | number;
  /** Default now. */
  issuedAt?: Date | number;
  /** `jti`; a random one (128 bits) when absent. */
  jwtId?: string;
  /** Further claims; registered claim names are refused here. */
  customClaims?: Record<string, unknown>;
  /** Device facts recorded with the session when the manager tracks sessions (never put into the token). */
  device?: TokenDevice;
}

/** An issued token. */
export interface GeneratedToken {
  token: string;
  claims: JWTClaims;
  expiresAt: Date;
  issuedAt: Date;
  jwtId: string;
}

/** A token that verified. */
export interface ValidTokenResult {
  readonly valid: true;
  readonly claims: JWTClaims;
  readonly subject: string | undefined;
  /** The claims other than iss, sub, aud, exp, nbf, iat, jti. */
  readonly customClaims: Record<string, unknown>;
}

/** A token that did not verify; `error.code` says why. */
export interface InvalidTokenResult {
  readonly valid: false;
  readonly error: CjwtError;
}

/** Result of `verifyToken`. */
export type VerifyTokenResult = ValidTokenResult | InvalidTokenResult;

/** Description of the manager's keys. */
export interface ManagerKeyInfo {
  /** The signing key (undefined when the ring cannot sign). */
  active: KeyInfo | undefined;
  /** Every key of the ring, active first. */
  keys: KeyInfo[];
}
