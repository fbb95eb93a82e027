/**
 * Building the claims set of an issued token, and splitting registered from custom claims.
 */
import { randomBytes } from 'node:crypto';
import { JWTInvalid } from '../jose/errors.js';
import { parseDuration, type JWTClaims } from '../jose/jwt/jwt.js';
import type { GenerateTokenOptions } from './types.js';

/** Claims with a meaning of their own (RFC 7519 §4.1); never set through `customClaims`. */
export const REGISTERED_CLAIMS: ReadonlySet<string> = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti']);

/** A random 128-bit `jti`. */
function newJwtId(): string {
  return randomBytes(16).toString('base64url');
}

function toSeconds(value: Date | number, what: string): number {
  const seconds = value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) throw new JWTInvalid(`${what} must be a Date or epoch seconds`);
  return Math.floor(seconds);
}

/** Defaults the manager fills in. */
export interface ClaimDefaults {
  issuer: string | undefined;
  audience: string | string[] | undefined;
  ttlSeconds: number;
}

/**
 * The claims set for `generateToken` at `nowMs`.
 *
 * @throws {JWTInvalid} for a custom claim that is a registered name, bad times, or exp not after iat.
 */
export function buildTokenClaims(options: GenerateTokenOptions, defaults: ClaimDefaults, nowMs: number): JWTClaims {
  const claims: JWTClaims = {};
  const custom = options.customClaims;
  if (custom !== undefined) {
    if (custom === null || typeof custom !== 'object' || Array.isArray(custom)) throw new JWTInvalid('customClaims must be an object');
    for (const [name, value] of Object.entries(custom)) {
      if (REGISTERED_CLAIMS.has(name)) throw new JWTInvalid(`customClaims must not set the registered claim "${name}"; use the option instead`);
      claims[name] = value;
    }
  }
  const iat = options.issuedAt === undefined ? Math.floor(nowMs / 1000) : toSeconds(options.issuedAt, 'issuedAt');
  let exp: number;
  if (options.expiresAt !== undefined) exp = toSeconds(options.expiresAt, 'expiresAt');
  else exp = iat + (options.expiresIn === undefined ? defaults.ttlSeconds : parseDuration(options.expiresIn));
  if (exp <= iat) throw new JWTInvalid('the token would expire before it is issued');
  const iss = options.issuer ?? defaults.issuer;
  const aud = options.audience ?? defaults.audience;
  if (iss !== undefined) claims.iss = iss;
  if (options.subject !== undefined) claims.sub = options.subject;
  if (aud !== undefined) claims.aud = aud;
  claims.iat = iat;
  if (options.notBefore !== undefined) claims.nbf = toSeconds(options.notBefore, 'notBefore');
  claims.exp = exp;
  claims.jti = options.jwtId ?? newJwtId();
  return claims;
}

/** The custom (non-registered) claims of a verified claims set. */
export function customClaimsOf(claims: JWTClaims): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name in claims) if (!REGISTERED_CLAIMS.has(name)) out[name] = claims[name];
  return out;
}
