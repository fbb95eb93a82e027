/**
 * Access and refresh token pairs as nested JWTs (signed, then encrypted), with the seed's claims:
 * `uid`, `sub`, `aud`, `iss`, `device_id`, `client_id`, `scope`, and `token_use` (`access` or
 * `refresh`) mirrored by the inner `typ` (`at+jwt` / `refresh+jwt`) so that one kind is never
 * accepted as the other. A refresh token carries its own `jti` and a family id `fid`.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import type { JWSAlgorithm } from '../jose/algorithms.js';
import { JWTClaimValidationFailed } from '../jose/errors.js';
import type { JWEDecryptOptions } from '../jose/jwe/jwe.js';
import type { ContentEncryptionAlgorithm, JWEKey, JWEKeyResolver, KeyManagementAlgorithm } from '../jose/jwe/types.js';
import type { VerifyKey } from '../jose/jws/jws.js';
import type { JWTClaims } from '../jose/jwt/jwt-claims.js';
import { assertSeparateKeys, defaultContentEncryption, defaultEncryptionAlgorithms, defaultSigningAlgorithm } from './defaults.js';
import { createNestedJWTIssuer, createNestedJWTVerifier, type NestedJWTResult } from './nested.js';

/** Inner `typ` of access tokens (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Inner `typ` of refresh tokens. */
export const REFRESH_TOKEN_TYP = 'refresh+jwt';

/** Keys and algorithms of an issuer; fixed for many pairs. */
export interface AccessRefreshIssuerConfig {
  iss: string;
  aud: string | string[];
  /** Signing key (`use: "sig"`); default algorithm from the key (ES256 for P-256, ...). */
  signingKey: KeyObject;
  signingAlg?: JWSAlgorithm;
  signingKid?: string;
  /** Encryption key (`use: "enc"`), a public key or a secret; must differ from the signing key. */
  encryptionKey: JWEKey;
  /** Default from the key: ECDH-ES+A256KW (EC/OKP), RSA-OAEP-256 (RSA), dir (secret). */
  alg?: KeyManagementAlgorithm;
  /** Default A256GCM (or the AES mode a `dir` secret's length implies). */
  enc?: ContentEncryptionAlgorithm;
  encryptionKid?: string;
  /** Access token lifetime in minutes; default 15. */
  accessTtlMinutes?: number;
  /** Refresh token lifetime in days; default 30. */
  refreshTtlDays?: number;
}

/** Who a pair is for. */
export interface AccessRefreshSubject {
  /** The user id of the seed; also `sub` unless `sub` is given. */
  uid: string | number;
  sub?: string;
  deviceId?: string;
  clientId?: string;
  /** Space-separated string or list; stored as a space-separated `scope`. */
  scope?: string | string[];
  /** Continue a refresh family (rotation); default a new family. */
  familyId?: string;
  /** Extra claims for the access token (registered and pair claims cannot be overridden). */
  claims?: Record<string, unknown>;
}

/** Options of {@link issueAccessAndRefresh}: the issuer configuration plus the subject. */
export interface IssueAccessAndRefreshOptions extends AccessRefreshIssuerConfig, AccessRefreshSubject {}

/** An issued pair with the identifiers a store needs. */
export interface AccessRefreshPair {
  accessToken: string;
  refreshToken: string;
  /** `jti` of the access token. */
  accessTokenId: string;
  /** `jti` of the refresh token. */
  refreshTokenId: string;
  /** `fid` of the refresh token. */
  familyId: string;
  accessExpiresAt: Date;
  refreshExpiresAt: Date;
}

const PAIR_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'uid', 'device_id', 'client_id', 'scope', 'token_use', 'fid']);

function newId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Builds an issuer of access/refresh pairs: signers and encrypters compiled once for the keys.
 *
 * @example
 * const issue = createAccessRefreshIssuer({ iss: 'https://auth.example', aud: 'api', signingKey, signingKid: 'sig-1', encryptionKey, encryptionKid: 'enc-1' });
 * const { accessToken, refreshToken } = issue({ uid: 42, deviceId: 'phone', scope: ['read'] });
 */
