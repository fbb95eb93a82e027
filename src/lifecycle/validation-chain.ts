/**
 * ValidationChain (seed 003): policy rules over the claims of any token kind, a JWT's claims set
 * or an opaque token's record (see {@link claimsOfRecord}). Unlike a verifier that stops at the
 * first problem, it runs every rule and reports each failure with a stable code, so a caller (or
 * an audit entry) sees everything that is wrong at once.
 *
 * It checks policy, not authenticity: run it on claims that a verifier or a store already vouched
 * for.
 */
import { ValidationFailed, type ValidationFailure } from '../jose/errors.js';
import { parseDuration, type JWTClaims } from '../jose/jwt/jwt.js';
import type { TokenRecord } from '../store/index.js';

export type { ValidationFailure } from '../jose/errors.js';

/** Claims as the chain reads them: JWT claim names; `scope` as a space-separated string or an array. */
export interface ValidatableClaims extends JWTClaims {
  scope?: string | string[];
}

/**
 * A custom rule: returns nothing when the claims pass, or the failure (a message, or a code and a
 * message). A rule that throws counts as failed with `ERR_VALIDATION_FAILED`.
 */
export interface ValidationRule {
  name: string;
  check(claims: Readonly<ValidatableClaims>, now: number): string | { code: string; message: string } | undefined | void;
}

/** Options of {@link ValidationChain}. */
export interface ValidationChainOptions {
  /** `iss` must be one of these (absent `iss` fails too). */
  allowedIssuers?: readonly string[];
  /** `aud` (a string or any element of an array) must be one of these. */
  allowedAudiences?: readonly string[];
  /** Every one of these must be in `scope`. */
  requiredScopes?: readonly string[];
  /** Tolerance for `exp`, `nbf` and `iat`: seconds or `'1m'`. Default 0. */
  clockSkew?: number | string;
  /** Require `exp` (default true): a token that never expires fails `expiry`. */
  requireExpiry?: boolean;
  /** Further rules, run after the built-in ones in this order. */
  rules?: readonly ValidationRule[];
  /** Clock in epoch ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** Result of {@link ValidationChain.validate}. */
export type ValidationResult =
  | { valid: true; failures: readonly [] }
  | { valid: false; failures: readonly ValidationFailure[] };

const CLAIM_FAILED = 'ERR_JWT_CLAIM_VALIDATION_FAILED';

/** The scopes of a `scope` claim (RFC 8693 §4.2 string, or an array). */
function scopesOf(scope: unknown): string[] {
  if (typeof scope === 'string') return scope.split(' ').filter((s) => s.length > 0);
  if (Array.isArray(scope)) return scope.filter((s): s is string => typeof s === 'string');
  return [];
}

/**
 * The claims of a store record (an opaque or refresh token, a tracked session), so one chain
 * validates every token kind: `sub` is the subject, times become epoch seconds, `client_id` the
 * client.
 */
export function claimsOfRecord(record: TokenRecord): ValidatableClaims {
  const claims: ValidatableClaims = {
    sub: record.subject,
    iat: Math.floor(record.issuedAt / 1000),
    exp: Math.floor(record.expiresAt / 1000),
    jti: record.id,
  };
  if (record.scope !== undefined) claims.scope = record.scope;
  if (record.clientId !== undefined) claims.client_id = record.clientId;
  return claims;
}

/**
 * Policy rules over token claims, reporting every failure.
 *
 * @example
 * const chain = new ValidationChain({ allowedIssuers: ['example-service'], allowedAudiences: ['example-app'], requiredScopes: ['read'], clockSkew: '1m' });
 * const result = chain.validate(claims);
 * if (!result.valid) console.log(result.failures.map((f) => f.code)); // e.g. ['ERR_JWT_EXPIRED', 'ERR_INSUFFICIENT_SCOPE']
 */
export class ValidationChain {
  private readonly issuers: ReadonlySet<string> | undefined;
  private readonly audiences: ReadonlySet<string> | undefined;
  private readonly scopes: readonly string[];
  private readonly skew: number;
  private readonly requireExpiry: boolean;
  private readonly rules: readonly ValidationRule[];
  private readonly now: () => number;

