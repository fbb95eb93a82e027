/**
 * The stateful verify path of JWTManager, taken when it has a store, a claims cache or a
 * validation chain: verified claims (cache, then verifier), then the validation chain's policy,
 * then, with a store, the revocation check by `jti`: one store round trip, or in the
 * `revocation: 'feed'` mode the in-process mirror with the store as its fallback. The stateless
 * path stays in manager.ts, so the common case pays for none of these branches.
 */
import { JOSENotSupported, TokenRevoked, ValidationFailed } from '../jose/errors.js';
import type { JWTClaims } from '../jose/jwt/jwt.js';
import type { FeedRevocationCheck } from '../lifecycle/feed/feed-check.js';
import type { ValidationChain } from '../lifecycle/validation-chain.js';
import type { SessionLedger } from './manager-sessions.js';
import type { ManagerTelemetry } from './manager-telemetry.js';
import { revocationContextOf } from './manager-verify.js';
import type { VerifyTokenResult } from './types.js';
import { InvalidToken } from './verify-result.js';

/** What {@link LifecycleVerifier} composes; every part is the manager's own. */
export interface LifecycleVerifierParts {
  /** Cache, then verifier (see claimsVerifier). */
  verifyClaims: (token: string) => JWTClaims | InvalidToken;
  validationChain: ValidationChain | undefined;
  /** The session ledger: present exactly when the manager has a store. */
  sessions: SessionLedger | undefined;
  /** The feed-mode revocation check; undefined in the round-trip mode. */
  feed: FeedRevocationCheck | undefined;
  telemetry: ManagerTelemetry;
}

/** Verification of one JWTManager with a store, a claims cache or a validation chain. */
export class LifecycleVerifier {
  private readonly parts: LifecycleVerifierParts;

  constructor(parts: LifecycleVerifierParts) {
    this.parts = parts;
  }

  /**
   * The synchronous path: cache and policy only. A manager with a store cannot check revocation
   * without I/O, so it refuses.
   *
   * @throws {JOSENotSupported} when the manager has a store.
   */
  verifySync(token: string): VerifyTokenResult {
    const { sessions, telemetry, verifyClaims } = this.parts;
    if (sessions !== undefined) throw new JOSENotSupported('verifyTokenSync cannot consult the revocation store; use verifyToken');
    const t0 = telemetry.startTimer();
    const outcome = verifyClaims(token);
    if (outcome instanceof InvalidToken) return telemetry.rejected(outcome.error, t0, undefined, token);
    const failed = this.policyFailure(outcome);
    return failed === undefined ? telemetry.validated(outcome, t0) : telemetry.rejected(failed, t0, outcome, token);
  }

  /**
   * Verify with revocation (and the cache and the policy). A cache hit skips the cryptography,
   * never the policy or the revocation check.
   *
   * @throws {StorageError} when the store cannot answer.
   */
  async verify(token: string): Promise<VerifyTokenResult> {
    const { sessions, telemetry, verifyClaims } = this.parts;
    const t0 = telemetry.startTimer();
    const outcome = verifyClaims(token);
    if (outcome instanceof InvalidToken) return telemetry.rejected(outcome.error, t0, undefined, token);
    const failed = this.policyFailure(outcome);
    if (failed !== undefined) return telemetry.rejected(failed, t0, outcome, token);
    if (sessions !== undefined) {
      let revoked: boolean;
      const jti = outcome.jti!;
      try {
        const feed = this.parts.feed;
        if (feed === undefined) {
          revoked = await sessions.isRevoked(jti);
        } else {
          // No await when the mirror answers: the feed mode's whole point.
          const context = revocationContextOf(outcome);
          revoked = feed.answer(jti, context) ?? await feed.resolve(jti, context, () => sessions.isRevoked(jti));
        }
      } catch (err) {
        // A store that cannot answer fails this verification: the caller gets the StorageError,
        // never a result that could read as valid.
        telemetry.storageFailed(outcome, t0);
        throw err;
      }
      if (revoked) return telemetry.rejected(new TokenRevoked(), t0, outcome, token);
    }
    return telemetry.validated(outcome, t0);
  }

  /** The validation chain's verdict on verified claims: undefined when they pass (or there is no chain). */
  private policyFailure(claims: JWTClaims): ValidationFailed | undefined {
    const chain = this.parts.validationChain;
    if (chain === undefined) return undefined;
    const result = chain.validate(claims);
    return result.valid ? undefined : new ValidationFailed(result.failures);
  }
}
