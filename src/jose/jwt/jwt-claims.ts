/**
 * JWT claims sets (RFC 7519): building them for signing and validating them after the signature
 * verified. Validation options are compiled once per verifier.
 */
import type { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import type { JWSAlgorithm } from '../algorithms.js';
import { parseDuration } from '../duration.js';
import { JoseError, JWTClaimValidationFailed, JWTExpired, JWTInvalid } from '../errors.js';
import type { JWSHeader } from '../jws/jws-header.js';
import { parseJSONObject } from '../jws/jws-segments.js';

/** A JWT claims set. Times are NumericDate: seconds since the epoch. */
export interface JWTClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: unknown;
}

/** How to fill in the registered claims when signing. */
export interface JWTClaimsOptions {
  /** Lifetime: `exp = iat + expiresIn` (seconds or `'15m'`). */
  expiresIn?: number | string;
  /** Not before: `nbf = now + notBefore` (seconds or `'30s'`). */
  notBefore?: number | string;
  /** `true` (default): iat = now; a number: that iat; `false`: no iat. */
  issuedAt?: boolean | number;
  /** `true`: a random jti; a string: that jti. */
  jti?: boolean | string;
  issuer?: string;
  subject?: string;
  audience?: string | string[];
}

/** JWT verification options. */
export interface JWTVerifyOptions {
  /** Algorithms the caller accepts (intersected with what the key allows). */
  algorithms?: JWSAlgorithm[];
  /** Expected `iss` (one of). */
  issuer?: string | string[];
  /** Expected `aud` (at least one in common). */
  audience?: string | string[];
  /** Expected `sub`. */
  subject?: string;
  /** Allowed clock skew for exp/nbf/iat (seconds or `'30s'`). */
  clockTolerance?: number | string;
  /** Maximum age since `iat` (seconds or `'1h'`); makes `iat` required. */
  maxTokenAge?: number | string;
  /** Claims that must be present. */
  requiredClaims?: string[];
  /** Expected header `typ`, compared as a media type (`at+jwt` matches `application/at+JWT`). */
  typ?: string;
  /** Maximum token length in characters, checked before decoding (default 8192). */
  maxTokenSize?: number;
  /** Extension header parameters the caller understands. */
  crit?: Record<string, boolean>;
  /** The time to validate against (default: now). */
  currentDate?: Date;
}

function fail(claim: string, reason: string, message: string): never {
  throw new JWTClaimValidationFailed(message, claim, reason);
}

function nowSeconds(date?: Date): number {
  return Math.floor((date === undefined ? Date.now() : date.getTime()) / 1000);
}

/** Normalises a `typ` value for comparison (RFC 7515 §4.1.9: `application/` may be omitted). */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

function assertAudience(aud: unknown): void {
  if (typeof aud === 'string') return;
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return;
  fail('aud', 'invalid', '"aud" claim must be a string or an array of strings');
}

/**
 * Checks the types of the registered claims: exp/nbf/iat finite numbers, iss/sub/jti strings, aud a
 * string or array of strings.
 *
 * @throws {JWTClaimValidationFailed} with `reason: 'invalid'`.
 */
export function assertClaimTypes(claims: Record<string, unknown>): void {
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const v = claims[name];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) fail(name, 'invalid', `"${name}" claim must be a number`);
  }
  for (const name of ['iss', 'sub', 'jti'] as const) {
    const v = claims[name];
    if (v !== undefined && typeof v !== 'string') fail(name, 'invalid', `"${name}" claim must be a string`);
  }
  if (claims.aud !== undefined) assertAudience(claims.aud);
}

/**
 * Parses a JWT payload (the decoded bytes) as a claims set.
 *
 * @throws {JWTInvalid} when it is not JSON or not a JSON object.
 */
export function parseClaimsPayload(bytes: Buffer): JWTClaims {
  return parseJSONObject(bytes, 'JWT payload', JWTInvalid) as JWTClaims;
}

/** A compiled claims builder: copies the caller's claims and fills in the registered ones. */
export type ClaimsBuilder = (claims: JWTClaims, now?: number) => JWTClaims;

/**
 * Compiles signing options (durations parsed once) into a claims builder.
 *
 * @throws {JoseError} for an unparsable duration.
 */
