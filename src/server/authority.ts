/**
 * Sessions on a TokenStore, the service's token lifecycle: one login is one session record
 * (`kind: 'session'`, id = family id) counted by the store's atomic `addSession`; its access
 * tokens (JWTs, records by `jti`) and refresh tokens (opaque, records by SHA-256) share the
 * family, so one `revokeWhere({ familyId })` ends everything a login produced. Refresh tokens are
 * spent with the store's atomic `consume`; a second use revokes the family.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isCjwtError, TokenError, type CjwtError } from '../jose/errors.js';
import type { JWTClaims, JWTVerifyResult } from '../jose/jwt.js';
import type { KeyRing } from '../keys/index.js';
import type { TokenEvents } from '../lifecycle/events.js';
import type { SessionLimitPolicy, TokenDevice, TokenRecord, TokenStore } from '../store/index.js';
import { MaxSessionsExceeded } from './errors.js';

/** Settings of a {@link SessionAuthority}. */
export interface SessionAuthorityOptions {
  store: TokenStore;
  /** Returns the current signing ring (it may be reloaded after a rotation). */
  ring: () => KeyRing;
  issuer: string;
  /** Audiences access tokens may carry; the first is the default. */
  audiences: string[];
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** 0: unlimited. */
  maxUserSessions: number;
  sessionLimitPolicy: SessionLimitPolicy;
  events?: TokenEvents;
  /** Called when a token names a kid the ring does not know (another process may have rotated). */
  onUnknownKey?: () => Promise<boolean>;
}

/** What a new session is for. */
export interface IssuePairInput {
  subject: string;
  clientId?: string;
  scope?: string[];
  device?: TokenDevice;
  /** Extra access-token claims (registered and session claims cannot be overridden). */
  claims?: Record<string, unknown>;
  audience?: string;
  accessTtlSeconds?: number;
  refreshTtlSeconds?: number;
}

/** An issued access/refresh pair. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: number;
  refreshExpiresAt: number;
  familyId: string;
  scope: string[];
}

/** Result of verifying an access token (the managers' union). */
export type AccessVerifyResult = { valid: true; claims: JWTClaims } | { valid: false; error: CjwtError };

const RESERVED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'fid', 'scope', 'client_id', 'token_use']);

/** SHA-256 (base64url) of a token: what the store keeps instead of the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function newId(): string {
  return randomBytes(16).toString('base64url');
}

/** True when the text has the shape of a compact JWS (three segments). */
export function looksLikeJWT(token: string): boolean {
  const first = token.indexOf('.');
  return first > 0 && token.indexOf('.', first + 1) > first && token.split('.').length === 3;
}

/** The session and token lifecycle the service's endpoints call. */
export class SessionAuthority {
  private readonly options: SessionAuthorityOptions;
  private readonly verifiers = new Map<string, (token: string) => JWTVerifyResult>();
  private verifierRing: KeyRing | undefined;

  constructor(options: SessionAuthorityOptions) {
    this.options = options;
  }

  /** Sets the issuer once the listening address is known (port 0). */
  setIssuer(issuer: string): void {
    this.options.issuer = issuer;
    this.verifiers.clear();
  }

  /** The store sessions live in. */
  get store(): TokenStore {
    return this.options.store;
  }

  private verifierFor(audience: string): (token: string) => JWTVerifyResult {
    const ring = this.options.ring();
    if (ring !== this.verifierRing) {
      this.verifiers.clear();
      this.verifierRing = ring;
    }
    let verify = this.verifiers.get(audience);
    if (verify === undefined) {
      verify = ring.createVerifier({ issuer: this.options.issuer, audience, typ: 'at+jwt' });
      this.verifiers.set(audience, verify);
    }
    return verify;
  }

