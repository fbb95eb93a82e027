/**
 * The service's token lifecycle: the lifecycle layer's TokenPairIssuer (access JWTs from a
 * JWTManager over the service's KeyRing, opaque refresh tokens with atomic rotation and reuse
 * detection, session limits) behind the few calls the routes make. The issuer and manager are
 * rebuilt when the key ring is replaced (another process rotated) or the issuer URL becomes known.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { isCjwtError, JWTClaimValidationFailed, TokenError, TokenRevoked } from '../jose/errors.js';
import { InvalidToken, JWTManager, type TokenEncryptionConfig, type VerifyTokenResult } from '../jwt/index.js';
import type { KeyRing } from '../keys/index.js';
import type { TokenEvents } from '../lifecycle/events.js';
import type { RevocationAnswerer } from '../lifecycle/feed/mirrored-store.js';
import { TokenPairIssuer, type IssueTokenPairInput, type RefreshSession, type TokenPair } from '../lifecycle/refresh/index.js';
import type { SessionLimitPolicy, TokenStore } from '../store/index.js';

/** Settings of a {@link SessionAuthority}. */
export interface SessionAuthorityOptions {
  store: TokenStore;
  /** Returns the current signing ring (it may be replaced after a rotation elsewhere). */
  ring: () => KeyRing;
  issuer: string;
  /** Audiences of access tokens (issued with all of them; verification accepts any). */
  audiences: string[];
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** 0: unlimited. */
  maxUserSessions: number;
  sessionLimitPolicy: SessionLimitPolicy;
  /** Retry window of a just-rotated refresh token (0: every reuse revokes the session). */
  reuseGraceMs: number;
  /** 32+ bytes shared by every server of the service (derived from the master key). */
  secret: Uint8Array;
  events?: TokenEvents;
  /** Called when a token names a kid the ring does not know (another process may have rotated); true when the ring changed. */
  onUnknownKey?: () => Promise<boolean>;
  /**
   * The feed's mirror (`revocation: 'feed'`): access tokens are checked against it instead of a
   * store read; while it is older than its bound (`'unknown'`) the store answers.
   */
  revocationMirror?: RevocationAnswerer;
  /**
   * With a mirror: resolves once it holds what this process just revoked, so a logout answers
   * only when this process's next check refuses the token (read-your-writes).
   */
  settle?: () => Promise<void>;
  /** Access tokens are nested JWTs encrypted with this (and only such tokens verify). */
  encryption?: TokenEncryptionConfig;
}

export type { TokenPair, RefreshSession };

/** Lifetimes of one login that differ from the service's; the caller keeps them within the service's. */
export interface SessionLifetimes {
  /** Lifetime of the login's first access token (refreshes get the service's, never past the session's end). */
  accessTtlSeconds?: number;
  /** Absolute lifetime of the session: its refresh tokens, and every token a refresh gives, end by then. */
  sessionTtlSeconds?: number;
}

/** SHA-256 (base64url) of a token: what the store keeps instead of the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** True when the text has the shape of a compact JWS (three segments) or JWE (five: a nested access token). */
export function looksLikeJWT(token: string): boolean {
  const segments = token.split('.', 6).length;
  return segments === 3 || segments === 5;
}

/** Derives the lifecycle secret from the master key, so every process on one data directory agrees. */
export function deriveLifecycleSecret(masterKey: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', masterKey, new Uint8Array(0), 'cjwt service refresh tokens', 32));
}

/** The session and token lifecycle the service's endpoints call. */
export class SessionAuthority {
  private readonly options: SessionAuthorityOptions;
  private built: { ring: KeyRing; issuer: string; jwt: JWTManager; pairs: TokenPairIssuer } | undefined;

  constructor(options: SessionAuthorityOptions) {
    this.options = options;
  }

  /** Sets the issuer once the listening address is known (port 0). */
  setIssuer(issuer: string): void {
    this.options.issuer = issuer;
  }

  /** The store sessions live in. */
  get store(): TokenStore {
    return this.options.store;
  }

  /** The JWT manager and pair issuer for the current ring and issuer, built once per change. */
  private parts(): { jwt: JWTManager; pairs: TokenPairIssuer } {
    const ring = this.options.ring();
    const o = this.options;
    if (this.built === undefined || this.built.ring !== ring || this.built.issuer !== o.issuer) {
      const jwt = JWTManager.withKeyRing(ring, {
        issuer: o.issuer, audience: o.audiences.length === 1 ? o.audiences[0]! : o.audiences, typ: 'at+jwt', metrics: false, audit: false,
        ...(o.encryption === undefined ? {} : { encryption: o.encryption }),
      });
      this.built = { ring, issuer: o.issuer, jwt, pairs: this.pairIssuer(jwt, {}) };
    }
    return this.built;
  }

  /**
   * A pair issuer over `jwt` with the service's settings and `lifetimes`. Every issuer shares the
   * store and secret, so any of them refreshes a family another opened; the family's end is
   * stored with it, so a shortened session stays short whichever issuer rotates it.
   */
  private pairIssuer(jwt: JWTManager, lifetimes: SessionLifetimes): TokenPairIssuer {
    const o = this.options;
    const session = lifetimes.sessionTtlSeconds;
    return new TokenPairIssuer({
      jwt, store: o.store, accessTtl: lifetimes.accessTtlSeconds ?? o.accessTtlSeconds,
      refreshTtl: session === undefined ? o.refreshTtlSeconds : Math.min(session, o.refreshTtlSeconds),
      ...(session === undefined ? {} : { familyMaxLifetime: session }),
      maxUserSessions: o.maxUserSessions, sessionLimitPolicy: o.sessionLimitPolicy, reuseGraceMs: o.reuseGraceMs, secret: o.secret,
      ...(o.events === undefined ? {} : { events: o.events }),
    });
  }

