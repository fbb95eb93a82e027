/**
 * The framework-free core of every adapter: find the token, run the verifier, check scopes, and
 * answer with either the request's auth or an RFC 6750 refusal.
 */
import { isCjwtError } from '../jose/errors.js';
import { insufficientScope, invalidRequest, invalidToken, missingToken, unavailable } from './challenge.js';
import { extractToken } from './credentials.js';
import type { AuthOptions, AuthOutcome, RequestAuth, TokenVerifier, VerifierResult } from './types.js';

const DEFAULT_MAX_TOKEN_LENGTH = 8192;

/** Scopes of a claims set or token info: a space-separated `scope`, or a `scope`/`scopes`/`scp` list. */
export function scopesOf(claims: Record<string, unknown>): string[] {
  for (const name of ['scope', 'scopes', 'scp']) {
    const value = claims[name];
    if (typeof value === 'string') return value.split(' ').filter((s) => s !== '');
    if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string');
  }
  return [];
}

function subjectOf(claims: Record<string, unknown>): string | undefined {
  const sub = claims.sub ?? claims.userId ?? claims.subject;
  return typeof sub === 'string' ? sub : typeof sub === 'number' ? String(sub) : undefined;
}

/** Calls whichever verification method the verifier has. */
export function runVerifier(verifier: TokenVerifier, token: string): Promise<VerifierResult> | VerifierResult {
  if ('verifyToken' in verifier && typeof verifier.verifyToken === 'function') return verifier.verifyToken(token);
  if ('validateToken' in verifier && typeof verifier.validateToken === 'function') return verifier.validateToken(token);
  throw new TypeError('the verifier needs a verifyToken(token) or validateToken(token) method');
}

/** Checks that `verifier` can be used, so a misconfiguration fails at startup rather than per request. */
export function assertVerifier(verifier: unknown): asserts verifier is TokenVerifier {
  const v = verifier as Record<string, unknown> | null;
  if (v === null || typeof v !== 'object' || (typeof v.verifyToken !== 'function' && typeof v.validateToken !== 'function')) {
    throw new TypeError('the verifier needs a verifyToken(token) or validateToken(token) method');
  }
}

/**
 * Authenticates one request from its `Authorization` and `Cookie` headers.
 *
 * @example
 * const outcome = await authenticateRequest(manager, req.headers.authorization, req.headers.cookie, { requiredScopes: ['read'] });
 */
export async function authenticateRequest(verifier: TokenVerifier, authorization: string | undefined, cookieHeader: string | undefined, options: AuthOptions = {}): Promise<AuthOutcome> {
  const realm = options.realm ?? 'cjwt';
  const found = extractToken(authorization, cookieHeader, options.cookieName);
  if (found.kind === 'malformed') return { ok: false, failure: invalidRequest(realm, found.description) };
  if (found.kind === 'none') return options.optional === true ? { ok: true, auth: undefined } : { ok: false, failure: missingToken(realm) };
  const token = found.token;
  if (token.length > (options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH)) {
    return { ok: false, failure: invalidToken(realm, 'ERR_TOKEN_TOO_LARGE', 'token exceeds the maximum size') };
  }
  let result: VerifierResult;
  try {
    result = await runVerifier(verifier, token);
  } catch (err) {
    if (isCjwtError(err, 'ERR_STORAGE')) return { ok: false, failure: unavailable() };
    if (isCjwtError(err)) return { ok: false, failure: invalidToken(realm, err.code, 'the token is not valid') };
    throw err;
  }
  if (!result.valid) {
    const code = typeof result.error?.code === 'string' ? result.error.code : 'ERR_TOKEN_INVALID';
    if (code === 'ERR_STORAGE') return { ok: false, failure: unavailable() };
    return { ok: false, failure: invalidToken(realm, code, describe(code)) };
  }
  const claims = { ...(result.claims ?? result.tokenInfo ?? result.payload ?? {}) } as Record<string, unknown>;
  const auth: RequestAuth = { token, subject: subjectOf(claims), scopes: scopesOf(claims), claims };
  const required = options.requiredScopes ?? [];
  if (required.length > 0) {
    const granted = new Set(auth.scopes);
    if (!required.every((s) => granted.has(s))) return { ok: false, failure: insufficientScope(realm, required) };
  }
  return { ok: true, auth };
}

// Fixed descriptions per code: the verifier's own message may echo request data.
function describe(code: string): string {
  switch (code) {
    case 'ERR_JWT_EXPIRED': case 'ERR_TOKEN_EXPIRED': return 'the token expired';
    case 'ERR_TOKEN_REVOKED': return 'the token was revoked';
    case 'ERR_TOKEN_TOO_LARGE': return 'token exceeds the maximum size';
    default: return 'the token is not valid';
  }
}
