/**
 * The JWS algorithm table. Every fact about an algorithm (hash, key type, curve, signature size,
 * padding, minimum key strength) lives in one row here; signers, verifiers, key generation and
 * the key-to-algorithm binding read the row instead of branching on the name.
 */
import type { KeyObject } from 'node:crypto';
import { constants } from 'node:crypto';

/** Every JWS algorithm cjwt signs and verifies. `none` is deliberately absent. */
export type JWSAlgorithm =
  | 'HS256' | 'HS384' | 'HS512'
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA';

/** The family of primitive an algorithm uses. */
export type AlgorithmFamily = 'HMAC' | 'RSA' | 'RSA-PSS' | 'ECDSA' | 'EdDSA';

/** JOSE curve names for EC and OKP keys. */
export type JOSECurve = 'P-256' | 'P-384' | 'P-521' | 'Ed25519' | 'Ed448' | 'X25519' | 'X448';

/** One row of the algorithm table. */
export interface AlgorithmSpec {
  readonly alg: JWSAlgorithm;
  readonly family: AlgorithmFamily;
  /** node:crypto digest name; `undefined` for EdDSA, whose hash is part of the curve. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | undefined;
  /** Digest length in bytes (HMAC minimum secret length, PSS salt length). */
  readonly hashLength: number;
  /** Accepted `KeyObject.asymmetricKeyType`s, or `secret` for HMAC. */
  readonly keyTypes: readonly string[];
  /** JOSE curve for ECDSA (one per algorithm); EdDSA accepts Ed25519 and Ed448. */
  readonly curve?: 'P-256' | 'P-384' | 'P-521';
  /** Fixed signature length in bytes; `undefined` where it depends on the key (RSA, EdDSA). */
  readonly signatureSize: number | undefined;
  /** Extra options for crypto.sign/verify (padding, salt, signature encoding). */
  readonly signOptions: Readonly<{ padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' }>;
}

/** Minimum RSA modulus length in bits (DESIGN.md: minimum key strength). */
export const MIN_RSA_MODULUS_BITS = 2048;

const HASH_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

function hmac(alg: JWSAlgorithm, hash: keyof typeof HASH_LENGTH): AlgorithmSpec {
  return { alg, family: 'HMAC', hash, hashLength: HASH_LENGTH[hash], keyTypes: ['secret'], signatureSize: HASH_LENGTH[hash], signOptions: {} };
}
function rsa(alg: JWSAlgorithm, hash: keyof typeof HASH_LENGTH): AlgorithmSpec {
  // PKCS#1 v1.5 is node:crypto's default padding for `rsa` keys, so no options object is needed.
  return { alg, family: 'RSA', hash, hashLength: HASH_LENGTH[hash], keyTypes: ['rsa'], signatureSize: undefined, signOptions: {} };
}
function pss(alg: JWSAlgorithm, hash: keyof typeof HASH_LENGTH): AlgorithmSpec {
  // RFC 7518 §3.5: the salt is as long as the hash output.
  return {
    alg, family: 'RSA-PSS', hash, hashLength: HASH_LENGTH[hash], keyTypes: ['rsa', 'rsa-pss'], signatureSize: undefined,
    signOptions: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash] },
  };
}
function ecdsa(alg: JWSAlgorithm, hash: keyof typeof HASH_LENGTH, curve: 'P-256' | 'P-384' | 'P-521', coordinateBytes: number): AlgorithmSpec {
  // JWS wants raw r||s (RFC 7518 §3.4), not DER.
  return { alg, family: 'ECDSA', hash, hashLength: HASH_LENGTH[hash], keyTypes: ['ec'], curve, signatureSize: 2 * coordinateBytes, signOptions: { dsaEncoding: 'ieee-p1363' } };
}

/** The table itself, keyed by `alg`. */
export const ALGORITHMS: Readonly<Record<JWSAlgorithm, AlgorithmSpec>> = Object.freeze({
  HS256: hmac('HS256', 'sha256'),
  HS384: hmac('HS384', 'sha384'),
  HS512: hmac('HS512', 'sha512'),
  RS256: rsa('RS256', 'sha256'),
  RS384: rsa('RS384', 'sha384'),
  RS512: rsa('RS512', 'sha512'),
  PS256: pss('PS256', 'sha256'),
  PS384: pss('PS384', 'sha384'),
  PS512: pss('PS512', 'sha512'),
  ES256: ecdsa('ES256', 'sha256', 'P-256', 32),
  ES384: ecdsa('ES384', 'sha384', 'P-384', 48),
  ES512: ecdsa('ES512', 'sha512', 'P-521', 66),
  EdDSA: { alg: 'EdDSA', family: 'EdDSA', hash: undefined, hashLength: 0, keyTypes: ['ed25519', 'ed448'], signatureSize: undefined, signOptions: {} },
});

/** Every supported JWS algorithm, in table order. */
export const JWS_ALGORITHMS: readonly JWSAlgorithm[] = Object.freeze(Object.keys(ALGORITHMS) as JWSAlgorithm[]);

/** Maps OpenSSL curve names (as `asymmetricKeyDetails.namedCurve` reports them) to JOSE names. */
export const OPENSSL_TO_JOSE_CURVE: Readonly<Record<string, 'P-256' | 'P-384' | 'P-521'>> = Object.freeze({
  prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521',
});

/** True when `alg` is one of the supported JWS algorithms (exact, case-sensitive). */
export function isJWSAlgorithm(alg: unknown): alg is JWSAlgorithm {
  return typeof alg === 'string' && Object.prototype.hasOwnProperty.call(ALGORITHMS, alg);
}

/** The table row of `alg`, or `undefined` for anything unsupported (including `none`). */
export function getAlgorithm(alg: string): AlgorithmSpec | undefined {
  return isJWSAlgorithm(alg) ? ALGORITHMS[alg] : undefined;
}

/**
 * The algorithms a key may be used with. The key decides, not the token: a verifier rejects any
 * header `alg` outside this list before doing any cryptography. Keys below the minimum strength
 * (HMAC secret shorter than the hash, RSA under 2048 bits) get an empty list.
 *
 * @example algorithmsForKey(generateSecret('HS256')) // ['HS256']
 */
export function algorithmsForKey(key: KeyObject): JWSAlgorithm[] {
  const out: JWSAlgorithm[] = [];
  if (key.type === 'secret') {
    const size = key.symmetricKeySize ?? 0;
    for (const alg of JWS_ALGORITHMS) {
      const spec = ALGORITHMS[alg];
      if (spec.family === 'HMAC' && size >= spec.hashLength) out.push(alg);
    }
    return out;
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' || type === 'rsa-pss') {
    if ((details.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) return out;
    for (const alg of JWS_ALGORITHMS) {
      const spec = ALGORITHMS[alg];
      if (!spec.keyTypes.includes(type)) continue;
      // An RSA-PSS key restricted to one hash may only sign with that hash.
      if (type === 'rsa-pss' && details.hashAlgorithm !== undefined && details.hashAlgorithm !== spec.hash) continue;
      out.push(alg);
    }
    return out;
  }
  if (type === 'ec') {
    const curve = OPENSSL_TO_JOSE_CURVE[details.namedCurve ?? ''];
    for (const alg of JWS_ALGORITHMS) if (ALGORITHMS[alg].family === 'ECDSA' && ALGORITHMS[alg].curve === curve) out.push(alg);
    return out;
  }
  if (type === 'ed25519' || type === 'ed448') out.push('EdDSA');
  return out;
}
