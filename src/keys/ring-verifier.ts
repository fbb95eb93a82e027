/**
 * Verification against a KeyRing. The key is chosen by the header's `kid` (one map lookup on a
 * cached header); each key gets one precompiled verifier per options object, built on first use.
 * The ring's state is read at call time, so rotation and retirement apply at once.
 */
import type { KeyObject } from 'node:crypto';
import { JWKSMultipleMatchingKeys, JWKSNoMatchingKey, JWSInvalid, JWSSignatureVerificationFailed, TokenTooLarge } from '../jose/errors.js';
import { DEFAULT_MAX_TOKEN_SIZE, type JWSHeader } from '../jose/jws/jws.js';
import { parseProtectedHeader } from '../jose/jws/jws-header.js';
import { createJWTVerifier, type JWTVerifyOptions, type JWTVerifyResult } from '../jose/jwt/jwt.js';
import type { RingEntry } from './ring-entry.js';

/** What a ring verifier needs from the ring. */
export interface RingLookup {
  /** The entry with this kid if it currently verifies. */
  verifyingEntry(kid: string): RingEntry | undefined;
  /** Entries that currently verify and use `alg`, active first; empty when kidless tokens are not allowed. */
  kidlessCandidates(alg: string): RingEntry[];
  /** Whether tokens without `kid` may be verified. */
  readonly allowKidless: boolean;
}

/** Options of a ring verifier: the JWT options, without `algorithms` (each key has its own). */
export type RingVerifyOptions = Omit<JWTVerifyOptions, 'algorithms'>;

function verifierFor(entry: RingEntry, options: RingVerifyOptions): (token: string) => JWTVerifyResult {
  let verify = entry.verifiers.get(options);
  if (verify === undefined) {
    // The key decides the algorithm: exactly the one the ring recorded for it.
    verify = createJWTVerifier(entry.verifyKey, { ...options, algorithms: [entry.alg] });
    entry.verifiers.set(options, verify);
  }
  return verify;
}

/**
 * Builds a verifier over a ring. The options object is the cache key for per-key verifiers;
 * keep it and reuse the returned function.
 *
 * @throws {TokenTooLarge | JWSInvalid | JWKSNoMatchingKey | JOSEAlgNotAllowed | JWSSignatureVerificationFailed | JWTInvalid | JWTClaimValidationFailed | JWTExpired} from the returned function.
 */
export function createRingVerifier(ring: RingLookup, options: RingVerifyOptions): (token: string) => JWTVerifyResult {
  const frozen = Object.freeze({ ...options });
  const maxTokenSize = frozen.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE;
  // Tokens from one key share their header segment: remember the last one and its kid, so the
  // common case is a prefix comparison instead of a slice and a hash lookup.
  let lastSegment = '';
  let lastKid: string | undefined;
  let lastEntry: RingEntry | undefined;
  let lastVerify: ((token: string) => JWTVerifyResult) | undefined;
  return (token) => {
    if (typeof token !== 'string') throw new JWSInvalid('token must be a string');
    if (token.length > maxTokenSize) throw new TokenTooLarge();
    let kid: unknown;
    let header: JWSHeader | undefined;
    if (lastSegment.length > 0 && token.charCodeAt(lastSegment.length) === 46 && token.startsWith(lastSegment)) {
      kid = lastKid;
    } else {
      const dot = token.indexOf('.');
      if (dot <= 0) throw new JWSInvalid('compact JWS must have three segments');
      const segment = token.slice(0, dot);
      header = parseProtectedHeader(segment);
      kid = header.kid;
      if (typeof kid === 'string') {
        lastSegment = segment;
        lastKid = kid;
      }
    }
    if (typeof kid === 'string') {
      const entry = ring.verifyingEntry(kid);
      if (entry === undefined) throw new JWKSNoMatchingKey('no verifying key with this kid');
      if (entry !== lastEntry) {
        lastVerify = verifierFor(entry, frozen);
        lastEntry = entry;
      }
      return lastVerify!(token);
    }
    if (kid !== undefined) throw new JWSInvalid('"kid" header parameter must be a string');
    if (!ring.allowKidless) throw new JWKSNoMatchingKey('token has no kid and the key ring does not allow kidless tokens');
    const candidates = ring.kidlessCandidates(header!.alg);
    let lastError: unknown = new JWKSNoMatchingKey('no verifying key for the token\'s alg');
    for (const entry of candidates) {
      try {
        return verifierFor(entry, frozen)(token);
      } catch (err) {
        // Only a wrong key moves on to the next one; any other failure is about the token.
        if (!(err instanceof JWSSignatureVerificationFailed)) throw err;
        lastError = err;
      }
    }
    throw lastError;
  };
}

/** A sync resolver `(header) => KeyObject` over the ring, for APIs that take one. */
export function createRingResolver(ring: RingLookup): (header: JWSHeader) => KeyObject {
  return (header) => {
    if (typeof header.kid === 'string') {
      const entry = ring.verifyingEntry(header.kid);
      if (entry === undefined || entry.alg !== header.alg) throw new JWKSNoMatchingKey();
      return entry.verifyKey;
    }
    if (!ring.allowKidless) throw new JWKSNoMatchingKey('token has no kid and the key ring does not allow kidless tokens');
    const candidates = ring.kidlessCandidates(header.alg);
    if (candidates.length === 0) throw new JWKSNoMatchingKey();
    if (candidates.length > 1) throw new JWKSMultipleMatchingKeys();
    return candidates[0]!.verifyKey;
  };
}
