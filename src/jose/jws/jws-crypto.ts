/**
 * Per-key signing and verification primitives built from the algorithm table. Each key is
 * inspected once (type, strength, key-confusion check) and its closures are cached in a WeakMap,
 * so one-shot calls cost the same as precomputed ones after the first.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, KeyObject, sign as cryptoSign, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import { algorithmsForKey, type AlgorithmSpec, type JWSAlgorithm } from '../algorithms.js';
import { JOSEAlgNotAllowed, JWKInvalid, KeyTooWeak } from '../errors.js';
import { createHmacFunction } from '../hmac.js';
import { assertSecretIsNotAKey, checkKeyForAlgorithm } from '../jwk/key-checks.js';

/** Signs the JWS signing input; returns the signature as base64url (the form every caller needs). */
export type RawSigner = (input: string | Buffer) => string;
/** Checks raw signature bytes over the JWS signing input. */
export type RawVerifier = (input: string | Buffer, signature: Buffer) => boolean;

/** A key inspected once: the algorithms it allows, and lazily built primitives per algorithm. */
export interface PreparedKey {
  readonly key: KeyObject;
  readonly algorithms: ReadonlySet<JWSAlgorithm>;
  signer(alg: JWSAlgorithm): RawSigner;
  verifier(alg: JWSAlgorithm): RawVerifier;
}

function asBuffer(input: string | Buffer): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
}

function buildSigner(key: KeyObject, spec: AlgorithmSpec): RawSigner {
  if (spec.family === 'HMAC') {
    const mac = createHmacFunction(spec.hash as 'sha256', key);
    return (input) => mac(input).toString('base64url');
  }
  // A bare KeyObject takes node's shortest path; options objects only where the algorithm needs them.
  const keyOptions = Object.keys(spec.signOptions).length === 0 ? key : { key, ...spec.signOptions };
  const hash = spec.hash ?? null;
  return (input) => cryptoSign(hash, asBuffer(input), keyOptions).toString('base64url');
}

function expectedSignatureSize(key: KeyObject, spec: AlgorithmSpec): number | undefined {
  if (spec.signatureSize !== undefined) return spec.signatureSize;
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return 64;
  if (type === 'ed448') return 114;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return bits === undefined ? undefined : Math.ceil(bits / 8);
}

function buildVerifier(key: KeyObject, spec: AlgorithmSpec): RawVerifier {
  const size = expectedSignatureSize(key, spec);
  if (spec.family === 'HMAC') {
    const mac = createHmacFunction(spec.hash as 'sha256', key);
    return (input, signature) => {
      // Length first: timingSafeEqual throws on unequal lengths, and the length is public anyway.
      if (signature.length !== size) return false;
      return timingSafeEqual(mac(input), signature);
    };
  }
  // Verifying needs only the public half; using it avoids touching private material per token.
  const verifyKey = key.type === 'private' ? createPublicKey(key) : key;
  const keyOptions = Object.keys(spec.signOptions).length === 0 ? verifyKey : { key: verifyKey, ...spec.signOptions };
  const hash = spec.hash ?? null;
  return (input, signature) => {
    if (size !== undefined && signature.length !== size) return false;
    try {
      return cryptoVerify(hash, asBuffer(input), keyOptions, signature);
    } catch {
      // OpenSSL throws on some malformed signatures; a bad signature is simply not valid.
      return false;
    }
  };
}

const prepared = new WeakMap<KeyObject, PreparedKey>();

/**
 * Inspects `key` once and caches the result. Keys below the minimum strength and secrets that are
 * really encoded keys are refused here, so no token is ever checked against them.
 *
 * @throws {KeyTooWeak} for a short HMAC secret or an RSA key under 2048 bits.
 * @throws {JOSEAlgNotAllowed} for a key no JWS algorithm can use.
 */
export function prepareKey(key: KeyObject): PreparedKey {
  const hit = prepared.get(key);
  if (hit !== undefined) return hit;
  if (!(key instanceof KeyObject)) throw new JWKInvalid('expected a KeyObject');
  // A public key's bytes must never serve as an HMAC secret, however the KeyObject was made.
  if (key.type === 'secret') assertSecretIsNotAKey(key.export());
  const algorithms = new Set(algorithmsForKey(key));
  if (algorithms.size === 0) {
    const type = key.type === 'secret' ? 'secret' : key.asymmetricKeyType;
    if (type === 'secret' || type === 'rsa' || type === 'rsa-pss') throw new KeyTooWeak(`the ${type} key is below the minimum strength`);
    throw new JOSEAlgNotAllowed(`no JWS algorithm can use a ${String(type)} key`);
  }
  const signers = new Map<JWSAlgorithm, RawSigner>();
  const verifiers = new Map<JWSAlgorithm, RawVerifier>();
  const entry: PreparedKey = {
    key,
    algorithms,
    signer(alg) {
      let fn = signers.get(alg);
      if (fn === undefined) {
        // checkKeyForAlgorithm says precisely why (too weak, wrong type, wrong curve) when it can.
        const spec = checkKeyForAlgorithm(key, alg, 'sign');
        if (!algorithms.has(alg)) throw new JOSEAlgNotAllowed(`alg "${alg}" cannot be used with this key`);
        fn = buildSigner(key, spec);
        signers.set(alg, fn);
      }
      return fn;
    },
    verifier(alg) {
      let fn = verifiers.get(alg);
      if (fn === undefined) {
        if (!algorithms.has(alg)) throw new JOSEAlgNotAllowed(`alg "${alg}" cannot be used with this key`);
        fn = buildVerifier(key, checkKeyForAlgorithm(key, alg, 'verify'));
        verifiers.set(alg, fn);
      }
      return fn;
    },
  };
  prepared.set(key, entry);
  return entry;
}
