/**
 * Key generation, conversion and detection. Import/export of JWK and PEM live in jwk.ts and pem.ts
 * and are re-exported here so callers have one place for keys.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, createSecretKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { ALGORITHMS, isJWSAlgorithm, MIN_RSA_MODULUS_BITS, type JWSAlgorithm } from '../algorithms.js';
import { JOSENotSupported, JWKInvalid, JWKSInvalid, KeyTooWeak } from '../errors.js';
import { assertSecretIsNotAKey } from './key-checks.js';
import { importJWK, type JWK } from './jwk.js';
import { findPEMBlocks, importPEM } from './pem.js';

export { calculateJwkThumbprint, exportJWK, importJWK, type JWK } from './jwk.js';
export { exportPEM, importPEM } from './pem.js';

/** What `generateKeyPair` accepts: a JWS algorithm, or a key type / curve name. */
export type KeyPairKind = JWSAlgorithm | 'RSA' | 'P-256' | 'P-384' | 'P-521' | 'Ed25519' | 'Ed448' | 'X25519' | 'X448';

/** A private key and its public half. */
export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const CURVE_TO_OPENSSL: Readonly<Record<string, string>> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };

/**
 * Generates an asymmetric key pair for an algorithm or a named key type. RSA defaults to 2048 bits
 * and refuses fewer; EdDSA gives Ed25519.
 *
 * @throws {KeyTooWeak} for an RSA modulus under 2048 bits.
 * @example const { privateKey, publicKey } = generateKeyPair('ES256');
 */
export function generateKeyPair(kind: KeyPairKind, options: { modulusLength?: number } = {}): KeyPair {
  let type: string = kind;
  if (isJWSAlgorithm(kind)) {
    const spec = ALGORITHMS[kind];
    if (spec.family === 'HMAC') throw new JOSENotSupported(`${kind} uses a secret: call generateSecret('${kind}')`);
    type = spec.family === 'ECDSA' ? String(spec.curve) : spec.family === 'EdDSA' ? 'Ed25519' : 'RSA';
  }
  if (type === 'RSA') {
    const modulusLength = options.modulusLength ?? MIN_RSA_MODULUS_BITS;
    if (!Number.isInteger(modulusLength) || modulusLength < MIN_RSA_MODULUS_BITS) {
      throw new KeyTooWeak(`RSA keys must be at least ${MIN_RSA_MODULUS_BITS} bits`);
    }
    return generateKeyPairSync('rsa', { modulusLength, publicExponent: 0x10001 });
  }
  const namedCurve = CURVE_TO_OPENSSL[type];
  if (namedCurve !== undefined) return generateKeyPairSync('ec', { namedCurve });
  switch (type) {
    case 'Ed25519': return generateKeyPairSync('ed25519');
    case 'Ed448': return generateKeyPairSync('ed448');
    case 'X25519': return generateKeyPairSync('x25519');
    case 'X448': return generateKeyPairSync('x448');
    default: throw new JOSENotSupported(`cannot generate a key pair for "${String(kind)}"`);
  }
}

/**
 * Generates a random HMAC secret: as long as the hash for an `HS*` algorithm, or `bytes` long.
 *
 * @throws {KeyTooWeak} for fewer than 32 bytes.
 * @example const secret = generateSecret('HS256'); // 32 random bytes
 */
export function generateSecret(alg: 'HS256' | 'HS384' | 'HS512' | number): KeyObject {
  const size = typeof alg === 'number' ? alg : ALGORITHMS[alg]?.hashLength;
  if (size === undefined || !Number.isInteger(size)) throw new JOSENotSupported(`cannot generate a secret for "${String(alg)}"`);
  if (size < 32) throw new KeyTooWeak('HMAC secrets must be at least 32 bytes');
  return createSecretKey(randomBytes(size));
}

/**
 * Wraps raw bytes (or a UTF-8 string) as an HMAC secret `KeyObject`, refusing anything that is an
 * encoded key (so a public key can never be used as an HMAC secret) and anything under 32 bytes.
 *
 * @example const key = importSecret(process.env.JWT_SECRET!);
 */
