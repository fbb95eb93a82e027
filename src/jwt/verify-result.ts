/**
 * Result objects of `verifyToken`. `customClaims` is computed on first read, so a caller that
 * only needs `valid` and `subject` pays for one small object.
 */
import type { CjwtError } from '../jose/errors.js';
import type { JWTClaims } from '../jose/jwt/jwt.js';
import { customClaimsOf } from './token-claims.js';
import type { InvalidTokenResult, ValidTokenResult } from './types.js';

/** A verified token. */
export class ValidToken implements ValidTokenResult {
  readonly valid = true as const;
  private custom: Record<string, unknown> | undefined;
  constructor(readonly claims: JWTClaims) {}

  /** The `sub` claim. */
  get subject(): string | undefined {
    return this.claims.sub;
  }

  /** The claims other than the registered ones. */
  get customClaims(): Record<string, unknown> {
    this.custom ??= customClaimsOf(this.claims);
    return this.custom;
  }

  /** Plain-object form for JSON and assertions. */
  toJSON(): { valid: true; claims: JWTClaims; subject: string | undefined; customClaims: Record<string, unknown> } {
    return { valid: true, claims: this.claims, subject: this.subject, customClaims: this.customClaims };
  }
}

/** A token that failed; `error.code` is the stable reason. */
export class InvalidToken implements InvalidTokenResult {
  readonly valid = false as const;
  constructor(readonly error: CjwtError) {}
}
