/**
 * What JWTManager tells the world about each operation: metrics counters, the audit log and the
 * token events, in one place so every path (stateless, with a store, with a cache) reports the
 * same facts the same way. Recording is cheap when nothing listens: a counter update, a ring
 * buffer slot, and one listener-count check per event.
 */
import { createHash } from 'node:crypto';
import type { CjwtError } from '../jose/errors.js';
import type { JWTClaims } from '../jose/jwt/jwt.js';
import { AuditLog } from '../lifecycle/audit.js';
import { coarseNow } from '../lifecycle/coarse-clock.js';
import { TokenEvents, type TokenEventMap } from '../lifecycle/events.js';
import { TokenMetrics } from '../lifecycle/metrics.js';
import type { JWTManagerConfig } from './types.js';
import { InvalidToken, ValidToken } from './verify-result.js';

/** Kind named in events and session records for JWTManager's tokens. */
export const EVENT_KIND = 'access';

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Metrics, audit and events of one JWTManager. */
export class ManagerTelemetry {
  readonly metrics: TokenMetrics | undefined;
  readonly audit: AuditLog | undefined;
  readonly events: TokenEvents;
  /** Clock of audit and event times (coarse for the real clock, see coarseNow). */
  readonly auditNow: () => number;
  private readonly auditSuccess: boolean;
  private readonly auditFailure: boolean;

  /**
   * @param now the manager's clock (epoch ms).
   * @param realClock true when `now` is `Date.now`, so audit times may be read coarsely.
   */
  constructor(config: JWTManagerConfig, now: () => number, realClock: boolean) {
    // A test clock is used as is; the real one is read coarsely for audit times (see coarseNow).
    this.auditNow = config.now ?? (realClock ? coarseNow : now);
    this.metrics = config.metrics === false ? undefined : new TokenMetrics(now, config.latencySampleEvery ?? 16);
    this.audit = config.audit === false ? undefined : new AuditLog(config.audit ?? {});
    const auditVerifications = config.auditVerifications ?? 'all';
    this.auditSuccess = this.audit !== undefined && auditVerifications === 'all';
    this.auditFailure = this.audit !== undefined && auditVerifications !== 'none';
    this.events = config.events ?? new TokenEvents();
  }

  /** `performance.now()` for a sampled call, -1 otherwise. */
  startTimer(): number {
    const metrics = this.metrics;
    return metrics !== undefined && metrics.shouldTime() ? performance.now() : -1;
  }

  /** Records a successful verification and builds its result. */
  validated(claims: JWTClaims, t0: number): ValidToken {
    this.metrics?.recordVerified(t0 < 0 ? undefined : performance.now() - t0);
    // The log keeps jti and sub only when they are strings: the audit holds names, never data.
    if (this.auditSuccess) this.audit!.add(this.auditNow(), 'verify', 'success', claims.jti, claims.sub);
    if (this.events.has('token.validated')) {
      this.events.emit('token.validated', { time: this.auditNow(), kind: EVENT_KIND, tokenId: stringOrUndefined(claims.jti), subject: stringOrUndefined(claims.sub) });
    }
    return new ValidToken(claims);
  }

  /**
   * Records a refused verification and builds its result. `claims` are known only when the token
   * verified and a later check (revocation) refused it.
   */
  rejected(error: CjwtError, t0: number, claims: JWTClaims | undefined, token: unknown): InvalidToken {
    this.metrics?.recordFailed(error.code, t0 < 0 ? undefined : performance.now() - t0);
    if (this.auditFailure) this.audit!.add(this.auditNow(), 'verify', 'failure', claims?.jti, claims?.sub, error.code);
    if (this.events.has('token.rejected')) {
      const event: TokenEventMap['token.rejected'] = { time: this.auditNow(), kind: EVENT_KIND, code: error.code };
      if (claims !== undefined) {
        event.tokenId = stringOrUndefined(claims.jti);
        event.subject = stringOrUndefined(claims.sub);
      } else if (typeof token === 'string') {
        // Unverified: its claims are the sender's word. A short hash prefix names it instead.
        event.hashPrefix = createHash('sha256').update(token).digest('base64url').slice(0, 8);
      }
      this.events.emit('token.rejected', event);
    }
    return new InvalidToken(error);
  }

  /** A verification the store could not answer (the caller rethrows the StorageError). */
  storageFailed(claims: JWTClaims, t0: number): void {
    this.metrics?.recordFailed('ERR_STORAGE', t0 < 0 ? undefined : performance.now() - t0);
    if (this.auditFailure) this.audit!.add(this.auditNow(), 'verify', 'failure', claims.jti, claims.sub, 'ERR_STORAGE');
  }

  /** Records an issued token. */
  issued(claims: JWTClaims, action: 'generate' | 'refresh', t0: number, time: number, kid: string | undefined): void {
    this.metrics?.recordGenerated(t0 < 0 ? undefined : performance.now() - t0);
    this.audit?.record({ time, action, outcome: 'success', jti: claims.jti, subject: claims.sub, kid });
    if (this.events.has('token.issued')) this.events.emit('token.issued', { time: this.auditNow(), kind: EVENT_KIND, tokenId: claims.jti, subject: claims.sub });
  }

  /** A refresh that revoked `parentId` and issued `tokenId`. */
  refreshed(tokenId: string, parentId: string | undefined, subject: string | undefined): void {
    this.metrics?.recordRefreshed();
    this.events.emit('token.refreshed', { time: this.auditNow(), kind: EVENT_KIND, tokenId, subject, parentId });
  }
}