export function importSecret(secret: Uint8Array | string): KeyObject {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (bytes.length < 32) throw new KeyTooWeak('HMAC secrets must be at least 32 bytes');
  assertSecretIsNotAKey(bytes);
  return createSecretKey(bytes);
}

/**
 * The public half of a private key; a public key is returned as is.
 *
 * @throws {JWKInvalid} for a secret key, which has no public half.
 */
export function toPublicKey(key: KeyObject): KeyObject {
  if (!(key instanceof KeyObject)) throw new JWKInvalid('toPublicKey expects a KeyObject');
  if (key.type === 'secret') throw new JWKInvalid('a secret key has no public key');
  return key.type === 'public' ? key : createPublicKey(key);
}

/** One key found in a key file, with the JWK metadata when the file was JSON. */
export interface ParsedKey {
  key: KeyObject;
  jwk?: JWK;
  kid?: string;
  alg?: string;
  use?: string;
}

function parsedFromJWK(jwk: JWK): ParsedKey {
  const out: ParsedKey = { key: importJWK(jwk), jwk };
  if (typeof jwk.kid === 'string') out.kid = jwk.kid;
  if (typeof jwk.alg === 'string') out.alg = jwk.alg;
  if (typeof jwk.use === 'string') out.use = jwk.use;
  return out;
}

/**
 * Reads a key file's text: a JWK, a JWKS (`{ "keys": [...] }`), or one or more PEM blocks.
 *
 * @throws {JWKInvalid | JWKSInvalid} when the text is none of those or a key is unusable.
 * @example const [{ key, kid }] = parseKeyFile(fs.readFileSync('jwks.json', 'utf8'));
 */
export function parseKeyFile(text: string): ParsedKey[] {
  if (typeof text !== 'string') throw new JWKInvalid('key file must be text');
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let doc: unknown;
    try { doc = JSON.parse(trimmed); } catch { throw new JWKInvalid('key file is not valid JSON'); }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new JWKInvalid('key file JSON must be an object');
    if ('keys' in doc) {
      const keys = (doc as { keys: unknown }).keys;
      if (!Array.isArray(keys) || keys.length === 0) throw new JWKSInvalid('JWKS "keys" must be a non-empty array');
      return keys.map((k: unknown) => {
        if (k === null || typeof k !== 'object' || Array.isArray(k)) throw new JWKSInvalid('every JWKS entry must be an object');
        return parsedFromJWK(k as JWK);
      });
    }
    return [parsedFromJWK(doc as JWK)];
  }
  const blocks = findPEMBlocks(trimmed);
  if (blocks.length > 0) return blocks.map((b) => ({ key: importPEM(b.pem) }));
  throw new JWKInvalid('key file is neither a JWK, a JWKS nor PEM');
}

/**
 * Generates an RSA key pair (seed helper; 2048 bits by default, never fewer).
 *
 * @example const { privateKey, publicKey } = generateRSAKeyPair(3072);
 */
export function generateRSAKeyPair(bits = 2048): KeyPair {
  return generateKeyPair('RSA', { modulusLength: bits });
}

/** A fresh 2048-bit RSA key pair (seed helper). */
export function defaultRSAKeyPair(): KeyPair {
  return generateRSAKeyPair(2048);
}

/** Generates an ECDSA key pair on `curve` (seed helper; P-256 by default). */
export function generateECDSAKeyPair(curve: 'P-256' | 'P-384' | 'P-521' = 'P-256'): KeyPair {
  return generateKeyPair(curve);
}

/**
 * Random HMAC key bytes (seed helper). Wrap with `importSecret` to sign.
 *
 * @throws {KeyTooWeak} for fewer than 32 bytes.
 */
export function generateHMACKey(size = 32): Buffer {
  if (!Number.isInteger(size) || size < 32) throw new KeyTooWeak('HMAC keys must be at least 32 bytes');
  return randomBytes(size);
}

/** 32 random bytes for HS256 (seed helper). */
export function defaultHMACKey(): Buffer {
  return generateHMACKey(32);
}
