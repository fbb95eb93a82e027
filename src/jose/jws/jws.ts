/**
 * JWS compact serialization (RFC 7515 §7.1): precomputed signers and verifiers, and one-shot
 * `signCompact` / `verifyCompact`. Everything here is synchronous.
 */
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import { isJWSAlgorithm, type JWSAlgorithm } from '../algorithms.js';
import { encodeBase64url } from '../base64url.js';
import { CjwtError, JOSEAlgNotAllowed, JoseError, JWKInvalid, JWSInvalid, JWSSignatureVerificationFailed, TokenTooLarge } from '../errors.js';
import { checkHeaderPolicy, checkSigningHeader, compilePolicy, parseProtectedHeader, type JWSHeader, type JWSVerifyOptions, type VerifyPolicy } from './jws-header.js';
import { prepareKey, type PreparedKey, type RawSigner } from './jws-crypto.js';
import { decodeSegment, isCanonicalSegment, quoteHeaderValue } from './jws-segments.js';

export { DEFAULT_MAX_TOKEN_SIZE, type JWSHeader, type JWSVerifyOptions } from './jws-header.js';

/**
 * The verification key: a `KeyObject`, or a resolver that picks one from the header (e.g. by
 * `kid`). Keys embedded in the header (`jwk`, `jku`, `x5u`, `x5c`) are only ever used if such a
 * resolver decides to; cjwt itself never reads them.
 */
export type VerifyKey = KeyObject | ((header: JWSHeader) => KeyObject);

/** A verified compact JWS. */
export interface CompactVerifyResult {
  /** The protected header (frozen; shared between tokens with the same header). */
  protectedHeader: JWSHeader;
  /** The payload bytes. */
  payload: Buffer;
}

/** Options of `createJWSSigner`. */
export interface JWSSignerOptions {
  alg: JWSAlgorithm;
  kid?: string;
  typ?: string;
  /** Further protected header parameters (e.g. `cty`, `crit` with its extensions, `b64`). */
  header?: Record<string, unknown>;
}

/** A header compiled once for signing: its encoded form and the key's signer. */
export interface CompiledSigningHeader {
  readonly header: JWSHeader;
  readonly encodedHeader: string;
  readonly b64: boolean;
  readonly sign: RawSigner;
}

/**
 * Validates a header for signing with `key` and precomputes its encoding.
 *
 * @throws {JOSEAlgNotAllowed} for `none`, an unknown alg, or one the key cannot use.
 * @throws {JWSInvalid} for a malformed `crit` or `b64`.
 */
export function compileSigningHeader(header: JWSHeader, key: KeyObject): CompiledSigningHeader {
  if (header === null || typeof header !== 'object') throw new JWSInvalid('protected header must be an object');
  const alg = header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') throw new JOSEAlgNotAllowed('alg "none" is never used');
  if (!isJWSAlgorithm(alg)) throw new JOSEAlgNotAllowed(`unsupported alg "${alg}"`);
  const b64 = checkSigningHeader(header);
  const sign = prepareKey(key).signer(alg);
  return { header, encodedHeader: encodeBase64url(JSON.stringify(header)), b64, sign };
}

/** Encodes a payload for the signing input: base64url, or as-is text for `b64: false`. */
export function encodePayload(payload: Uint8Array | string, b64: boolean): string {
  if (b64) return encodeBase64url(payload);
  return typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
}

/**
 * The protected header of a signer's options: `alg`, `typ`, `kid`, then `options.header`.
 *
 * @throws {JWSInvalid} when `options.header.alg` contradicts `options.alg`.
 */
export function buildSignerHeader(options: JWSSignerOptions): JWSHeader {
  const header: JWSHeader = { alg: options.alg };
  if (options.typ !== undefined) header.typ = options.typ;
  if (options.kid !== undefined) header.kid = options.kid;
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (name === 'alg' && value !== options.alg) throw new JWSInvalid('header.alg differs from options.alg');
    header[name] = value;
  }
  return header;
}

function signWith(compiled: CompiledSigningHeader, payload: Uint8Array | string): string {
  const encodedPayload = encodePayload(payload, compiled.b64);
  if (!compiled.b64 && encodedPayload.includes('.')) throw new JWSInvalid('an unencoded compact payload must not contain "."');
  const input = `${compiled.encodedHeader}.${encodedPayload}`;
  return `${input}.${compiled.sign(input)}`;
}

/**
 * Builds a signer for one key and header. Everything but the payload is computed once.
 *
 * @example
 * const sign = createJWSSigner(privateKey, { alg: 'ES256', kid: 'k1' });
 * const token = sign('hello');
 */
export function createJWSSigner(key: KeyObject, options: JWSSignerOptions): (payload: Uint8Array | string) => string {
  const compiled = compileSigningHeader(buildSignerHeader(options), key);
  return (payload) => signWith(compiled, payload);
}

/**
 * Signs `payload` with `header` (which names the `alg`) in compact serialization.
 *
 * @example signCompact('hello', { alg: 'HS256' }, generateSecret('HS256'))
 */
