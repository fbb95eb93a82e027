/**
 * Turns a JWE key (KeyObject, raw bytes, password) into the form the key-management table works
 * on, once: exported coordinates, an `ECDH` object with the private scalar loaded, the RSA modulus
 * size. KeyObjects are cached in a WeakMap so the one-shot API is as fast as a prepared one.
 */
import { createECDH, createPublicKey, type ECDH, type KeyObject } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { OPENSSL_TO_JOSE_CURVE } from '../algorithms.js';
import { JOSENotSupported, JWEInvalid } from '../errors.js';
import { checkRSAKey } from '../jwk/rsa-checks.js';
import type { JWEKey } from './types.js';

/** NIST curves usable with ECDH-ES, by JWK `crv`. */
export const EC_CURVES = {
  'P-256': { openssl: 'prime256v1', coordinateLength: 32 },
  'P-384': { openssl: 'secp384r1', coordinateLength: 48 },
  'P-521': { openssl: 'secp521r1', coordinateLength: 66 },
} as const;
/** JWK `crv` of an ECDH-ES NIST curve. */
export type ECCurve = keyof typeof EC_CURVES;

/** A key in the shape key management needs. */
export type PreparedKey =
  | { readonly kind: 'secret'; readonly bytes: Buffer }
  | { readonly kind: 'password'; readonly bytes: Buffer }
  | { readonly kind: 'rsa'; readonly key: KeyObject; readonly isPrivate: boolean; readonly modulusBits: number; readonly modulusBytes: number }
  | { readonly kind: 'ec'; readonly crv: ECCurve; readonly publicPoint: Buffer; readonly ecdh: ECDH | undefined }
  | { readonly kind: 'okp'; readonly crv: 'X25519' | 'X448'; readonly key: KeyObject; readonly publicKey: KeyObject; readonly isPrivate: boolean };

const cache = new WeakMap<KeyObject, PreparedKey>();

function prepareKeyObject(key: KeyObject): PreparedKey {
  if (key.type === 'secret') return { kind: 'secret', bytes: key.export() };
  const isPrivate = key.type === 'private';
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      checkRSAKey(key);
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return { kind: 'rsa', key, isPrivate, modulusBits: bits, modulusBytes: Math.ceil(bits / 8) };
    }
    case 'ec': {
      const crv = OPENSSL_TO_JOSE_CURVE[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (crv === undefined) throw new JOSENotSupported('unsupported EC curve for ECDH-ES');
      const jwk = key.export({ format: 'jwk' });
      const x = Buffer.from(jwk.x ?? '', 'base64url');
      const y = Buffer.from(jwk.y ?? '', 'base64url');
      const publicPoint = Buffer.concat([Buffer.of(4), x, y]);
      let ecdh: ECDH | undefined;
      if (isPrivate) {
        ecdh = createECDH(EC_CURVES[crv].openssl);
        ecdh.setPrivateKey(Buffer.from(jwk.d ?? '', 'base64url'));
      }
      return { kind: 'ec', crv, publicPoint, ecdh };
    }
    case 'x25519':
    case 'x448':
      return { kind: 'okp', crv: key.asymmetricKeyType === 'x25519' ? 'X25519' : 'X448', key, publicKey: isPrivate ? createPublicKey(key) : key, isPrivate };
    default:
      throw new JOSENotSupported(`key type ${String(key.asymmetricKeyType)} cannot be used for JWE`);
  }
}

/** Prepares `key`; a string is a PBES2 password, bytes are a raw secret. */
export function prepareKey(key: JWEKey): PreparedKey {
  if (typeof key === 'string') return { kind: 'password', bytes: Buffer.from(key, 'utf8') };
  if (key instanceof Uint8Array) return { kind: 'secret', bytes: Buffer.from(key) };
  if (key === null || typeof key !== 'object' || typeof (key as KeyObject).type !== 'string') {
    throw new JWEInvalid('key must be a KeyObject, a Uint8Array or a password string');
  }
  let prepared = cache.get(key);
  if (prepared === undefined) {
    prepared = prepareKeyObject(key);
    cache.set(key, prepared);
  }
  return prepared;
}
