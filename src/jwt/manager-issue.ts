/**
 * Issuing for JWTManager (generate and refresh alike): claims from the options and the manager's
 * defaults, the signature, the optional encryption layer, the size cap, and, when the manager
 * tracks sessions, the session record in the store before the token leaves.
 */
import { TokenTooLarge } from '../jose/errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { TokenEncryption } from './manager-encryption.js';
import type { SessionLedger } from './manager-sessions.js';
import type { ManagerTelemetry } from './manager-telemetry.js';
import { buildTokenClaims, type ClaimDefaults } from './token-claims.js';
import type { GenerateTokenOptions, GeneratedToken } from './types.js';

/** What {@link TokenIssuer} composes; every part is the manager's own. */
export interface TokenIssuerParts {
  keyRing: KeyRing;
  claimDefaults: ClaimDefaults;
  /** Header `typ` of issued tokens. */
  typ: string;
  encryption: TokenEncryption | undefined;
  maxTokenSize: number;
  telemetry: ManagerTelemetry;
  /** The session ledger; used by {@link TokenIssuer.issueTracked} only. */
  sessions: SessionLedger | undefined;
  now: () => number;
}

/** Signs (and encrypts) the tokens of one JWTManager and reports each one. */
export class TokenIssuer {
  private readonly parts: TokenIssuerParts;

  constructor(parts: TokenIssuerParts) {
    this.parts = parts;
  }

  /**
   * Issues an untracked token.
   *
   * @throws {JWTInvalid} for registered names in `customClaims` or bad times.
   * @throws {TokenTooLarge} when the token would exceed `maxTokenSize`.
   */
  issue(options: GenerateTokenOptions, action: 'generate' | 'refresh'): GeneratedToken {
    const { telemetry, now } = this.parts;
    const t0 = telemetry.startTimer();
    const issued = this.signToken(options, now());
    telemetry.issued(issued.claims, action, t0, now(), this.parts.keyRing.signingKey()?.kid);
    return issued;
  }

  /**
   * Signs, then records the session; the token is returned only once the store accepted it.
   * Only for a manager whose ledger tracks sessions.
   *
   * @throws {MaxSessionsExceeded} at the limit under `reject`.
   * @throws {StorageError} when the store fails.
   */
  async issueTracked(options: GenerateTokenOptions, action: 'generate' | 'refresh'): Promise<GeneratedToken> {
    const { telemetry, now } = this.parts;
    const t0 = telemetry.startTimer();
    const nowMs = now();
    const issued = this.signToken(options, nowMs);
    await this.parts.sessions!.recordSession(issued.claims, nowMs, options.device);
    telemetry.issued(issued.claims, action, t0, now(), this.parts.keyRing.signingKey()?.kid);
    return issued;
  }

  private signToken(options: GenerateTokenOptions, nowMs: number): GeneratedToken {
    const { keyRing, claimDefaults, typ, encryption, maxTokenSize } = this.parts;
    const claims = buildTokenClaims(options, claimDefaults, nowMs);
    const jws = keyRing.sign(claims, { typ });
    const token = encryption === undefined ? jws : encryption.encrypt(jws);
    if (token.length > maxTokenSize) throw new TokenTooLarge(`the token would be ${token.length} characters, above maxTokenSize ${maxTokenSize}`);
    return { token, claims, expiresAt: new Date(claims.exp! * 1000), issuedAt: new Date(claims.iat! * 1000), jwtId: claims.jti! };
  }
}
