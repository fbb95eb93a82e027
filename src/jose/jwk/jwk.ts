/**
 * JSON Web Keys (RFC 7517): import to a `KeyObject`, export from one, and RFC 7638 thumbprints.
 */
import { createHash, createPrivateKey, createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { decodeBase64url, encodeBase64url } from '../base64url.js';
import { JOSENotSupported, JWKInvalid } from '../errors.js';
import { assertSecretIsNotAKey } from './key-checks.js';

/** A JSON Web Key: public members, private members, and metadata. */
export interface JWK {
  kty?: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  d?: string;
  n?: string;
  e?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
  ext?: boolean;
  x5c?: string[];
  x5t?: string;
  'x5t#S256'?: string;
  x5u?: string;
  [member: string]: unknown;
}

const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);
const OKP_CURVES = new Set(['Ed25519', 'Ed448', 'X25519', 'X448']);

function requireString(jwk: JWK, member: string): string {
  const value = jwk[member];
  if (typeof value !== 'string' || value.length === 0) throw new JWKInvalid(`JWK "${member}" must be a non-empty string`);
  return value;
}

/**
 * Imports a JWK. A JWK with `d` becomes a private `KeyObject`, without `d` a public one; `oct`
 * becomes a secret. The secret of an `oct` key may never be the encoding of a public key.
 *
 * @throws {JWKInvalid} for missing or malformed members, or an unsupported `kty`/`crv`.
 * @example const key = importJWK({ kty: 'oct', k: generateRandomToken(32) });
 */
export function importJWK(jwk: JWK): KeyObject {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) throw new JWKInvalid('JWK must be an object');
  const kty = requireString(jwk, 'kty');
  if (kty === 'oct') {
    const secret = decodeBase64url(requireString(jwk, 'k'), 'JWK "k"');
    assertSecretIsNotAKey(secret);
    return createSecretKey(secret);
  }
  if (kty === 'EC') {
    if (!EC_CURVES.has(requireString(jwk, 'crv'))) throw new JOSENotSupported(`unsupported EC curve ${String(jwk.crv)}`);
    requireString(jwk, 'x'); requireString(jwk, 'y');
  } else if (kty === 'OKP') {
    if (!OKP_CURVES.has(requireString(jwk, 'crv'))) throw new JOSENotSupported(`unsupported OKP curve ${String(jwk.crv)}`);
    requireString(jwk, 'x');
  } else if (kty === 'RSA') {
    requireString(jwk, 'n'); requireString(jwk, 'e');
  } else {
    throw new JOSENotSupported(`unsupported JWK key type ${kty}`);
  }
  // Only the key members go to node:crypto: metadata such as `alg` or `x5c` must not change the key.
  const members: Record<string, string> = { kty };
  for (const m of ['crv', 'x', 'y', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']) {
    const v = jwk[m];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new JWKInvalid(`JWK "${m}" must be a string`);
    members[m] = v;
  }
  try {
    return members.d !== undefined
      ? createPrivateKey({ key: members, format: 'jwk' })
      : createPublicKey({ key: members, format: 'jwk' });
  } catch (err) {
    throw new JWKInvalid(`JWK could not be imported: ${(err as Error).message}`);
  }
}

/**
 * Exports a key as a JWK: public members for a public key, public and private members for a
 * private key, `k` for a secret.
 *
 * @example exportJWK(toPublicKey(privateKey)) // { kty: 'EC', crv: 'P-256', x, y }
 */
export function exportJWK(key: KeyObject): JWK {
  if (!(key instanceof KeyObject)) throw new JWKInvalid('exportJWK expects a KeyObject');
  try {
    return key.export({ format: 'jwk' }) as JWK;
  } catch (err) {
    throw new JOSENotSupported(`key cannot be exported as a JWK: ${(err as Error).message}`);
  }
}

const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  // RFC 7638 §3.2: the required members only, in lexicographic order.
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

/**
 * RFC 7638 JWK thumbprint (base64url of the digest of the canonical required members).
 *
 * @example calculateJwkThumbprint({ kty: 'RSA', n: '...', e: 'AQAB' }) // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 */
export function calculateJwkThumbprint(key: JWK | KeyObject, digest: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  const jwk = key instanceof KeyObject ? exportJWK(key) : key;
  if (jwk === null || typeof jwk !== 'object') throw new JWKInvalid('JWK must be an object');
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (members === undefined) throw new JOSENotSupported(`unsupported JWK key type ${String(jwk.kty)}`);
  const canonical: Record<string, string> = {};
  for (const m of members) canonical[m] = requireString(jwk, m);
  return encodeBase64url(createHash(digest).update(JSON.stringify(canonical)).digest());
}
