/**
 * RFC 6750 §3 `WWW-Authenticate: Bearer` challenges and the JSON bodies that go with them.
 */
import type { AuthFailure } from './types.js';

function quote(value: string): string {
  // Header values are quoted-strings: drop what cannot be in one instead of escaping it badly.
  return `"${value.replace(/[\\"]/g, '').replace(/[^\x20-\x7e]/g, '')}"`;
}

/** A challenge: realm only when no credentials were sent, with `error` (and `scope`) otherwise. */
export function bearerChallenge(realm: string, error?: string, description?: string, scope?: string[]): string {
  let value = `Bearer realm=${quote(realm)}`;
  if (error !== undefined) value += `, error=${quote(error)}`;
  if (description !== undefined) value += `, error_description=${quote(description)}`;
  if (scope !== undefined && scope.length > 0) value += `, scope=${quote(scope.join(' '))}`;
  return value;
}

/** 401 with no error code: the request carried no token (RFC 6750 §3.1). */
export function missingToken(realm: string): AuthFailure {
  return { status: 401, challenge: bearerChallenge(realm), body: { error: 'invalid_token', code: 'ERR_NO_TOKEN', error_description: 'a bearer token is required' } };
}

/** 400 `invalid_request`. */
export function invalidRequest(realm: string, description: string): AuthFailure {
  return { status: 400, challenge: bearerChallenge(realm, 'invalid_request', description), body: { error: 'invalid_request', code: 'ERR_INVALID_REQUEST', error_description: description } };
}

/** 401 `invalid_token` with the verifier's error code. */
export function invalidToken(realm: string, code: string, description: string): AuthFailure {
  return { status: 401, challenge: bearerChallenge(realm, 'invalid_token', description), body: { error: 'invalid_token', code, error_description: description } };
}

/** 403 `insufficient_scope` naming the scopes the resource needs. */
export function insufficientScope(realm: string, required: string[]): AuthFailure {
  const description = 'the token lacks a required scope';
  return {
    status: 403,
    challenge: bearerChallenge(realm, 'insufficient_scope', description, required),
    body: { error: 'insufficient_scope', code: 'ERR_INSUFFICIENT_SCOPE', error_description: description },
  };
}

/** 503: the store behind the verifier failed; the token is neither valid nor invalid. */
export function unavailable(): AuthFailure {
  return { status: 503, body: { error: 'temporarily_unavailable', code: 'ERR_STORAGE', error_description: 'token store unavailable' } };
}