  /**
   * Opens a session and issues its first pair.
   * @throws {MaxSessionsExceeded} past `maxUserSessions` with the `reject` policy.
   */
  async issueTokenPair(input: IssuePairInput): Promise<TokenPair & { evicted: string[] }> {
    const now = Date.now();
    const familyId = newId();
    const refreshTtl = input.refreshTtlSeconds ?? this.options.refreshTtlSeconds;
    const session: TokenRecord = {
      id: familyId, kind: 'session', subject: input.subject, familyId, issuedAt: now, expiresAt: now + refreshTtl * 1000,
      ...(input.clientId === undefined ? {} : { clientId: input.clientId }),
      ...(input.scope === undefined ? {} : { scope: input.scope }),
      ...(input.device === undefined ? {} : { device: input.device }),
      data: { audience: input.audience ?? this.options.audiences[0], claims: input.claims ?? {}, accessTtl: input.accessTtlSeconds ?? this.options.accessTtlSeconds },
    };
    // 0 means unlimited: a plain insert (the store's addSession wants a positive limit).
    const added = this.options.maxUserSessions > 0
      ? await this.store.addSession(session, this.options.maxUserSessions, this.options.sessionLimitPolicy)
      : (await this.store.put(session), { added: true as const, evicted: [] as string[] });
    if (!added.added) {
      this.options.events?.emit('session.limit_exceeded', { time: now, subject: input.subject, live: added.live, max: this.options.maxUserSessions });
      throw new MaxSessionsExceeded(added.live);
    }
    for (const evictedId of added.evicted) await this.store.revokeWhere({ familyId: evictedId }, 'session_limit');
    if (added.evicted.length > 0) this.options.events?.emit('session.evicted', { time: now, subject: input.subject, evicted: added.evicted });
    const pair = await this.mint(session, undefined, refreshTtl);
    return { ...pair, evicted: added.evicted };
  }

  private async mint(session: TokenRecord, parentId: string | undefined, refreshTtl?: number): Promise<TokenPair> {
    const now = Date.now();
    const data = session.data ?? {};
    const accessTtl = typeof data.accessTtl === 'number' ? data.accessTtl : this.options.accessTtlSeconds;
    const audience = typeof data.audience === 'string' ? data.audience : this.options.audiences[0]!;
    const scope = session.scope ?? [];
    const jti = newId();
    const iat = Math.floor(now / 1000);
    const exp = iat + accessTtl;
    const extra = Object.fromEntries(Object.entries((data.claims ?? {}) as Record<string, unknown>).filter(([k]) => !RESERVED.has(k)));
    const claims: JWTClaims = {
      ...extra, iss: this.options.issuer, sub: session.subject, aud: audience, iat, exp, jti, fid: session.familyId!,
      ...(scope.length > 0 ? { scope: scope.join(' ') } : {}),
      ...(session.clientId === undefined ? {} : { client_id: session.clientId }),
    };
    const accessToken = this.options.ring().sign(claims, { typ: 'at+jwt' });
    const refreshToken = `rt_${randomBytes(32).toString('base64url')}`;
    // A refresh token never outlives its session.
    const refreshExpiresAt = Math.min(session.expiresAt, now + (refreshTtl ?? this.options.refreshTtlSeconds) * 1000);
    const common = { subject: session.subject, familyId: session.familyId!, issuedAt: now, ...(session.clientId === undefined ? {} : { clientId: session.clientId }), ...(scope.length > 0 ? { scope } : {}) };
    await this.store.put({ ...common, id: jti, kind: 'access', expiresAt: exp * 1000 });
    await this.store.put({ ...common, id: newId(), kind: 'refresh', hash: tokenHash(refreshToken), expiresAt: refreshExpiresAt, ...(parentId === undefined ? {} : { parentId }) });
    this.options.events?.emit('token.issued', { time: now, kind: 'access', tokenId: jti, subject: session.subject, familyId: session.familyId! });
    return { accessToken, refreshToken, accessExpiresAt: exp * 1000, refreshExpiresAt, familyId: session.familyId!, scope };
  }

  /**
   * Spends a refresh token and issues the next pair of its session.
   * @throws {TokenError} `ERR_REFRESH_TOKEN_REUSED` (the family is then revoked), `ERR_TOKEN_NOT_FOUND`,
   * `ERR_TOKEN_EXPIRED`, `ERR_TOKEN_REVOKED`.
   */
  async refreshTokens(refreshToken: string): Promise<TokenPair> {
    const result = await this.store.consume(tokenHash(refreshToken));
    if (!result.consumed) {
      if (result.reason === 'already_consumed') {
        const familyId = result.record.familyId;
        const revoked = familyId === undefined ? 0 : await this.store.revokeWhere({ familyId }, 'refresh_reuse');
        this.options.events?.emit('refresh.reuse_detected', { time: Date.now(), subject: result.record.subject, revoked, ...(familyId === undefined ? {} : { familyId }) });
        throw new TokenError('ERR_REFRESH_TOKEN_REUSED', 'the refresh token was already used; the session was revoked');
      }
      throw refusal(result.reason);
    }
    const record = result.record;
    if (record.kind !== 'refresh' || record.familyId === undefined) throw new TokenError('ERR_TOKEN_NOT_FOUND', 'unknown refresh token');
    const session = await this.store.get(record.familyId);
    if (session === undefined || session.revokedAt !== undefined) throw new TokenError('ERR_TOKEN_REVOKED', 'the session was revoked');
    if (session.expiresAt <= Date.now()) throw new TokenError('ERR_FAMILY_EXPIRED', 'the session expired');
    const pair = await this.mint(session, record.id);
    this.options.events?.emit('token.refreshed', { time: Date.now(), kind: 'refresh', subject: record.subject, familyId: record.familyId, parentId: record.id });
    return pair;
  }