export function compileClaimsBuilder(options: JWTClaimsOptions): ClaimsBuilder {
  const expiresIn = options.expiresIn === undefined ? undefined : parseDuration(options.expiresIn);
  const notBefore = options.notBefore === undefined ? undefined : parseDuration(options.notBefore);
  const issuedAt = options.issuedAt ?? true;
  const { issuer, subject, audience, jti } = options;
  return (claims, now = nowSeconds()) => {
    if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) throw new JWTInvalid('JWT claims must be an object');
    const out: JWTClaims = { ...claims };
    if (issuer !== undefined && out.iss === undefined) out.iss = issuer;
    if (subject !== undefined && out.sub === undefined) out.sub = subject;
    if (audience !== undefined && out.aud === undefined) out.aud = audience;
    if (typeof issuedAt === 'number') out.iat = issuedAt;
    else if (issuedAt && out.iat === undefined) out.iat = now;
    const base = typeof out.iat === 'number' ? out.iat : now;
    if (expiresIn !== undefined) out.exp = base + expiresIn;
    if (notBefore !== undefined) out.nbf = now + notBefore;
    if (jti === true) out.jti = randomBytes(16).toString('base64url');
    else if (typeof jti === 'string') out.jti = jti;
    assertClaimTypes(out);
    return out;
  };
}

/**
 * Builds a claims set: copies `claims`, then fills iat/exp/nbf/jti/iss/sub/aud from options.
 *
 * @throws {JWTInvalid} when claims is not an object; {JWTClaimValidationFailed} for bad claim types.
 * @example buildClaims({ sub: 'u1' }, { expiresIn: '15m' }) // { sub: 'u1', iat, exp: iat + 900 }
 */
export function buildClaims(claims: JWTClaims, options: JWTClaimsOptions, now = nowSeconds()): JWTClaims {
  return compileClaimsBuilder(options)(claims, now);
}

/** A compiled claims validator. */
export type ClaimsValidator = (payload: Record<string, unknown>, header: JWSHeader) => void;

/**
 * Compiles verification options into one validator function.
 *
 * @throws {JWTClaimValidationFailed | JWTExpired} from the returned function.
 */
export function compileClaimsValidator(options: JWTVerifyOptions = {}): ClaimsValidator {
  const tolerance = options.clockTolerance === undefined ? 0 : parseDuration(options.clockTolerance);
  const maxAge = options.maxTokenAge === undefined ? undefined : parseDuration(options.maxTokenAge);
  const issuers = options.issuer === undefined ? undefined : new Set(Array.isArray(options.issuer) ? options.issuer : [options.issuer]);
  const audiences = options.audience === undefined ? undefined : new Set(Array.isArray(options.audience) ? options.audience : [options.audience]);
  const subject = options.subject;
  const typ = options.typ === undefined ? undefined : normalizeTyp(options.typ);
  const required = new Set(options.requiredClaims ?? []);
  if (issuers !== undefined) required.add('iss');
  if (audiences !== undefined) required.add('aud');
  if (subject !== undefined) required.add('sub');
  if (maxAge !== undefined) required.add('iat');
  const requiredList = [...required];
  const currentDate = options.currentDate;
  // An invalid Date makes `now` NaN, and every comparison with NaN is false: exp/nbf would pass.
  if (currentDate !== undefined && !(currentDate instanceof Date && Number.isFinite(currentDate.getTime()))) {
    throw new JoseError('currentDate must be a valid Date');
  }

  return (payload, header) => {
    if (typ !== undefined && (typeof header.typ !== 'string' || normalizeTyp(header.typ) !== typ)) {
      fail('typ', 'check_failed', 'unexpected "typ" JWT header value');
    }
    assertClaimTypes(payload);
    for (const name of requiredList) if (!Object.hasOwn(payload, name) || payload[name] === undefined) fail(name, 'missing', `missing required "${name}" claim`);
    if (issuers !== undefined && !issuers.has(payload.iss as string)) fail('iss', 'check_failed', 'unexpected "iss" claim value');
    if (subject !== undefined && payload.sub !== subject) fail('sub', 'check_failed', 'unexpected "sub" claim value');
    if (audiences !== undefined) {
      const aud = payload.aud as string | string[];
      const ok = typeof aud === 'string' ? audiences.has(aud) : aud.some((a) => audiences.has(a));
      if (!ok) fail('aud', 'check_failed', 'unexpected "aud" claim value');
    }
    const now = nowSeconds(currentDate);
    if (!Number.isFinite(now)) throw new JoseError('currentDate must be a valid Date');
    const exp = payload.exp as number | undefined;
    if (exp !== undefined && exp <= now - tolerance) throw new JWTExpired('"exp" claim timestamp check failed', 'exp', 'check_failed');
    const nbf = payload.nbf as number | undefined;
    if (nbf !== undefined && nbf > now + tolerance) fail('nbf', 'check_failed', '"nbf" claim timestamp check failed');
    if (maxAge !== undefined) {
      const iat = payload.iat as number;
      if (iat > now + tolerance) fail('iat', 'check_failed', '"iat" claim timestamp check failed (it should be in the past)');
      if (now - iat > maxAge + tolerance) throw new JWTExpired('"iat" claim timestamp check failed (too far in the past)', 'iat', 'check_failed');
    }
  };
}