  constructor(options: ValidationChainOptions = {}) {
    this.issuers = options.allowedIssuers === undefined ? undefined : new Set(options.allowedIssuers);
    this.audiences = options.allowedAudiences === undefined ? undefined : new Set(options.allowedAudiences);
    this.scopes = [...(options.requiredScopes ?? [])];
    this.skew = options.clockSkew === undefined ? 0 : parseDuration(options.clockSkew);
    this.requireExpiry = options.requireExpiry ?? true;
    this.rules = [...(options.rules ?? [])];
    for (const rule of this.rules) {
      if (typeof rule?.name !== 'string' || typeof rule.check !== 'function') throw new TypeError('a validation rule needs a name and a check function');
    }
    this.now = options.now ?? Date.now;
  }

  /** Runs every rule; resolves nothing, throws nothing: the failures are the answer. */
  validate(claims: Readonly<ValidatableClaims>): ValidationResult {
    const failures: ValidationFailure[] = [];
    const fail = (rule: string, code: string, message: string): void => { failures.push({ rule, code, message }); };
    if (claims === null || typeof claims !== 'object') {
      fail('claims', CLAIM_FAILED, 'claims must be an object');
      return { valid: false, failures };
    }
    const nowMs = this.now();
    const now = Math.floor(nowMs / 1000);
    if (this.issuers !== undefined && (typeof claims.iss !== 'string' || !this.issuers.has(claims.iss))) {
      fail('issuer', CLAIM_FAILED, claims.iss === undefined ? 'the "iss" claim is missing' : 'the "iss" claim is not an allowed issuer');
    }
    if (this.audiences !== undefined) {
      const aud = claims.aud;
      const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
      if (!list.some((a) => typeof a === 'string' && this.audiences!.has(a))) {
        fail('audience', CLAIM_FAILED, aud === undefined ? 'the "aud" claim is missing' : 'the "aud" claim names no allowed audience');
      }
    }
    if (claims.exp === undefined) {
      if (this.requireExpiry) fail('expiry', CLAIM_FAILED, 'the "exp" claim is missing');
    } else if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
      fail('expiry', CLAIM_FAILED, 'the "exp" claim is not a number');
    } else if (claims.exp <= now - this.skew) {
      fail('expiry', 'ERR_JWT_EXPIRED', 'the token has expired');
    }
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + this.skew)) {
      fail('notBefore', CLAIM_FAILED, 'the token is not valid yet ("nbf")');
    }
    if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > now + this.skew)) {
      fail('issuedAt', CLAIM_FAILED, 'the "iat" claim is in the future');
    }
    if (this.scopes.length > 0) {
      const granted = new Set(scopesOf(claims.scope));
      const missing = this.scopes.filter((s) => !granted.has(s));
      if (missing.length > 0) fail('scope', 'ERR_INSUFFICIENT_SCOPE', `missing scope(s): ${missing.join(' ')}`);
    }
    for (const rule of this.rules) {
      let outcome: ReturnType<ValidationRule['check']>;
      try {
        outcome = rule.check(claims, nowMs);
      } catch {
        // The message of a thrown error may quote the claims; the rule's name is what is safe to report.
        outcome = { code: 'ERR_VALIDATION_FAILED', message: `rule "${rule.name}" threw` };
      }
      if (typeof outcome === 'string') fail(rule.name, 'ERR_VALIDATION_FAILED', outcome);
      else if (outcome !== undefined && outcome !== null) fail(rule.name, outcome.code, outcome.message);
    }
    return failures.length === 0 ? { valid: true, failures: [] } : { valid: false, failures };
  }

  /**
   * Like {@link validate}, but throws.
   *
   * @throws {ValidationFailed} (`ERR_VALIDATION_FAILED`) listing every failed rule in `failures`.
   */
  assert(claims: Readonly<ValidatableClaims>): void {
    const result = this.validate(claims);
    if (!result.valid) throw new ValidationFailed(result.failures);
  }
}
