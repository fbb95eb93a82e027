/**
 * Key management (RFC 7518 §4): one table entry per `alg`. Each entry says which keys fit it
 * (the key decides the algorithm) and how to produce and recover the CEK. Decryption returns
 * `undefined` for any cryptographic failure; the caller then continues with a random CEK so that
 * every failure ends in the same error at the same place.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { MIN_RSA_MODULUS_BITS } from '../algorithms.js';
import { JWEInvalid } from '../errors.js';
import { aesGcmKeyUnwrap, aesGcmKeyWrap, aesKeyUnwrap, aesKeyWrap } from './aes-kw.js';
import { concatKdf, concatKdfOtherInfo } from './concat-kdf.js';
import { decodeSegment } from './header.js';
import { parseEphemeralKey, recipientSharedSecret, senderSharedSecret } from './ecdh.js';
import { DEFAULT_PBES2_COUNT, MIN_PBES2_SALT_LENGTH, pbes2DeriveKey } from './pbes2.js';
import type { PreparedKey } from './prepared-key.js';
import { rsa15DecryptCek, rsaOaepDecrypt, rsaOaepEncrypt } from './rsa.js';
import type { ContentEncryption } from './content.js';
import type { JWEHeader, KeyManagementAlgorithm } from './types.js';

/** Random inputs a caller may fix (test vectors only; never exposed by the package). */
export interface FixedInputs {
  cek?: Uint8Array;
  iv?: Uint8Array;
  /** IV of AES-GCM key wrap. */
  keyWrapIv?: Uint8Array;
  /** Ephemeral private key of ECDH-ES. */
  epk?: KeyObject;
  p2s?: Uint8Array;
  /** DEFLATE output to use for `zip: "DEF"` (compressors differ; the format does not fix the bytes). */
  deflated?: Uint8Array;
}

/** Per-encryption options a key-management algorithm reads. */
export interface KeyManagementEncryptOptions {
  /** PBES2 iteration count. */
  p2c?: number;
  fixed?: FixedInputs;
}

/** Per-decryption limits. */
export interface KeyManagementDecryptOptions {
  maxPBES2Count: number;
}

/** One key-management algorithm. */
export interface KeyManagement {
  /** `dir` and `ECDH-ES` derive the CEK instead of transporting one. */
  readonly direct: boolean;
  /** True when `key` may be used with this algorithm (type, curve, size) for the given direction. */
  fits(key: PreparedKey, forDecryption: boolean, enc: ContentEncryption): boolean;
  /** Produces the CEK, the encrypted key and the header parameters to add (epk, iv/tag, p2s/p2c). */
  encrypt(key: PreparedKey, enc: ContentEncryption, encName: string, header: JWEHeader, options: KeyManagementEncryptOptions):
    { cek: Buffer; encryptedKey: Buffer; parameters: Record<string, unknown> };
  /**
   * Recovers the CEK; `undefined` when the cryptography says no. Throws JWEInvalid on malformed
   * headers. For `direct` algorithms the caller has already refused a non-empty encrypted key.
   */
  decrypt(key: PreparedKey, encryptedKey: Buffer, enc: ContentEncryption, encName: string, header: JWEHeader, options: KeyManagementDecryptOptions): Buffer | undefined;
}

function newCek(enc: ContentEncryption, options: KeyManagementEncryptOptions): Buffer {
  const fixed = options.fixed?.cek;
  return fixed === undefined ? randomBytes(enc.cekLength) : Buffer.from(fixed);
}

function headerBytes(header: JWEHeader, name: 'iv' | 'tag' | 'p2s' | 'apu' | 'apv', required: boolean): Buffer {
  const value = header[name];
  if (value === undefined && !required) return Buffer.alloc(0);
  if (typeof value !== 'string') throw new JWEInvalid(`invalid "${name}" header parameter`);
  return decodeSegment(value, `"${name}" header parameter`);
}

function secretOfLength(key: PreparedKey, length: number): key is Extract<PreparedKey, { kind: 'secret' }> {
  return key.kind === 'secret' && key.bytes.length === length;
}

// `fits` has already checked the kind, so the table's functions only narrow the type.
function secretBytes(key: PreparedKey): Buffer {
  return (key as Extract<PreparedKey, { kind: 'secret' }>).bytes;
}

const dir: KeyManagement = {
  direct: true,
  fits: (key, _d, enc) => secretOfLength(key, enc.cekLength),
  encrypt: (key) => ({ cek: secretBytes(key), encryptedKey: Buffer.alloc(0), parameters: {} }),
  decrypt: (key) => secretBytes(key),
};

