/**
 * Verifying JWTs against a remote JWKS: the only async step is getting the key; verification
 * itself is the synchronous jose verifier, compiled once per key.
 */
import type { KeyObject } from 'node:crypto';
import { JWSInvalid, TokenTooLarge } from '../jose/errors.js';
import { DEFAULT_MAX_TOKEN_SIZE } from '../jose/jws/jws.js';
import { parseProtectedHeader } from '../jose/jws/jws-header.js';
import { createJWTVerifier, type JWTVerifyOptions, type JWTVerifyResult } from '../jose/jwt/jwt.js';
import type { RemoteJWKSet } from './remote-jwks.js';

async function headerAndKey(token: string, jwks: RemoteJWKSet, maxTokenSize: number): Promise<KeyObject> {
  if (typeof token !== 'string') throw new JWSInvalid('token must be a string');
  if (token.length > maxTokenSize) throw new TokenTooLarge();
  const dot = token.indexOf('.');
  if (dot <= 0) throw new JWSInvalid('compact JWS must have three segments');
  const header = parseProtectedHeader(token.slice(0, dot));
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new JWSInvalid('"kid" header parameter must be a string');
  return jwks.getKey(header);
}

/**
 * Builds an async verifier over a remote JWKS; per-key verifiers are compiled once and reused
 * across refetches of the same key.
 *
 * @example
 * const verify = createRemoteJWTVerifier(createRemoteJWKSet(url), { issuer: 'https://issuer.example', audience: 'api' });
 * const { payload } = await verify(token);
 */
export function createRemoteJWTVerifier(jwks: RemoteJWKSet, options: JWTVerifyOptions = {}): (token: string) => Promise<JWTVerifyResult> {
  const verifiers = new WeakMap<KeyObject, (token: string) => JWTVerifyResult>();
  const maxTokenSize = options.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE;
  return async (token) => {
    const key = await headerAndKey(token, jwks, maxTokenSize);
    let verify = verifiers.get(key);
    if (verify === undefined) {
      verify = createJWTVerifier(key, options);
      verifiers.set(key, verify);
    }
    return verify(token);
  };
}

/**
 * Verifies a JWT with the key the remote JWKS holds for its header.
 *
 * @throws {JWKSNoMatchingKey | JWKSTimeout | JWKSFetchFailed | JoseError} as the key lookup or verification fails.
 * @example const { payload } = await verifyJWTWithRemoteJWKS(token, jwks, { audience: 'api' });
 */
export async function verifyJWTWithRemoteJWKS(token: string, jwks: RemoteJWKSet, options: JWTVerifyOptions = {}): Promise<JWTVerifyResult> {
  const key = await headerAndKey(token, jwks, options.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE);
  return createJWTVerifier(key, options)(token);
}
