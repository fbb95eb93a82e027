/**
 * Small token utilities from the seed API. None of them verifies a signature: use them for
 * display, routing and housekeeping, never for authorisation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { encodeBase64url } from './base64url.js';
import { JoseError } from './errors.js';
import { decodeJWT } from './jwt/jwt.js';
import type { JWTClaims } from './jwt/jwt-claims.js';

function tryDecode(token: string): JWTClaims | undefined {
  try {
    return decodeJWT(token).payload;
  } catch {
    return undefined;
  }
}

/**
 * True when `token` is structurally a JWT: three canonical base64url segments, a JSON object
 * header with a string `alg`, a JSON object payload, a non-empty signature. No signature check.
 */
export function isValidJWTFormat(token: unknown): boolean {
  if (typeof token !== 'string') return false;
  try {
    const { header } = decodeJWT(token);
    return typeof header.alg === 'string' && !token.endsWith('.');
  } catch {
    return false;
  }
}

/**
 * True when the token's `exp` is at or before `now`, or the token cannot be decoded (an unreadable
 * token is treated as unusable). A token without `exp` never expires. No signature check.
 *
 * @throws {JoseError} when `now` is not a valid Date.
 */
export function isTokenExpired(token: string, now: Date = new Date()): boolean {
  // An invalid Date is NaN, and `exp * 1000 <= NaN` is false: every token would look unexpired.
  if (!(now instanceof Date) || !Number.isFinite(now.getTime())) throw new JoseError('now must be a valid Date');
  const claims = tryDecode(token);
  if (claims === undefined) return true;
  if (claims.exp === undefined) return false;
  return typeof claims.exp !== 'number' || claims.exp * 1000 <= now.getTime();
}

/** The token's `exp` as a Date, or `undefined` when absent or undecodable. No signature check. */
export function getTokenExpirationTime(token: string): Date | undefined {
  const exp = tryDecode(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : undefined;
}

/** The token's `sub`, or `undefined` when absent or undecodable. No signature check. */
export function getTokenSubject(token: string): string | undefined {
  const sub = tryDecode(token)?.sub;
  return typeof sub === 'string' ? sub : undefined;
}

/**
 * A random base64url token of `bytes` random bytes (default 32).
 *
 * @example generateRandomToken() // 43 characters
 */
export function generateRandomToken(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < 16) throw new JoseError('a random token needs at least 16 bytes');
  return encodeBase64url(randomBytes(bytes));
}

/** SHA-256 of a string (UTF-8) or bytes, as base64url. */
export function hashSHA256(input: string | Uint8Array): string {
  return encodeBase64url(createHash('sha256').update(input).digest());
}
