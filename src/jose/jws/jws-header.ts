/**
 * The JOSE header: parsing and validating the protected header, and the checks a verifier makes
 * against the caller's policy (alg allowlist, `crit`, `b64`) before any cryptography.
 */
import type { JWSAlgorithm } from '../algorithms.js';
import { JOSEAlgNotAllowed, JOSENotSupported, JoseError, JWSInvalid } from '../errors.js';
import { cachedHeader, decodeSegment, parseJSONObject, quoteHeaderValue, rememberHeader } from './jws-segments.js';

/** A JWS JOSE header. */
export interface JWSHeader {
  alg: string;
  kid?: string;
  typ?: string;
  cty?: string;
  crit?: string[];
  b64?: boolean;
  [parameter: string]: unknown;
}

/** Verification options shared by compact and JSON serialization. */
export interface JWSVerifyOptions {
  /** Algorithms the caller accepts; intersected with what the key allows. */
  algorithms?: JWSAlgorithm[];
  /** Extension header parameters the caller understands (may appear in `crit`). */
  crit?: Record<string, boolean>;
  /** Maximum token length in characters, checked before decoding (default 8192). */
  maxTokenSize?: number;
  /** Accept RFC 7797 `b64: false` (which must then be listed in `crit`). Off by default. */
  allowUnencodedPayload?: boolean;
  /**
   * Most signatures a general JWS JSON serialization may carry (default 16). Each one may cost a
   * public-key operation, so without a bound a token within the size limit could ask for hundreds.
   */
  maxSignatures?: number;
}

/** Default bound on the signatures of a general JWS JSON serialization. */
export const DEFAULT_MAX_SIGNATURES = 16;

/** Default token size limit (DESIGN.md: 8 KiB, checked before decoding). */
export const DEFAULT_MAX_TOKEN_SIZE = 8192;

/** Header parameters defined by RFC 7515/7516/7797; `crit` must not list the JWS/JWE base ones. */
const REGISTERED = new Set(['alg', 'jku', 'jwk', 'kid', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'typ', 'cty', 'crit', 'enc', 'zip']);

/** Options compiled once per verifier. */
export interface VerifyPolicy {
  readonly maxTokenSize: number;
  readonly algorithms: ReadonlySet<string> | undefined;
  readonly understood: ReadonlySet<string>;
  readonly allowUnencodedPayload: boolean;
  readonly maxSignatures: number;
}

/** Compiles verify options into the form the hot path reads. */
export function compilePolicy(options: JWSVerifyOptions = {}): VerifyPolicy {
  const maxTokenSize = options.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE;
  if (typeof maxTokenSize !== 'number' || !(maxTokenSize > 0)) throw new JoseError('maxTokenSize must be a positive number');
  const maxSignatures = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  if (!Number.isSafeInteger(maxSignatures) || maxSignatures < 1) throw new JoseError('maxSignatures must be a positive integer');
  const understood = new Set(Object.keys(options.crit ?? {}));
  if (options.allowUnencodedPayload === true) understood.add('b64');
  return {
    maxTokenSize,
    algorithms: options.algorithms === undefined ? undefined : new Set(options.algorithms),
    understood,
    allowUnencodedPayload: options.allowUnencodedPayload === true,
    maxSignatures,
  };
}

function validateProtectedHeader(header: Record<string, unknown>): JWSHeader {
  const crit = header.crit;
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0) throw new JWSInvalid('"crit" must be a non-empty array');
    const seen = new Set<string>();
    for (const name of crit) {
      if (typeof name !== 'string' || name.length === 0) throw new JWSInvalid('"crit" entries must be non-empty strings');
      if (REGISTERED.has(name)) throw new JWSInvalid(`"crit" must not list the registered parameter "${name}"`);
      if (seen.has(name)) throw new JWSInvalid('"crit" has duplicate entries');
      if (!Object.hasOwn(header, name)) throw new JWSInvalid(`critical parameter ${quoteHeaderValue(name)} is missing from the protected header`);
      seen.add(name);
    }
    Object.freeze(crit);
  }
  if (header.b64 !== undefined && typeof header.b64 !== 'boolean') throw new JWSInvalid('"b64" must be a boolean');
  return Object.freeze(header) as JWSHeader;
}

/**
 * Decodes and validates a protected header segment (cached by segment string). The result is
 * frozen because the cache shares it between tokens.
 *
 * @throws {JWSInvalid} on bad base64url, bad JSON, a non-object, or a malformed `crit`/`b64`.
 */
export function parseProtectedHeader(segment: string): JWSHeader {
  const hit = cachedHeader(segment);
  if (hit !== undefined) return hit;
  if (segment.length === 0) throw new JWSInvalid('protected header is missing');
  const header = validateProtectedHeader(parseJSONObject(decodeSegment(segment, 'protected header'), 'protected header'));
  rememberHeader(segment, header);
  return header;
}

/**
 * Checks the merged header against the policy and returns whether the payload is base64url
 * encoded. `protectedHeader` carries `crit` and `b64`, which only count when integrity-protected.
 *
 * @throws {JOSEAlgNotAllowed} for `none` (any casing) or an `alg` outside the caller's list.
 * @throws {JOSENotSupported} for a critical parameter the caller does not understand.
 * @throws {JWSInvalid} for a missing `alg` or `b64: false` without `crit`.
 */
export function checkHeaderPolicy(alg: unknown, protectedHeader: JWSHeader | undefined, policy: VerifyPolicy): boolean {
  if (typeof alg !== 'string' || alg.length === 0) throw new JWSInvalid('"alg" header parameter missing or not a string');
  if (alg.length === 4 && alg.toLowerCase() === 'none') throw new JOSEAlgNotAllowed('alg "none" is never accepted');
  if (policy.algorithms !== undefined && !policy.algorithms.has(alg)) throw new JOSEAlgNotAllowed(`alg ${quoteHeaderValue(alg)} is not allowed`);
  if (protectedHeader === undefined) return true;
  const crit = protectedHeader.crit;
  if (crit !== undefined) {
    for (const name of crit) {
      if (!policy.understood.has(name)) throw new JOSENotSupported(`critical header parameter ${quoteHeaderValue(name)} is not understood`);
    }
  }
  const b64 = protectedHeader.b64;
  if (b64 === false) {
    if (!policy.allowUnencodedPayload) throw new JOSENotSupported('unencoded payloads (b64: false) are not enabled');
    if (crit === undefined || !crit.includes('b64')) throw new JWSInvalid('"b64": false must be listed in "crit"');
    return false;
  }
  return true;
}

/**
 * Validates the `crit` and `b64` of a header about to be signed and returns whether the payload is
 * base64url encoded. Signing refuses what verifying would refuse.
 *
 * @throws {JWSInvalid} for a malformed `crit`, a non-boolean `b64`, or `b64: false` not in `crit`.
 */
export function checkSigningHeader(protectedHeader: Readonly<Record<string, unknown>> | undefined): boolean {
  if (protectedHeader === undefined) return true;
  const crit = protectedHeader.crit;
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0) throw new JWSInvalid('"crit" must be a non-empty array');
    for (const name of crit) if (typeof name !== 'string' || !Object.hasOwn(protectedHeader, name)) throw new JWSInvalid(`critical parameter "${String(name)}" is missing`);
  }
  const b64 = protectedHeader.b64;
  if (b64 !== undefined && typeof b64 !== 'boolean') throw new JWSInvalid('"b64" must be a boolean');
  if (b64 === false && !(crit as string[] | undefined ?? []).includes('b64')) throw new JWSInvalid('"b64": false must be listed in "crit"');
  return b64 !== false;
}
