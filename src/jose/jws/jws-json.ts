/**
 * JWS JSON serialization (RFC 7515 §7.2): flattened and general (several signatures), sign and
 * verify. The same header policy and key binding as compact serialization apply to every
 * signature; `crit` and `b64` only count in the protected header.
 */
import { Buffer } from 'node:buffer';
import type { KeyObject } from 'node:crypto';
import type { JWSAlgorithm } from '../algorithms.js';
import { encodeBase64url } from '../base64url.js';
import { CjwtError, JOSEAlgNotAllowed, JWSInvalid, JWSSignatureVerificationFailed, TokenTooLarge } from '../errors.js';
import { checkHeaderPolicy, checkSigningHeader, compilePolicy, parseProtectedHeader, type JWSHeader, type JWSVerifyOptions, type VerifyPolicy } from './jws-header.js';
import { prepareKey } from './jws-crypto.js';
import { encodePayload, resolveVerifyKey, type VerifyKey } from './jws.js';
import { decodeSegment, isCanonicalSegment, quoteHeaderValue, serializedSize } from './jws-segments.js';

/** One signature of a general JWS. */
export interface JWSJSONSignature {
  protected?: string;
  header?: Record<string, unknown>;
  signature: string;
}

/** Flattened JWS JSON serialization (one signature). */
export interface FlattenedJWS {
  payload: string;
  protected?: string;
  header?: Record<string, unknown>;
  signature: string;
}

/** General JWS JSON serialization (one or more signatures). */
export interface GeneralJWS {
  payload: string;
  signatures: JWSJSONSignature[];
}

/** One signer for `signJSON`. `alg` may be in either header; `crit` and `b64` only in the protected one. */
export interface JSONSigner {
  key: KeyObject;
  protectedHeader?: Partial<JWSHeader>;
  header?: Record<string, unknown>;
}