export function signCompact(payload: Uint8Array | string, header: JWSHeader, key: KeyObject): string {
  return signWith(compileSigningHeader(header, key), payload);
}

/** Calls a key resolver, keeping its errors typed. */
export function resolveVerifyKey(key: VerifyKey, header: JWSHeader): PreparedKey {
  if (typeof key !== 'function') return prepareKey(key);
  let resolved: unknown;
  try {
    resolved = key(header);
  } catch (err) {
    if (err instanceof CjwtError) throw err;
    throw new JoseError('key resolver failed', 'ERR_JWKS_NO_MATCHING_KEY', { cause: err });
  }
  if (resolved === null || typeof resolved !== 'object') throw new JWKInvalid('key resolver must return a KeyObject');
  return prepareKey(resolved as KeyObject);
}

/** The checked parts of a compact JWS whose signature verified. */
export interface VerifiedCompactParts {
  protectedHeader: JWSHeader;
  /** The payload segment as it appears in the token (base64url unless `b64` is false). */
  payloadSegment: string;
  b64: boolean;
}

/**
 * The compact verification pipeline, in the order the invariants need: size before decoding,
 * header policy and key-bound algorithm before cryptography.
 */
export function verifyCompactParts(token: string, key: VerifyKey, staticKey: PreparedKey | undefined, policy: VerifyPolicy): VerifiedCompactParts {
  if (typeof token !== 'string') throw new JWSInvalid('compact JWS must be a string');
  if (token.length > policy.maxTokenSize) throw new TokenTooLarge(`token exceeds ${policy.maxTokenSize} characters`);
  const dot1 = token.indexOf('.');
  const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
  if (dot2 < 0 || token.indexOf('.', dot2 + 1) !== -1) throw new JWSInvalid('compact JWS must have exactly three segments');
  const protectedHeader = parseProtectedHeader(token.slice(0, dot1));
  const alg = protectedHeader.alg;
  const b64 = checkHeaderPolicy(alg, protectedHeader, policy);
  const prepared = staticKey ?? resolveVerifyKey(key, protectedHeader);
  if (!prepared.algorithms.has(alg as JWSAlgorithm)) throw new JOSEAlgNotAllowed(`alg ${quoteHeaderValue(alg)} is not allowed for this key`);
  const payloadSegment = token.slice(dot1 + 1, dot2);
  if (b64 && !isCanonicalSegment(payloadSegment)) throw new JWSInvalid('payload is not valid base64url');
  const signature = decodeSegment(token.slice(dot2 + 1), 'signature');
  if (!prepared.verifier(alg as JWSAlgorithm)(token.slice(0, dot2), signature)) throw new JWSSignatureVerificationFailed();
  return { protectedHeader, payloadSegment, b64 };
}

/** Prepares a static key against the policy once, so a verifier fails at creation, not per token. */
export function prepareStaticKey(key: VerifyKey, policy: VerifyPolicy): PreparedKey | undefined {
  if (typeof key === 'function') return undefined;
  const prepared = prepareKey(key);
  if (policy.algorithms !== undefined && ![...prepared.algorithms].some((alg) => policy.algorithms?.has(alg))) {
    throw new JOSEAlgNotAllowed('none of the allowed algorithms can be used with this key');
  }
  return prepared;
}

function payloadBytes(parts: VerifiedCompactParts): Buffer {
  return parts.b64 ? Buffer.from(parts.payloadSegment, 'base64url') : Buffer.from(parts.payloadSegment, 'utf8');
}

/**
 * Builds a compact JWS verifier for one key (or resolver) and options, precomputing the key's
 * algorithms and primitives.
 *
 * @example
 * const verify = createJWSVerifier(publicKey, { algorithms: ['ES256'] });
 * const { payload } = verify(token);
 */
export function createJWSVerifier(key: VerifyKey, options: JWSVerifyOptions = {}): (token: string) => CompactVerifyResult {
  const policy = compilePolicy(options);
  const staticKey = prepareStaticKey(key, policy);
  return (token) => {
    const parts = verifyCompactParts(token, key, staticKey, policy);
    return { protectedHeader: parts.protectedHeader, payload: payloadBytes(parts) };
  };
}

/**
 * Verifies a compact JWS. The header's `alg` must be one the key allows (and, if given, one of
 * `options.algorithms`); `none` never is.
 *
 * @throws {TokenTooLarge | JWSInvalid | JOSEAlgNotAllowed | JOSENotSupported | JWSSignatureVerificationFailed}
 * @example const { payload } = verifyCompact(token, publicKey);
 */
export function verifyCompact(token: string, key: VerifyKey, options: JWSVerifyOptions = {}): CompactVerifyResult {
  const policy = compilePolicy(options);
  const parts = verifyCompactParts(token, key, prepareStaticKey(key, policy), policy);
  return { protectedHeader: parts.protectedHeader, payload: payloadBytes(parts) };
}