export function createAccessRefreshIssuer(config: AccessRefreshIssuerConfig): (subject: AccessRefreshSubject) => AccessRefreshPair {
  assertSeparateKeys(config.signingKey, config.encryptionKey);
  const alg = config.alg ?? defaultEncryptionAlgorithms(config.encryptionKey).alg;
  const enc = config.enc ?? defaultContentEncryption(alg, config.encryptionKey);
  const signingAlg = config.signingAlg ?? defaultSigningAlgorithm(config.signingKey);
  const accessTtl = Math.round((config.accessTtlMinutes ?? 15) * 60);
  const refreshTtl = Math.round((config.refreshTtlDays ?? 30) * 86400);
  const common = { signingKey: config.signingKey, signingAlg, signingKid: config.signingKid, encryptionKey: config.encryptionKey, alg, enc, encryptionKid: config.encryptionKid, issuedAt: false };
  const issueAccess = createNestedJWTIssuer({ ...common, typ: ACCESS_TOKEN_TYP });
  const issueRefresh = createNestedJWTIssuer({ ...common, typ: REFRESH_TOKEN_TYP });
  return (subject) => {
    const now = Math.floor(Date.now() / 1000);
    const scope = Array.isArray(subject.scope) ? subject.scope.join(' ') : subject.scope;
    const base: JWTClaims = { iss: config.iss, sub: subject.sub ?? String(subject.uid), aud: config.aud, iat: now, uid: subject.uid };
    if (subject.deviceId !== undefined) base.device_id = subject.deviceId;
    if (subject.clientId !== undefined) base.client_id = subject.clientId;
    if (scope !== undefined) base.scope = scope;
    const extra = Object.fromEntries(Object.entries(subject.claims ?? {}).filter(([name]) => !PAIR_CLAIMS.has(name)));
    const accessTokenId = newId();
    const refreshTokenId = newId();
    const familyId = subject.familyId ?? newId();
    const accessExp = now + accessTtl;
    const refreshExp = now + refreshTtl;
    return {
      accessToken: issueAccess({ ...extra, ...base, exp: accessExp, jti: accessTokenId, token_use: 'access' }),
      refreshToken: issueRefresh({ ...base, exp: refreshExp, jti: refreshTokenId, fid: familyId, token_use: 'refresh' }),
      accessTokenId,
      refreshTokenId,
      familyId,
      accessExpiresAt: new Date(accessExp * 1000),
      refreshExpiresAt: new Date(refreshExp * 1000),
    };
  };
}

// One-shot calls reuse the issuer compiled for the same keys and settings.
const issuerCache = new WeakMap<KeyObject, Map<unknown, Map<string, (subject: AccessRefreshSubject) => AccessRefreshPair>>>();

function cached<T>(cache: WeakMap<object, Map<unknown, Map<string, T>>>, first: object, second: unknown, rest: string, create: () => T): T {
  let level1 = cache.get(first);
  if (level1 === undefined) cache.set(first, (level1 = new Map()));
  let level2 = level1.get(second);
  if (level2 === undefined) {
    if (level1.size >= 16) level1.clear();
    level1.set(second, (level2 = new Map()));
  }
  let value = level2.get(rest);
  if (value === undefined) {
    if (level2.size >= 64) level2.clear();
    level2.set(rest, (value = create()));
  }
  return value;
}

/**
 * Issues an access token and a refresh token as nested JWTs (sign, then encrypt).
 *
 * @example
 * const { accessToken, refreshToken, familyId } = issueAccessAndRefresh({
 *   uid: 42, aud: 'api', iss: 'https://auth.example', deviceId: 'phone', clientId: 'web', scope: 'read write',
 *   accessTtlMinutes: 15, refreshTtlDays: 30, signingKey, encryptionKey,
 * });
 */
export function issueAccessAndRefresh(options: IssueAccessAndRefreshOptions): AccessRefreshPair {
  const { uid, sub, deviceId, clientId, scope, familyId, claims, ...config } = options;
  const settings = JSON.stringify([config.iss, config.aud, config.signingAlg, config.signingKid, config.alg, config.enc, config.encryptionKid, config.accessTtlMinutes, config.refreshTtlDays]);
  const second = typeof config.encryptionKey === 'string' ? `pw:${config.encryptionKey}` : config.encryptionKey;
  const issue = cached(issuerCache, config.signingKey, second, settings, () => createAccessRefreshIssuer(config));
  return issue({ uid, sub, deviceId, clientId, scope, familyId, claims });
}

