/**
 * Verification building blocks of JWTManager: the check of optional `iss`/`aud` (configured but
 * not required) and the claims verifier with the claims cache in front of the cryptography.
 */
import { CjwtError, JWTClaimValidationFailed, JWTInvalid } from '../jose/errors.js';
import type { JWTClaims, JWTVerifyResult } from '../jose/jwt/jwt.js';
import { ClockDate } from '../keys/clock-date.js';
import type { RingVerifyOptions } from '../keys/key-ring.js';
import { claimsCacheKey, type ClaimsCache } from '../lifecycle/claims-cache.js';
import type { RevocationContext } from '../lifecycle/feed/types.js';
import type { JWTManagerConfig } from './types.js';
import { InvalidToken } from './verify-result.js';

/** Anything not typed is a bug in a lower layer; it still must not make a token valid or leak details. */
export function toCjwtError(err: unknown): CjwtError {
  return err instanceof CjwtError ? err : new JWTInvalid('token could not be verified');
}

/**
 * The check of claims that are configured but not required: a token that carries `iss` or `aud`
 * must match. Undefined when there is nothing to check.
 */
export function optionalClaimsCheck(issuers: ReadonlySet<string> | undefined, audiences: ReadonlySet<string> | undefined): ((claims: JWTClaims) => void) | undefined {
  if (issuers === undefined && audiences === undefined) return undefined;
  return (claims) => {
    if (issuers !== undefined && claims.iss !== undefined && !issuers.has(claims.iss)) {
      throw new JWTClaimValidationFailed('unexpected "iss" claim value', 'iss', 'check_failed');
    }
    if (audiences !== undefined && claims.aud !== undefined) {
      const aud = claims.aud;
      const ok = typeof aud === 'string' ? audiences.has(aud) : aud.some((a) => audiences.has(a));
      if (!ok) throw new JWTClaimValidationFailed('unexpected "aud" claim value', 'aud', 'check_failed');
    }
  };
}

/**
 * The verifier options a manager configuration asks for, and the check of optional claims.
 *
 * @param requireJti true with a store: revocation is by jti, so a token without one is refused.
 */
export function verificationPolicy(config: JWTManagerConfig, maxTokenSize: number, requireJti: boolean): { options: RingVerifyOptions; checkOptional: ((claims: JWTClaims) => void) | undefined } {
  const requireIssuer = config.requireIssuer ?? config.issuer !== undefined;
  const requireAudience = config.requireAudience ?? config.audience !== undefined;
  const requiredClaims = ['exp'];
  const options: RingVerifyOptions = { maxTokenSize, requiredClaims };
  if (config.clockTolerance !== undefined) options.clockTolerance = config.clockTolerance;
  if (requireJti) requiredClaims.push('jti');
  // An explicit typ (e.g. at+jwt) separates this manager's tokens from other JWTs the same keys
  // sign (ID tokens, logout tokens): verification then insists on it.
  if (config.typ !== undefined) options.typ = config.typ;
  if (config.now !== undefined) options.currentDate = new ClockDate(config.now);
  if (requireIssuer) {
    if (config.issuer !== undefined) options.issuer = config.issuer;
    else requiredClaims.push('iss');
  }
  if (requireAudience) {
    if (config.audience !== undefined) options.audience = config.audience;
    else requiredClaims.push('aud');
  }
  // Not required but configured: a token that carries the claim must still match.
  const checkOptional = optionalClaimsCheck(
    !requireIssuer && config.issuer !== undefined ? new Set([config.issuer]) : undefined,
    !requireAudience && config.audience !== undefined ? new Set(Array.isArray(config.audience) ? config.audience : [config.audience]) : undefined,
  );
  return { options, checkOptional };
}

/** What {@link claimsVerifier} composes. */
export interface ClaimsVerifierParts {
  verifier: (token: string) => JWTVerifyResult;
  checkOptional: ((claims: JWTClaims) => void) | undefined;
  cache: ClaimsCache | undefined;
  /** Prefix of the cache keys: a shared cache never serves one manager's verdict to another. */
  cacheScope: string;
  maxTokenSize: number;
}

/**
 * Verified claims from the cache or the verifier, or the failure; no revocation check (the
 * caller does that on hits and misses alike).
 */
export function claimsVerifier(parts: ClaimsVerifierParts): (token: string) => JWTClaims | InvalidToken {
  const { verifier, checkOptional, cache, cacheScope, maxTokenSize } = parts;
  return (token) => {
    let key: string | undefined;
    // Oversized input goes straight to the verifier, which refuses it before hashing anything.
    if (cache !== undefined && typeof token === 'string' && token.length <= maxTokenSize) {
      key = cacheScope + claimsCacheKey(token);
      const hit = cache.getByKey(key);
      if (hit !== undefined) return hit as JWTClaims;
    }
    let claims: JWTClaims;
    try {
      claims = verifier(token).payload;
      if (checkOptional !== undefined) checkOptional(claims);
    } catch (err) {
      return new InvalidToken(toCjwtError(err));
    }
    if (key !== undefined) cache!.setByKey(key, claims);
    return claims;
  };
}

/**
 * What the mirror's cutoffs need to know of a verified token: `iat` (seconds, so a cutoff taken
 * within the token's second refuses it: the safe side), `sub`, and `sid` as the refresh family.
 */
export function revocationContextOf(claims: JWTClaims): RevocationContext {
  const context: RevocationContext = {};
  if (typeof claims.iat === 'number') context.issuedAt = claims.iat * 1000;
  if (typeof claims.sub === 'string') context.subject = claims.sub;
  if (typeof claims.sid === 'string') context.familyId = claims.sid;
  return context;
}
