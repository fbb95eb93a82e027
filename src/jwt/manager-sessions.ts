/**
 * The stateful half of JWTManager (seed 001): revocation by `jti`, per-user session tracking and
 * session limits, over any TokenStore. Every decision that two processes could race on is the
 * store's atomic operation: `addSession` decides a session limit, `revoke` decides which of two
 * refreshes of one token wins (the other sees `already_revoked`).
 *
 * Tokens are never stored: a session record holds the `jti`, the subject, the times and the
 * device facts; revocation is keyed by `jti`, never by the token's bytes (signatures are
 * malleable, so a hash of the bytes would let a re-encoded token slip past a denylist).
 */
import { JWTInvalid, MaxSessionsExceeded, TokenAlreadyRevoked } from '../jose/errors.js';
import type { JWTClaims } from '../jose/jwt/jwt.js';
import type { AuditLog } from '../lifecycle/audit.js';
import type { TokenEvents } from '../lifecycle/events.js';
import type { SessionLimitPolicy, TokenDevice, TokenRecord, TokenStore } from '../store/index.js';

/** The record kind of a JWTManager session. */
export const SESSION_KIND = 'access';

/** What the ledger needs from its manager. */
export interface SessionLedgerOptions {
  store: TokenStore;
  /** Record every issued token (also implied by `maxUserSessions > 0`). */
  track: boolean;
  /** 0 = unlimited. */
  maxSessions: number;
  policy: SessionLimitPolicy;
  events: TokenEvents;
  audit: AuditLog | undefined;
  now: () => number;
  /** Lifetime assumed for a revocation by id without `expiresAt`, in ms. */
  defaultTtlMs: number;
}