/** A verified JWS JSON serialization: the signature that verified, its headers, and the payload. */
export interface JSONVerifyResult {
  protectedHeader: JWSHeader | undefined;
  unprotectedHeader: Record<string, unknown> | undefined;
  payload: Buffer;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function assertDisjoint(protectedHeader: Record<string, unknown> | undefined, header: Record<string, unknown> | undefined): void {
  if (protectedHeader === undefined || header === undefined) return;
  for (const name of Object.keys(header)) {
    if (name in protectedHeader) throw new JWSInvalid(`header parameter ${quoteHeaderValue(name)} appears in both the protected and the unprotected header`);
  }
}

function assertProtectedOnly(header: Record<string, unknown> | undefined): void {
  if (header !== undefined && ('crit' in header || 'b64' in header)) throw new JWSInvalid('"crit" and "b64" must be integrity protected');
}

/**
 * Signs `payload` once per signer in JSON serialization: general by default, flattened with
 * `{ flattened: true }` (exactly one signer). All signers must agree on `b64`.
 *
 * @example
 * const jws = signJSON('hello', [
 *   { key: rsaKey, protectedHeader: { alg: 'RS256' } },
 *   { key: ecKey, protectedHeader: { alg: 'ES256' }, header: { kid: 'ec-1' } },
 * ]);
 */
export function signJSON(payload: Uint8Array | string, signers: JSONSigner[], options: { flattened?: boolean } = {}): FlattenedJWS | GeneralJWS {
  if (!Array.isArray(signers) || signers.length === 0) throw new JWSInvalid('at least one signer is required');
  if (options.flattened === true && signers.length !== 1) throw new JWSInvalid('flattened serialization has exactly one signature');
  let b64: boolean | undefined;
  const prepared = signers.map((s) => {
    const protectedHeader = s.protectedHeader !== undefined && Object.keys(s.protectedHeader).length > 0 ? s.protectedHeader : undefined;
    const header = s.header !== undefined && Object.keys(s.header).length > 0 ? s.header : undefined;
    if (protectedHeader === undefined && header === undefined) throw new JWSInvalid('each signature needs a header');
    assertDisjoint(protectedHeader, header);
    assertProtectedOnly(header);
    const alg = (protectedHeader?.alg ?? header?.alg) as unknown;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') throw new JOSEAlgNotAllowed('alg "none" is never used');
    const thisB64 = checkSigningHeader(protectedHeader);
    if (b64 !== undefined && b64 !== thisB64) throw new JWSInvalid('all signatures must use the same "b64" value');
    b64 = thisB64;
    const sign = prepareKey(s.key).signer(alg as JWSAlgorithm);
    return { encodedProtected: protectedHeader === undefined ? '' : encodeBase64url(JSON.stringify(protectedHeader)), header, sign };
  });
  const encodedPayload = encodePayload(payload, b64 !== false);
  const signatures: JWSJSONSignature[] = prepared.map(({ encodedProtected, header, sign }) => {
    const signature = sign(`${encodedProtected}.${encodedPayload}`);
    // Member order follows RFC 7515's examples: protected, header, signature.
    return { ...(encodedProtected === '' ? {} : { protected: encodedProtected }), ...(header === undefined ? {} : { header }), signature };
  });
  if (options.flattened === true) return { payload: encodedPayload, ...signatures[0] } as FlattenedJWS;
  return { payload: encodedPayload, signatures };
}

function verifyOne(payload: string, entry: unknown, key: VerifyKey, policy: VerifyPolicy): JSONVerifyResult {
  if (!isPlainObject(entry)) throw new JWSInvalid('a signature entry must be an object');
  const { protected: protectedSegment, header, signature } = entry;
  if (protectedSegment !== undefined && typeof protectedSegment !== 'string') throw new JWSInvalid('"protected" must be a string');
  if (header !== undefined && !isPlainObject(header)) throw new JWSInvalid('"header" must be an object');
  if (typeof signature !== 'string') throw new JWSInvalid('"signature" must be a string');
  if (protectedSegment === undefined && header === undefined) throw new JWSInvalid('a signature needs a protected or unprotected header');
  const protectedHeader = protectedSegment === undefined ? undefined : parseProtectedHeader(protectedSegment);
  assertDisjoint(protectedHeader, header);
  assertProtectedOnly(header);
  const merged: JWSHeader = { ...header, ...protectedHeader } as JWSHeader;
  const alg = merged.alg;
  const b64 = checkHeaderPolicy(alg, protectedHeader, policy);
  const prepared = resolveVerifyKey(key, merged);
  if (!prepared.algorithms.has(alg as JWSAlgorithm)) throw new JOSEAlgNotAllowed(`alg ${quoteHeaderValue(alg)} is not allowed for this key`);
  if (b64 && !isCanonicalSegment(payload)) throw new JWSInvalid('payload is not valid base64url');
  const sig = decodeSegment(signature, 'signature');
  const input = `${protectedSegment ?? ''}.${payload}`;
  if (!prepared.verifier(alg as JWSAlgorithm)(input, sig)) throw new JWSSignatureVerificationFailed();
  return {
    protectedHeader,
    unprotectedHeader: header === undefined ? undefined : { ...header },
    payload: b64 ? Buffer.from(payload, 'base64url') : Buffer.from(payload, 'utf8'),
  };
}

/**
 * Verifies a JWS in JSON serialization (flattened or general, as an object or its JSON text).
 * For general serialization, the first signature that verifies with `key` wins; if none does,
 * `JWSSignatureVerificationFailed` is thrown.
 *
 * @example const { payload } = verifyJSON(jws, publicKey, { algorithms: ['ES256'] });
 */
export function verifyJSON(jws: FlattenedJWS | GeneralJWS | string, key: VerifyKey, options: JWSVerifyOptions = {}): JSONVerifyResult {
  const policy = compilePolicy(options);
  let doc: unknown = jws;
  if (typeof jws === 'string') {
    if (jws.length > policy.maxTokenSize) throw new TokenTooLarge(`JWS exceeds ${policy.maxTokenSize} characters`);
    try { doc = JSON.parse(jws); } catch { throw new JWSInvalid('JWS JSON serialization is not valid JSON'); }
  }
  if (!isPlainObject(doc)) throw new JWSInvalid('JWS JSON serialization must be an object');
  if (typeof jws !== 'string' && serializedSize(doc, 'JWS JSON serialization') > policy.maxTokenSize) throw new TokenTooLarge(`JWS exceeds ${policy.maxTokenSize} characters`);
  if (typeof key !== 'function') prepareKey(key);
  const payload = doc.payload;
  if (typeof payload !== 'string') throw new JWSInvalid('"payload" must be a string (detached payloads are not supported)');
  if (!('signatures' in doc)) return verifyOne(payload, doc, key, policy);
  const { signatures } = doc;
  if ('signature' in doc || 'protected' in doc || 'header' in doc) throw new JWSInvalid('general serialization must not mix in flattened members');
  if (!Array.isArray(signatures) || signatures.length === 0) throw new JWSInvalid('"signatures" must be a non-empty array');
  if (signatures.length > policy.maxSignatures) throw new TokenTooLarge(`JWS has more than ${policy.maxSignatures} signatures`);
  if (signatures.length === 1) return verifyOne(payload, signatures[0], key, policy);
  for (const entry of signatures) {
    try {
      return verifyOne(payload, entry, key, policy);
    } catch (err) {
      if (!(err instanceof CjwtError)) throw err;
    }
  }
  throw new JWSSignatureVerificationFailed('no signature verified with the given key');
}