/** Options of {@link decryptAndVerifyAccess} / {@link decryptAndVerifyRefresh}. */
export interface VerifyPairTokenOptions extends Omit<JWEDecryptOptions, 'crit'> {
  /** Outer decryption key (`use: "enc"`) or a resolver by `kid`. */
  decryptionKey: JWEKey | JWEKeyResolver;
  /** Inner verification key (`use: "sig"`) or a resolver by `kid`. */
  verificationKey: VerifyKey;
  /** Expected `iss`. */
  issuer: string | string[];
  /** Expected `aud` (one in common). */
  audience: string | string[];
  /** Allowed inner signature algorithms (intersected with what the key allows). */
  algorithms?: JWSAlgorithm[];
  /** Clock skew for exp/nbf, seconds or `'30s'`. */
  clockTolerance?: number | string;
  currentDate?: Date;
}

type Kind = 'access' | 'refresh';

function compileVerifier(kind: Kind, options: VerifyPairTokenOptions): (token: string) => NestedJWTResult {
  const verify = createNestedJWTVerifier({
    ...options,
    typ: kind === 'access' ? ACCESS_TOKEN_TYP : REFRESH_TOKEN_TYP,
    requiredClaims: kind === 'access' ? ['exp', 'iat', 'jti', 'sub', 'token_use'] : ['exp', 'iat', 'jti', 'sub', 'token_use', 'fid'],
  });
  return (token) => {
    const result = verify(token);
    // The inner typ already differs; the claim is checked too so a token is judged by both.
    if (result.payload.token_use !== kind) {
      throw new JWTClaimValidationFailed(`expected a ${kind} token`, 'token_use', 'check_failed');
    }
    if (kind === 'refresh' && typeof result.payload.fid !== 'string') {
      throw new JWTClaimValidationFailed('"fid" claim must be a string', 'fid', 'invalid');
    }
    return result;
  };
}

/**
 * Builds verifiers of access and refresh tokens, compiled once.
 *
 * @example
 * const verifier = createAccessRefreshVerifier({ decryptionKey, verificationKey, issuer: 'https://auth.example', audience: 'api' });
 * const { payload } = verifier.verifyAccess(accessToken);
 */
export function createAccessRefreshVerifier(options: VerifyPairTokenOptions): { verifyAccess(token: string): NestedJWTResult; verifyRefresh(token: string): NestedJWTResult } {
  return { verifyAccess: compileVerifier('access', options), verifyRefresh: compileVerifier('refresh', options) };
}

const verifierCache = new WeakMap<object, Map<unknown, Map<string, (token: string) => NestedJWTResult>>>();

function cachedVerifier(kind: Kind, options: VerifyPairTokenOptions): (token: string) => NestedJWTResult {
  const { decryptionKey, verificationKey, ...rest } = options;
  if (typeof decryptionKey === 'string' || (rest.currentDate !== undefined)) return compileVerifier(kind, options);
  const settings = JSON.stringify([kind, rest]);
  return cached(verifierCache, decryptionKey, verificationKey, settings, () => compileVerifier(kind, options));
}

/**
 * Decrypts an access token and verifies its signature, `iss`, `aud`, `exp` and type: a refresh
 * token is refused (`ERR_JWT_CLAIM_VALIDATION_FAILED`).
 *
 * @example
 * const { payload } = decryptAndVerifyAccess(accessToken, { decryptionKey, verificationKey, issuer: 'https://auth.example', audience: 'api' });
 */
export function decryptAndVerifyAccess(token: string, options: VerifyPairTokenOptions): NestedJWTResult {
  return cachedVerifier('access', options)(token);
}

/**
 * Decrypts a refresh token and verifies its signature, `iss`, `aud`, `exp`, type, `jti` and `fid`:
 * an access token is refused.
 *
 * @example
 * const { payload } = decryptAndVerifyRefresh(refreshToken, { decryptionKey, verificationKey, issuer: 'https://auth.example', audience: 'api' });
 * payload.fid; // the refresh family
 */
export function decryptAndVerifyRefresh(token: string, options: VerifyPairTokenOptions): NestedJWTResult {
  return cachedVerifier('refresh', options)(token);
}