function aesKw(bits: 128 | 192 | 256): KeyManagement {
  return {
    direct: false,
    fits: (key) => secretOfLength(key, bits / 8),
    encrypt(key, enc, _n, _h, options) {
      const cek = newCek(enc, options);
      return { cek, encryptedKey: aesKeyWrap(secretBytes(key), cek), parameters: {} };
    },
    decrypt: (key, encryptedKey) => aesKeyUnwrap(secretBytes(key), encryptedKey),
  };
}

function aesGcmKw(bits: 128 | 192 | 256): KeyManagement {
  return {
    direct: false,
    fits: (key) => secretOfLength(key, bits / 8),
    encrypt(key, enc, _n, _h, options) {
      const cek = newCek(enc, options);
      const iv = options.fixed?.keyWrapIv ?? randomBytes(12);
      const { encryptedKey, tag } = aesGcmKeyWrap(secretBytes(key), iv, cek);
      return { cek, encryptedKey, parameters: { tag: tag.toString('base64url'), iv: Buffer.from(iv).toString('base64url') } };
    },
    decrypt(key, encryptedKey, _e, _n, header) {
      const iv = headerBytes(header, 'iv', true);
      const tag = headerBytes(header, 'tag', true);
      return aesGcmKeyUnwrap(secretBytes(key), iv, tag, encryptedKey);
    },
  };
}

function rsaOaep(hash: 'sha1' | 'sha256' | 'sha384' | 'sha512'): KeyManagement {
  return {
    direct: false,
    fits: (key, forDecryption) => key.kind === 'rsa' && key.modulusBits >= MIN_RSA_MODULUS_BITS && (!forDecryption || key.isPrivate),
    encrypt(key, enc, _n, _h, options) {
      const cek = newCek(enc, options);
      return { cek, encryptedKey: rsaOaepEncrypt((key as Extract<PreparedKey, { kind: 'rsa' }>).key, hash, cek), parameters: {} };
    },
    decrypt: (key, encryptedKey) => rsaOaepDecrypt((key as Extract<PreparedKey, { kind: 'rsa' }>).key, hash, encryptedKey),
  };
}

const rsa1_5: KeyManagement = {
  direct: false,
  fits: (key, forDecryption) => forDecryption && key.kind === 'rsa' && key.isPrivate && key.modulusBits >= MIN_RSA_MODULUS_BITS,
  encrypt() {
    throw new JWEInvalid('RSA1_5 is supported for decryption only');
  },
  decrypt(key, encryptedKey, enc) {
    const rsa = key as Extract<PreparedKey, { kind: 'rsa' }>;
    return rsa15DecryptCek(rsa.key, rsa.modulusBytes, encryptedKey, enc.cekLength);
  },
};

function ecdhEs(wrapBits?: 128 | 192 | 256): KeyManagement {
  const fits = (key: PreparedKey, forDecryption: boolean): boolean =>
    (key.kind === 'ec' && (!forDecryption || key.ecdh !== undefined)) || (key.kind === 'okp' && (!forDecryption || key.isPrivate));
  // The KDF's AlgorithmID is `enc` for direct agreement and `alg` when the result wraps a CEK.
  // OtherInfo without apu/apv depends only on the algorithm and length: computed once per enc.
  const plainOtherInfo = new Map<string, Buffer>();
  const derive = (z: Buffer, alg: string, encName: string, enc: ContentEncryption, header: JWEHeader): Buffer => {
    const length = wrapBits === undefined ? enc.cekLength : wrapBits / 8;
    const algorithmId = wrapBits === undefined ? encName : alg;
    let other: Buffer | undefined;
    if (header.apu === undefined && header.apv === undefined) {
      other = plainOtherInfo.get(algorithmId);
      if (other === undefined) plainOtherInfo.set(algorithmId, (other = concatKdfOtherInfo(algorithmId, Buffer.alloc(0), Buffer.alloc(0), length)));
    } else {
      other = concatKdfOtherInfo(algorithmId, headerBytes(header, 'apu', false), headerBytes(header, 'apv', false), length);
    }
    return concatKdf(z, other, length);
  };
  const alg = wrapBits === undefined ? 'ECDH-ES' : `ECDH-ES+A${wrapBits}KW`;
  return {
    direct: wrapBits === undefined,
    fits: (key, forDecryption) => fits(key, forDecryption),
    encrypt(key, enc, encName, header, options) {
      const { epk, z } = senderSharedSecret(key as Extract<PreparedKey, { kind: 'ec' | 'okp' }>, options.fixed?.epk);
      const derived = derive(z, alg, encName, enc, header);
      if (wrapBits === undefined) return { cek: derived, encryptedKey: Buffer.alloc(0), parameters: { epk } };
      const cek = newCek(enc, options);
      return { cek, encryptedKey: aesKeyWrap(derived, cek), parameters: { epk } };
    },
    decrypt(key, encryptedKey, enc, encName, header) {
      const recipient = key as Extract<PreparedKey, { kind: 'ec' | 'okp' }>;
      const ephemeral = parseEphemeralKey(header.epk, recipient);
      const z = recipientSharedSecret(recipient, ephemeral);
      if (z === undefined) return undefined;
      const derived = derive(z, alg, encName, enc, header);
      return wrapBits === undefined ? derived : aesKeyUnwrap(derived, encryptedKey);
    },
  };
}

