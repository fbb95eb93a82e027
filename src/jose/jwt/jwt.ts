/**
 * Signed JWTs: compact JWS whose payload is a JSON claims set. Signers and verifiers precompute
 * everything per key; verification is synchronous.
 */
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import type { JWSAlgorithm } from '../algorithms.js';
import { encodeBase64url } from '../base64url.js';
import { JWSInvalid, JWTInvalid } from '../errors.js';
import { compilePolicy, parseProtectedHeader, type JWSHeader, type VerifyPolicy } from '../jws/jws-header.js';
import { buildSignerHeader, compileSigningHeader, prepareStaticKey, verifyCompactParts, type VerifyKey } from '../jws/jws.js';
import type { PreparedKey } from '../jws/jws-crypto.js';
import { isCanonicalSegment } from '../jws/jws-segments.js';
import { compileClaimsBuilder, compileClaimsValidator, parseClaimsPayload, type ClaimsValidator, type JWTClaims, type JWTClaimsOptions, type JWTVerifyOptions } from './jwt-claims.js';

export { parseDuration } from '../duration.js';
export { buildClaims, normalizeTyp, type JWTClaims, type JWTClaimsOptions, type JWTVerifyOptions } from './jwt-claims.js';

/** Options of `signJWT`. */
export interface JWTSignOptions extends JWTClaimsOptions {
  alg: JWSAlgorithm;
  kid?: string;
  /** Header `typ` (default `JWT`; e.g. `at+jwt` for RFC 9068 access tokens). */
  typ?: string;
  /** Further protected header parameters. */
  header?: Record<string, unknown>;
}

/** Options of `createJWTSigner`: the key plus the signing options. */
export interface JWTSignerOptions extends JWTSignOptions {
  key: KeyObject;
}

/** A verified JWT. */
export interface JWTVerifyResult {
  payload: JWTClaims;
  protectedHeader: JWSHeader;
}

function buildHeader(options: JWTSignOptions): JWSHeader {
  const header = buildSignerHeader({ ...options, typ: options.typ ?? 'JWT' });
  if (header.b64 === false) throw new JWTInvalid('a JWT payload is always base64url encoded (b64: false is not allowed)');
  return header;
}

/**
 * Builds a JWT signer: the header, its encoding and the key's signing function are computed once.
 *
 * @example
 * const sign = createJWTSigner({ key: privateKey, alg: 'ES256', issuer: 'https://auth.example', expiresIn: '15m' });
 * const token = sign({ sub: 'user-1' });
 */
export function createJWTSigner(options: JWTSignerOptions): (claims: JWTClaims) => string {
  const compiled = compileSigningHeader(buildHeader(options), options.key);
  const prefix = `${compiled.encodedHeader}.`;
  const sign = compiled.sign;
  const build = compileClaimsBuilder(options);
  return (claims) => {
    const input = prefix + encodeBase64url(JSON.stringify(build(claims)));
    return `${input}.${sign(input)}`;
  };
}

/**
 * Signs a claims set as a compact JWT. `iat` is set to now unless `issuedAt: false`.
 *
 * @example signJWT({ sub: 'user-1' }, secret, { alg: 'HS256', expiresIn: '1h' })
 */
export function signJWT(claims: JWTClaims, key: KeyObject, options: JWTSignOptions): string {
  return createJWTSigner({ ...options, key })(claims);
}

function parseClaims(segment: string): JWTClaims {
  return parseClaimsPayload(Buffer.from(segment, 'base64url'));
}

function verifyWith(token: string, key: VerifyKey, staticKey: PreparedKey | undefined, policy: VerifyPolicy, validate: ClaimsValidator): JWTVerifyResult {
  const parts = verifyCompactParts(token, key, staticKey, policy);
  if (!parts.b64) throw new JWTInvalid('a JWT payload must be base64url encoded');
  const payload = parseClaims(parts.payloadSegment);
  validate(payload, parts.protectedHeader);
  return { payload, protectedHeader: parts.protectedHeader };
}

/**
 * Builds a JWT verifier for one key (or key resolver) and options, compiled once.
 *
 * @example
 * const verify = createJWTVerifier(publicKey, { issuer: 'https://auth.example', audience: 'api' });
 * const { payload } = verify(token);
 */
export function createJWTVerifier(key: VerifyKey, options: JWTVerifyOptions = {}): (token: string) => JWTVerifyResult {
  const policy = compilePolicy({ algorithms: options.algorithms, crit: options.crit, maxTokenSize: options.maxTokenSize });
  const staticKey = prepareStaticKey(key, policy);
  const validate = compileClaimsValidator(options);
  return (token) => verifyWith(token, key, staticKey, policy, validate);
}

/**
 * Verifies a compact JWT: size, header, key-bound algorithm, signature, then the claims.
 *
 * @throws {TokenTooLarge | JWSInvalid | JOSEAlgNotAllowed | JWSSignatureVerificationFailed | JWTInvalid | JWTClaimValidationFailed | JWTExpired}
 * @example const { payload } = verifyJWT(token, secret, { algorithms: ['HS256'] });
 */
export function verifyJWT(token: string, key: VerifyKey, options: JWTVerifyOptions = {}): JWTVerifyResult {
  return createJWTVerifier(key, options)(token);
}

/**
 * Decodes a compact JWT without verifying anything. For debugging and display only: never trust
 * what it returns.
 *
 * @throws {JWSInvalid | JWTInvalid} when the token is not a well-formed JWT.
 * @example decodeJWT(token).payload.sub
 */
export function decodeJWT(token: string): { header: JWSHeader; payload: JWTClaims } {
  if (typeof token !== 'string') throw new JWSInvalid('token must be a string');
  const segments = token.split('.');
  if (segments.length !== 3) throw new JWSInvalid('compact JWS must have exactly three segments');
  const header = { ...parseProtectedHeader(segments[0] ?? '') };
  if (header.b64 === false) throw new JWTInvalid('a JWT payload must be base64url encoded');
  const payloadSegment = segments[1] ?? '';
  if (!isCanonicalSegment(payloadSegment)) throw new JWSInvalid('payload is not valid base64url');
  if (!isCanonicalSegment(segments[2] ?? '')) throw new JWSInvalid('signature is not valid base64url');
  return { header, payload: parseClaims(payloadSegment) };
}