  /**
   * Opens a session and issues its first pair, with the service's lifetimes or shorter ones.
   * @throws {TokenError} `ERR_MAX_SESSIONS_EXCEEDED` (with `live`) past `maxUserSessions` with the `reject` policy.
   */
  async issueTokenPair(input: IssueTokenPairInput, lifetimes?: SessionLifetimes): Promise<TokenPair> {
    const parts = this.parts();
    // Issuers are cheap to build (no key work): one per login with its own lifetimes.
    const pairs = lifetimes === undefined ? parts.pairs : this.pairIssuer(parts.jwt, lifetimes);
    const pair = await pairs.issueTokenPair(input);
    // evict-oldest may have ended a session to make room.
    if (this.options.sessionLimitPolicy === 'evict-oldest' && this.options.maxUserSessions > 0) await this.#settle();
    return pair;
  }

  async #settle(): Promise<void> {
    await this.options.settle?.();
  }

  /**
   * Spends a refresh token and issues the next pair of its session.
   * @throws {TokenError} `ERR_REFRESH_TOKEN_REUSED` (the session is then revoked), `ERR_TOKEN_MALFORMED`,
   * `ERR_TOKEN_NOT_FOUND`, `ERR_TOKEN_EXPIRED`, `ERR_TOKEN_REVOKED`, `ERR_FAMILY_EXPIRED`.
   */
  async refreshTokens(refreshToken: string): Promise<TokenPair> {
    try {
      return await this.parts().pairs.refreshTokens(refreshToken);
    } catch (err) {
      if (isCjwtError(err, 'ERR_REFRESH_TOKEN_REUSED')) await this.#settle();
      throw err;
    }
  }

  /**
   * Verifies an access token: signature, issuer, audience, expiry, then its record in the store,
   * or with a revocation mirror, the mirror while it is current.
   */
  async verifyToken(token: string): Promise<VerifyTokenResult> {
    const result = await this.#verifyOnce(token);
    if (!result.valid && result.error.code === 'ERR_JWKS_NO_MATCHING_KEY' && this.options.onUnknownKey !== undefined && (await this.options.onUnknownKey())) {
      return this.#verifyOnce(token);
    }
    return result;
  }

  async #verifyOnce(token: string): Promise<VerifyTokenResult> {
    const mirror = this.options.revocationMirror;
    if (mirror === undefined) return this.parts().pairs.verifyAccessToken(token);
    const result = await this.parts().jwt.verifyToken(token);
    if (!result.valid) return result;
    const { jti, iat, sid } = result.claims;
    if (typeof jti !== 'string') return new InvalidToken(new JWTClaimValidationFailed('access token has no "jti" claim', 'jti', 'missing'));
    // The session cutoff applies by sid (a logged-out session never issues again). Not the subject
    // cutoff: `iat` has whole seconds, so a login in the second after a revoke-all would be refused;
    // revoke-all also logs every revoked access token by id, which is what the store check sees too.
    const answer = mirror.isRevoked(jti, typeof sid === 'string' && typeof iat === 'number' ? { issuedAt: iat * 1000, familyId: sid } : undefined);
    if (answer === true) return new InvalidToken(new TokenRevoked('access token revoked'));
    if (answer === false) return result;
    return this.parts().pairs.verifyAccessToken(token);
  }

  /**
   * Ends the session an access or refresh token belongs to; resolves to the number of records
   * revoked, 0 when the token is unknown, invalid or its session already ended.
   */
  async logout(token: string): Promise<number> {
    try {
      const { revoked } = await this.parts().pairs.logout(token);
      if (revoked > 0) await this.#settle();
      return revoked;
    } catch (err) {
      if (isCjwtError(err) && err.code !== 'ERR_STORAGE') return 0;
      throw err;
    }
  }

  /** The subject's live sessions, oldest first, with device facts. */
  listSessions(subject: string): Promise<RefreshSession[]> {
    return this.parts().pairs.listSessions(subject);
  }

  /** Live sessions of a subject. */
  async sessionCount(subject: string): Promise<number> {
    return (await this.listSessions(subject)).length;
  }

  /** Revokes one of the subject's sessions; false when it is not theirs or already ended. */
  async revokeSession(subject: string, familyId: string): Promise<boolean> {
    const sessions = await this.listSessions(subject);
    if (!sessions.some((s) => s.familyId === familyId)) return false;
    const { revoked } = await this.parts().pairs.revokeSession(familyId, subject);
    if (revoked > 0) await this.#settle();
    return revoked > 0;
  }

  /** Revokes every session and token of the subject. */
  async revokeAllSessions(subject: string): Promise<number> {
    const { revoked } = await this.parts().pairs.revokeAllSessions(subject);
    if (revoked > 0) await this.#settle();
    return revoked;
  }
}

/** The live-session count a refused login reports (set by the pair issuer on its error). */
export function liveCountOf(err: unknown): number | undefined {
  if (!(err instanceof TokenError) || err.code !== 'ERR_MAX_SESSIONS_EXCEEDED') return undefined;
  const live = (err as TokenError & { live?: unknown }).live;
  return typeof live === 'number' ? live : 0;
}