/** Copies the known device fields only, so nothing else rides into the store. */
function deviceOf(device: TokenDevice | undefined): TokenDevice | undefined {
  if (device === undefined || device === null) return undefined;
  if (typeof device !== 'object') throw new JWTInvalid('device must be an object');
  const out: TokenDevice = {};
  for (const field of ['id', 'userAgent', 'platform', 'ip'] as const) {
    const value = device[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new JWTInvalid(`device.${field} must be a string`);
    out[field] = value;
  }
  return out;
}

/**
 * Revocation, tracking and session limits of one JWTManager.
 */
export class SessionLedger {
  readonly store: TokenStore;
  private readonly options: SessionLedgerOptions;
  private lastStartedAt = 0;

  constructor(options: SessionLedgerOptions) {
    if (!Number.isInteger(options.maxSessions) || options.maxSessions < 0) throw new RangeError('maxUserSessions must be a non-negative integer (0 = unlimited)');
    if (options.policy !== 'reject' && options.policy !== 'evict-oldest') throw new RangeError("sessionLimitPolicy must be 'reject' or 'evict-oldest'");
    this.store = options.store;
    this.options = options;
  }

  /** True when issued tokens are recorded (tracking or a session limit). */
  get tracking(): boolean {
    return this.options.track || this.options.maxSessions > 0;
  }

  /**
   * Records a freshly signed token as a session of its subject, enforcing the limit atomically.
   * `startedAt` (epoch ms) orders sessions for `evict-oldest`.
   *
   * @throws {MaxSessionsExceeded} when the policy is `reject` and the subject is at the limit.
   * @throws {StorageError} when the store fails (the token must then not be handed out).
   */
  async recordSession(claims: JWTClaims, startedAt: number, device: TokenDevice | undefined): Promise<void> {
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject.length === 0) throw new JWTInvalid('a tracked token needs a subject');
    // Strictly increasing per manager, so evict-oldest follows login order even within one
    // millisecond (the store breaks ties by id, which is random).
    const issuedAt = Math.max(startedAt, this.lastStartedAt + 1);
    this.lastStartedAt = issuedAt;
    const record: TokenRecord = { id: claims.jti!, kind: SESSION_KIND, subject, issuedAt, expiresAt: Math.max(claims.exp! * 1000, issuedAt + 1) };
    const facts = deviceOf(device);
    if (facts !== undefined) record.device = facts;
    const { store, maxSessions, policy, events, audit } = this.options;
    const now = this.options.now();
    if (maxSessions === 0) {
      await store.put(record, { now });
      return;
    }
    const result = await store.addSession(record, maxSessions, policy, { now });
    if (!result.added) {
      events.emit('session.limit_exceeded', { time: now, kind: SESSION_KIND, subject, live: result.live, max: maxSessions });
      audit?.add(now, 'session_limit', 'failure', undefined, subject, 'ERR_MAX_SESSIONS_EXCEEDED');
      throw new MaxSessionsExceeded(result.live, maxSessions);
    }
    if (result.evicted.length > 0) {
      events.emit('session.evicted', { time: now, kind: SESSION_KIND, subject, tokenId: record.id, evicted: result.evicted });
      for (const id of result.evicted) {
        events.emit('token.revoked', { time: now, kind: SESSION_KIND, subject, tokenId: id, reason: 'session_limit' });
        audit?.add(now, 'revoke', 'success', id, subject, 'session_limit');
      }
    }
  }

  /** True when the store holds `jti` as revoked (false for ids it never saw). */
  isRevoked(jti: string): Promise<boolean> {
    return this.store.isRevoked(jti, { now: this.options.now() });
  }

  /**
   * Revokes `jti` atomically. A token the store never tracked gets a record first (so the
   * revocation has something to live in until `expiresAt` plus the store's retention).
   *
   * @returns the revocation time (epoch ms).
   * @throws {TokenAlreadyRevoked} when this or another process revoked it first.
   */
  async revoke(jti: string, reason: string, known: { subject?: string | undefined; expiresAt?: number | undefined }): Promise<number> {
    const { store, events, audit } = this.options;
    const now = this.options.now();
    let result = await store.revoke(jti, reason, { now });
    if (!result.revoked && result.reason === 'not_found') {
      const expiresAt = known.expiresAt ?? now + this.options.defaultTtlMs;
      // An untracked token: a plain record to revoke. If another process does the same, the
      // second put keeps the first revocation (put never un-revokes) and its revoke loses.
      await store.put({ id: jti, kind: SESSION_KIND, subject: known.subject ?? '', issuedAt: Math.min(now, expiresAt), expiresAt: Math.max(expiresAt, now + 1) }, { now });
      result = await store.revoke(jti, reason, { now });
    }
    if (!result.revoked) {
      audit?.add(now, 'revoke', 'failure', jti, known.subject, 'ERR_TOKEN_ALREADY_REVOKED');
      throw new TokenAlreadyRevoked();
    }
    events.emit('token.revoked', { time: now, kind: SESSION_KIND, tokenId: jti, subject: known.subject, reason });
    audit?.add(now, 'revoke', 'success', jti, known.subject, reason);
    return result.revokedAt;
  }

  /** Revokes every live session of `subject`; resolves to how many. */
  async revokeAll(subject: string, reason: string): Promise<number> {
    const { store, events, audit } = this.options;
    const now = this.options.now();
    const count = await store.revokeWhere({ subject, kind: SESSION_KIND, status: 'active' }, reason, { now });
    events.emit('token.revoked', { time: now, kind: SESSION_KIND, subject, reason, count });
    audit?.add(now, 'revoke', 'success', undefined, subject, reason);
    return count;
  }

  /** Live sessions of `subject`. */
  count(subject: string): Promise<number> {
    return this.store.count({ subject, kind: SESSION_KIND, status: 'active' }, { now: this.options.now() });
  }

  /** The session record of `jti`, when tracked. */
  get(jti: string): Promise<TokenRecord | undefined> {
    return this.store.get(jti, { now: this.options.now() });
  }

  /** Every live session record of `subject`, oldest first. */
  async list(subject: string): Promise<TokenRecord[]> {
    const now = this.options.now();
    const out: TokenRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ subject, kind: SESSION_KIND, status: 'active' }, cursor === undefined ? { limit: 1000 } : { limit: 1000, cursor }, { now });
      out.push(...page.records);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return out;
  }
}
