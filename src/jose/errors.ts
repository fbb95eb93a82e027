/**
 * Typed errors with stable codes. The codes follow those the ecosystem already knows (jose), plus
 * the token-management codes of cjwt, so `switch (err.code)` narrows on one union.
 */

/** Every stable error code cjwt may report. */
export type CjwtErrorCode =
  | 'ERR_JOSE_GENERIC'
  | 'ERR_JOSE_ALG_NOT_ALLOWED'
  | 'ERR_JOSE_NOT_SUPPORTED'
  | 'ERR_JWS_INVALID'
  | 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
  | 'ERR_JWT_INVALID'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_CLAIM_VALIDATION_FAILED'
  | 'ERR_JWE_INVALID'
  | 'ERR_JWE_DECRYPTION_FAILED'
  | 'ERR_JWK_INVALID'
  | 'ERR_JWKS_INVALID'
  | 'ERR_JWKS_NO_MATCHING_KEY'
  | 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'
  | 'ERR_JWKS_TIMEOUT'
  | 'ERR_JWKS_FETCH_FAILED'
  | 'ERR_KEY_WEAK'
  | 'ERR_KEY_STORAGE'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_TOKEN_ALREADY_REVOKED'
  | 'ERR_TOKEN_NOT_FOUND'
  | 'ERR_MAX_SESSIONS_EXCEEDED'
  | 'ERR_REFRESH_TOKEN_REUSED'
  | 'ERR_NO_REVOCATION_STORE'
  | 'ERR_CHUNK_INVALID'
  | 'ERR_STORAGE'
  | 'ERR_STORE_INVALID_INPUT'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_INSUFFICIENT_SCOPE'
  | 'ERR_VALIDATION_FAILED'
  | 'ERR_FAMILY_EXPIRED';