function pbes2(hashBits: 256 | 384 | 512): KeyManagement {
  const wrapLength = hashBits / 16;
  const alg = `PBES2-HS${hashBits}+A${hashBits / 2}KW`;
  const hash = `sha${hashBits}` as 'sha256' | 'sha384' | 'sha512';
  const password = (key: PreparedKey): Buffer => (key as Extract<PreparedKey, { kind: 'password' | 'secret' }>).bytes;
  return {
    direct: false,
    fits: (key) => key.kind === 'password' || key.kind === 'secret',
    encrypt(key, enc, _n, _h, options) {
      const p2c = options.p2c ?? DEFAULT_PBES2_COUNT;
      if (!Number.isSafeInteger(p2c) || p2c < 1) throw new JWEInvalid('PBES2 iteration count must be a positive integer');
      const p2s = options.fixed?.p2s ?? randomBytes(16);
      const cek = newCek(enc, options);
      const kek = pbes2DeriveKey(alg, hash, wrapLength, password(key), p2s, p2c);
      return { cek, encryptedKey: aesKeyWrap(kek, cek), parameters: { p2s: Buffer.from(p2s).toString('base64url'), p2c } };
    },
    decrypt(key, encryptedKey, _e, _n, header, options) {
      const p2c = header.p2c;
      if (typeof p2c !== 'number' || !Number.isSafeInteger(p2c) || p2c < 1) throw new JWEInvalid('invalid "p2c" header parameter');
      if (p2c > options.maxPBES2Count) throw new JWEInvalid('"p2c" header parameter exceeds the allowed maximum');
      const p2s = headerBytes(header, 'p2s', true);
      if (p2s.length < MIN_PBES2_SALT_LENGTH) throw new JWEInvalid('"p2s" header parameter is too short');
      return aesKeyUnwrap(pbes2DeriveKey(alg, hash, wrapLength, password(key), p2s, p2c), encryptedKey);
    },
  };
}

/** The key-management table. Adding an `alg` is one entry here. */
export const KEY_MANAGEMENT: Readonly<Record<KeyManagementAlgorithm, KeyManagement>> = {
  dir,
  A128KW: aesKw(128),
  A192KW: aesKw(192),
  A256KW: aesKw(256),
  A128GCMKW: aesGcmKw(128),
  A192GCMKW: aesGcmKw(192),
  A256GCMKW: aesGcmKw(256),
  'RSA-OAEP': rsaOaep('sha1'),
  'RSA-OAEP-256': rsaOaep('sha256'),
  'RSA-OAEP-384': rsaOaep('sha384'),
  'RSA-OAEP-512': rsaOaep('sha512'),
  RSA1_5: rsa1_5,
  'ECDH-ES': ecdhEs(),
  'ECDH-ES+A128KW': ecdhEs(128),
  'ECDH-ES+A192KW': ecdhEs(192),
  'ECDH-ES+A256KW': ecdhEs(256),
  'PBES2-HS256+A128KW': pbes2(256),
  'PBES2-HS384+A192KW': pbes2(384),
  'PBES2-HS512+A256KW': pbes2(512),
};

/** Every key-management algorithm cjwt knows (RSA1_5 decrypts only, and only when enabled). */
export const KEY_MANAGEMENT_ALGORITHMS = Object.freeze(Object.keys(KEY_MANAGEMENT)) as readonly KeyManagementAlgorithm[];

/** True when `alg` names a key-management algorithm of the table. */
export function isKeyManagementAlgorithm(alg: unknown): alg is KeyManagementAlgorithm {
  return typeof alg === 'string' && Object.hasOwn(KEY_MANAGEMENT, alg);
}

/** True for the PBES2 family, which a raw secret may use only when the caller lists it. */
export function isPBES2(alg: string): boolean {
  return alg.startsWith('PBES2-');
}