  /** Verifies an access token: signature, issuer, audience, expiry, then revocation in the store. */
  async verifyToken(token: string, audience?: string): Promise<AccessVerifyResult> {
    let claims: JWTClaims;
    try {
      claims = await this.verifySignature(token, audience ?? this.options.audiences[0]!);
    } catch (err) {
      if (isCjwtError(err) && err.code !== 'ERR_STORAGE') return { valid: false, error: err };
      throw err;
    }
    if (typeof claims.jti !== 'string') return { valid: false, error: new TokenError('ERR_JWT_INVALID', 'access token has no jti') };
    if (await this.store.isRevoked(claims.jti)) return { valid: false, error: new TokenError('ERR_TOKEN_REVOKED', 'the token was revoked') };
    return { valid: true, claims };
  }

  private async verifySignature(token: string, audience: string): Promise<JWTClaims> {
    try {
      return this.verifierFor(audience)(token).payload;
    } catch (err) {
      if (isCjwtError(err, 'ERR_JWKS_NO_MATCHING_KEY') && this.options.onUnknownKey !== undefined && (await this.options.onUnknownKey())) {
        return this.verifierFor(audience)(token).payload;
      }
      throw err;
    }
  }

  /**
   * Ends the session an access or refresh token belongs to; resolves to the revoked records'
   * count, 0 when the token is unknown or invalid.
   */
  async logout(token: string): Promise<number> {
    const familyId = await this.familyOf(token);
    if (familyId === undefined) return 0;
    return this.revokeFamily(familyId, 'logout');
  }

  /** The family of a valid access token or a known refresh token. */
  async familyOf(token: string): Promise<string | undefined> {
    if (looksLikeJWT(token)) {
      const result = await this.verifyToken(token);
      return result.valid && typeof result.claims.fid === 'string' ? result.claims.fid : undefined;
    }
    const record = await this.store.getByHash(tokenHash(token));
    return record?.kind === 'refresh' ? record.familyId : undefined;
  }

  /** Revokes every record of one session. */
  async revokeFamily(familyId: string, reason: string): Promise<number> {
    const count = await this.store.revokeWhere({ familyId }, reason);
    this.options.events?.emit('token.revoked', { time: Date.now(), familyId, reason, count });
    return count;
  }

  /** The subject's live sessions, oldest first. */
  async listSessions(subject: string): Promise<TokenRecord[]> {
    const out: TokenRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.store.list({ subject, kind: 'session', status: 'active' }, { limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
      out.push(...page.records);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return out;
  }

  /** Live sessions of a subject. */
  sessionCount(subject: string): Promise<number> {
    return this.store.count({ subject, kind: 'session', status: 'active' });
  }

  /** Revokes one of the subject's sessions; false when it is not theirs or not live. */
  async revokeSession(subject: string, familyId: string): Promise<boolean> {
    const session = await this.store.get(familyId);
    if (session === undefined || session.kind !== 'session' || session.subject !== subject || session.revokedAt !== undefined) return false;
    await this.revokeFamily(familyId, 'session_revoked');
    return true;
  }

  /** Revokes every session and token of the subject. */
  async revokeAllSessions(subject: string): Promise<number> {
    const count = await this.store.revokeWhere({ subject }, 'revoke_all');
    this.options.events?.emit('token.revoked', { time: Date.now(), subject, reason: 'revoke_all', count });
    return count;
  }
}

function refusal(reason: 'not_found' | 'expired' | 'revoked'): TokenError {
  switch (reason) {
    case 'expired': return new TokenError('ERR_TOKEN_EXPIRED', 'the refresh token expired');
    case 'revoked': return new TokenError('ERR_TOKEN_REVOKED', 'the refresh token was revoked');
    default: return new TokenError('ERR_TOKEN_NOT_FOUND', 'unknown refresh token');
  }
}