/** Base class of every error cjwt throws on purpose. */
export class CjwtError extends Error {
  /** Stable, machine-readable code. */
  readonly code: CjwtErrorCode;
  constructor(code: CjwtErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Base class of the JOSE layer's errors (JWS, JWE, JWK, JWT). */
export class JoseError extends CjwtError {
  constructor(message: string, code: CjwtErrorCode = 'ERR_JOSE_GENERIC', options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The token's `alg` (or `enc`) is not one the key or the caller allows. */
export class JOSEAlgNotAllowed extends JoseError {
  constructor(message = 'algorithm not allowed') { super(message, 'ERR_JOSE_ALG_NOT_ALLOWED'); }
}

/** An algorithm, key type or header parameter that cjwt does not implement. */
export class JOSENotSupported extends JoseError {
  constructor(message = 'not supported') { super(message, 'ERR_JOSE_NOT_SUPPORTED'); }
}

/** Malformed JWS: segments, base64url, header JSON, `crit`. */
export class JWSInvalid extends JoseError {
  constructor(message = 'invalid JWS') { super(message, 'ERR_JWS_INVALID'); }
}

/** The signature does not verify with the key. */
export class JWSSignatureVerificationFailed extends JoseError {
  constructor(message = 'signature verification failed') { super(message, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'); }
}

/** The payload is not a JWT claims set (not JSON, not an object, bad claim types). */
export class JWTInvalid extends JoseError {
  constructor(message = 'invalid JWT') { super(message, 'ERR_JWT_INVALID'); }
}

/** A claim check failed; `claim` names the claim and `reason` says which check. */
export class JWTClaimValidationFailed extends JoseError {
  readonly claim: string;
  readonly reason: string;
  constructor(message: string, claim = 'unspecified', reason = 'unspecified', code: CjwtErrorCode = 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    super(message, code);
    this.claim = claim;
    this.reason = reason;
  }
}

/** The token's `exp` is in the past (beyond the clock tolerance). */
export class JWTExpired extends JWTClaimValidationFailed {
  constructor(message = '"exp" claim timestamp check failed', claim = 'exp', reason = 'check_failed') {
    super(message, claim, reason, 'ERR_JWT_EXPIRED');
  }
}

/** Malformed JWE. */
export class JWEInvalid extends JoseError {
  constructor(message = 'invalid JWE') { super(message, 'ERR_JWE_INVALID'); }
}

/** Any failure to decrypt; deliberately one message so failures are indistinguishable. */
export class JWEDecryptionFailed extends JoseError {
  constructor(message = 'decryption operation failed') { super(message, 'ERR_JWE_DECRYPTION_FAILED'); }
}

/** A JWK (or PEM) that cannot be used: bad members, wrong type, unsupported curve. */
export class JWKInvalid extends JoseError {
  constructor(message = 'invalid JWK') { super(message, 'ERR_JWK_INVALID'); }
}

/** A JWKS that is not a `{ keys: [...] }` document. */
export class JWKSInvalid extends JoseError {
  constructor(message = 'invalid JWKS') { super(message, 'ERR_JWKS_INVALID'); }
}

/** No key in the set matches the token's `kid` / `alg`. */
export class JWKSNoMatchingKey extends JoseError {
  constructor(message = 'no applicable key found in the JSON Web Key Set') { super(message, 'ERR_JWKS_NO_MATCHING_KEY'); }
}

/** Several keys match and the token does not say which one. */
export class JWKSMultipleMatchingKeys extends JoseError {
  constructor(message = 'multiple matching keys found in the JSON Web Key Set') { super(message, 'ERR_JWKS_MULTIPLE_MATCHING_KEYS'); }
}

/** A remote JWKS did not answer in time. */
export class JWKSTimeout extends JoseError {
  constructor(message = 'request timed out') { super(message, 'ERR_JWKS_TIMEOUT'); }
}

/** A remote JWKS could not be fetched (network error, non-200 answer, bad body). */
export class JWKSFetchFailed extends JoseError {
  constructor(message = 'JWKS fetch failed', options?: { cause?: unknown }) { super(message, 'ERR_JWKS_FETCH_FAILED', options); }
}

/** A key below the minimum strength (HMAC shorter than its hash, RSA under 2048 bits). */
export class KeyTooWeak extends JoseError {
  constructor(message = 'key too weak') { super(message, 'ERR_KEY_WEAK'); }
}

/** The token exceeds the size limit; checked before any decoding. */
export class TokenTooLarge extends JoseError {
  constructor(message = 'token exceeds the maximum size') { super(message, 'ERR_TOKEN_TOO_LARGE'); }
}

/** Token-management failures (revocation, sessions, refresh, chunks). */
export class TokenError extends CjwtError {}

/**
 * An infrastructure failure of a token store. Never swallowed and never turned into "valid".
 * `detail` is safe to log; it never holds a token or a secret.
 */
export class StorageError extends CjwtError {
  /** The store operation that failed, e.g. `getByHash`. */
  readonly op: string;
  /** The record id, hash prefix or subject the operation was about, when known. */
  readonly key: string | undefined;
  /** A human-readable explanation. */
  readonly detail: string;
  constructor(init: { op: string; key?: string | undefined; detail: string; cause?: unknown }) {
    super('ERR_STORAGE', `storage ${init.op} failed${init.key === undefined ? '' : ` (${init.key})`}: ${init.detail}`, { cause: init.cause });
    this.op = init.op;
    this.key = init.key;
    this.detail = init.detail;
  }
}

/** A token store was called with a malformed record, filter, cursor, limit or URL. */
export class StoreInputInvalid extends CjwtError {
  constructor(message: string) { super('ERR_STORE_INVALID_INPUT', message); }
}

/** A write would break a store invariant, e.g. a second record with the same token hash. */
export class StoreConflict extends CjwtError {
  constructor(message: string) { super('ERR_STORE_CONFLICT', message); }
}

/** True when `err` is a cjwt error, optionally with the given code. */
export function isCjwtError(err: unknown, code?: CjwtErrorCode): err is CjwtError {
  return err instanceof CjwtError && (code === undefined || err.code === code);
}

/**
 * A saved key ring cannot be read: wrong storage key, altered or truncated document. The message
 * never holds key material.
 */
export class KeyStorageError extends CjwtError {
  constructor(message = 'key ring storage could not be decrypted or parsed', options?: { cause?: unknown }) {
    super('ERR_KEY_STORAGE', message, options);
  }
}

/** Token chunks cannot be reassembled: a chunk is missing, reordered, altered or foreign. */
export class ChunkInvalid extends TokenError {
  constructor(message = 'token chunks are missing, reordered or altered') { super('ERR_CHUNK_INVALID', message); }
}

/** The token was revoked (by id); it must not be accepted. */
export class TokenRevoked extends TokenError {
  constructor(message = 'token has been revoked') { super('ERR_TOKEN_REVOKED', message); }
}

/** A revocation found the token already revoked (the second of two revocations, or of two refreshes). */
export class TokenAlreadyRevoked extends TokenError {
  constructor(message = 'token is already revoked') { super('ERR_TOKEN_ALREADY_REVOKED', message); }
}

/** A new session was refused: the user already has `live` sessions of at most `max`. */
export class MaxSessionsExceeded extends TokenError {
  /** Live sessions the user had when the login was refused. */
  readonly live: number;
  /** The configured maximum. */
  readonly max: number;
  constructor(live: number, max: number) {
    super('ERR_MAX_SESSIONS_EXCEEDED', `maximum concurrent sessions exceeded (${live} live, max ${max})`);
    this.live = live;
    this.max = max;
  }
}

/** The operation needs a token store (revocation, tracking, session limits) and none is configured. */
export class NoRevocationStore extends TokenError {
  constructor(message = 'no revocation store configured') { super('ERR_NO_REVOCATION_STORE', message); }
}

/** One rule of a validation chain that a token's claims failed. */
export interface ValidationFailure {
  /** The rule's name, e.g. `issuer`, `audience`, `scope`, `expiry`, or a custom rule's name. */
  rule: string;
  /** Stable code of the failure, e.g. `ERR_JWT_EXPIRED`, `ERR_INSUFFICIENT_SCOPE`. */
  code: string;
  /** Safe to log: names claims and rules, never carries the token. */
  message: string;
}

/** Claims failed one or more rules of a validation chain; `failures` lists every one. */
export class ValidationFailed extends TokenError {
  /** Every failed rule, in the chain's order. */
  readonly failures: readonly ValidationFailure[];
  constructor(failures: readonly ValidationFailure[]) {
    super('ERR_VALIDATION_FAILED', `token failed validation: ${failures.map((f) => `${f.rule} (${f.code})`).join(', ')}`);
    this.failures = failures;
  }
}

/**
 * A refresh token that was already exchanged was presented again (RFC 9700 §4.14.2): the whole
 * family (every refresh and access token of that login) has been revoked. `revoked` is how many
 * records this detection revoked (0 when the family was already dead).
 */
export class RefreshTokenReused extends TokenError {
  /** The family (login session) that was revoked. */
  readonly familyId: string | undefined;
  /** Records revoked by this detection. */
  readonly revoked: number;
  constructor(familyId: string | undefined, revoked: number) {
    super('ERR_REFRESH_TOKEN_REUSED', 'refresh token was already used; its session has been revoked');
    this.familyId = familyId;
    this.revoked = revoked;
  }
}

/** The refresh family (one login session) has passed its absolute lifetime: the user must log in again. */
export class RefreshFamilyExpired extends TokenError {
  constructor(message = 'the login session has reached its maximum lifetime') { super('ERR_FAMILY_EXPIRED', message); }
}
