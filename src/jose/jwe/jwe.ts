/**
 * JWE compact serialization (RFC 7516 §7.1): encrypt and decrypt, one-shot and precomputed.
 * Everything is synchronous; keys are prepared once per KeyObject.
 */
import { Buffer } from 'node:buffer';
import { encodeBase64url } from '../base64url.js';
import { JWEInvalid, TokenTooLarge } from '../errors.js';
import { decryptOne, encryptContent, encryptionAlgorithms, encryptKey, plaintextBytes } from './core.js';
import { decodeSegment, parseProtectedHeader, withParameters } from './header.js';
import type { FixedInputs } from './key-management.js';
import { keyManagementAlgorithmsFor, resolveDecryptPolicy, type DecryptPolicy, type JWEDecryptOptions } from './policy.js';
import { prepareKey } from './prepared-key.js';
import type { ContentEncryptionAlgorithm, JWEHeader, JWEKey, JWEKeyResolver, KeyManagementAlgorithm } from './types.js';

export type { ContentEncryptionAlgorithm, JWEHeader, JWEKey, JWEKeyResolver, KeyManagementAlgorithm } from './types.js';
export type { JWEDecryptOptions } from './policy.js';

/** Options of compact encryption. */
export interface JWEEncryptOptions {
  /** Key management algorithm; the key must fit it. */
  alg: KeyManagementAlgorithm;
  /** Content encryption algorithm. */
  enc: ContentEncryptionAlgorithm;
  /** `kid` header parameter. */
  kid?: string;
  /** Compress the plaintext with DEFLATE (`zip: "DEF"`). */
  zip?: boolean | 'DEF';
  /** More protected header parameters (`typ`, `cty`, `apu`, `apv`, extensions; `crit`). */
  header?: Record<string, unknown>;
  /** PBES2 iteration count. Default 310000. */
  p2c?: number;
}

/** The result of a decryption. */
export interface JWEDecryptResult {
  /** The protected header. */
  protectedHeader: JWEHeader;
  /** The decrypted (and inflated) plaintext. */
  plaintext: Buffer;
}

const RESERVED = new Set(['alg', 'enc', 'zip', 'epk', 'iv', 'tag', 'p2s', 'p2c']);

function baseHeader(options: JWEEncryptOptions): JWEHeader {
  const header: JWEHeader = { alg: options.alg };
  if (options.kid !== undefined) header.kid = options.kid;
  for (const [name, value] of Object.entries(options.header ?? {})) {
    if (RESERVED.has(name)) throw new JWEInvalid(`header parameter "${name}" is set by the encryption itself`);
    if (value !== undefined) header[name] = value;
  }
  header.enc = options.enc;
  if (options.zip === true || options.zip === 'DEF') header.zip = 'DEF';
  return header;
}

function serializeCompact(protectedB64: string, encryptedKey: Buffer, { iv, ciphertext, tag }: { iv: Buffer; ciphertext: Buffer; tag: Buffer }): string {
  return `${protectedB64}.${encryptedKey.toString('base64url')}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${tag.toString('base64url')}`;
}

/** @internal Compact encryption with injectable random inputs (test vectors). Not exported by the package. */
export function encryptCompactWith(plaintext: Uint8Array | string, key: JWEKey, options: JWEEncryptOptions, fixed?: FixedInputs): string {
  const { ce, enc, alg } = encryptionAlgorithms(options.alg, options.enc);
  const base = baseHeader(options);
  const { cek, encryptedKey, parameters } = encryptKey({ key, alg, header: base, p2c: options.p2c }, ce, enc, fixed, undefined);
  const protectedB64 = encodeBase64url(JSON.stringify(withParameters(base, parameters)));
  const content = encryptContent(ce, cek, plaintextBytes(plaintext), Buffer.from(protectedB64, 'latin1'), base.zip === 'DEF', fixed);
  return serializeCompact(protectedB64, encryptedKey, content);
}

/**
 * Encrypts `plaintext` to `key` as a compact JWE.
 *
 * The key decides what is possible: an RSA public key fits RSA-OAEP*, an EC or X25519/X448
 * public key ECDH-ES*, a secret of the right length dir / AES-KW / AES-GCMKW, a password string
 * PBES2. RSA1_5 is never used to encrypt.
 *
 * @example
 * const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
 * const jwe = encryptCompact('hello', publicKey, { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
 */
export function encryptCompact(plaintext: Uint8Array | string, key: JWEKey, options: JWEEncryptOptions): string {
  return encryptCompactWith(plaintext, key, options);
}

/**
 * Builds a compact encrypter for one key and one set of options. The key is prepared once, and
 * for algorithms whose header never changes (dir, AES-KW, RSA-OAEP) the header is encoded once.
 *
 * @example
 * const encrypt = createJWEEncrypter(secret, { alg: 'dir', enc: 'A256GCM' });
 * const token = encrypt('{"sub":"42"}');
 */
export function createJWEEncrypter(key: JWEKey, options: JWEEncryptOptions): (plaintext: Uint8Array | string) => string {
  const { ce, enc, alg } = encryptionAlgorithms(options.alg, options.enc);
  const base = baseHeader(options);
  prepareKey(key);
  if (alg.startsWith('ECDH-ES') || alg.includes('GCMKW') || alg.startsWith('PBES2')) {
    const frozen = { ...options };
    return (plaintext) => encryptCompactWith(plaintext, key, frozen);
  }
  const protectedB64 = encodeBase64url(JSON.stringify(base));
  const aad = Buffer.from(protectedB64, 'latin1');
  const zip = base.zip === 'DEF';
  const spec = { key, alg, header: base };
  // Validate the key now rather than at the first token.
  encryptKey(spec, ce, enc, undefined, undefined);
  return (plaintext) => {
    const { cek, encryptedKey } = encryptKey(spec, ce, enc, undefined, undefined);
    return serializeCompact(protectedB64, encryptedKey, encryptContent(ce, cek, plaintextBytes(plaintext), aad, zip));
  };
}

/** Splits and decodes a compact JWE, then decrypts it under `policy`. */
function decryptCompactWithPolicy(jwe: string, key: JWEKey | JWEKeyResolver, policy: DecryptPolicy): JWEDecryptResult {
  if (typeof jwe !== 'string') throw new JWEInvalid('compact JWE must be a string');
  if (jwe.length > policy.maxTokenSize) throw new TokenTooLarge();
  const parts = jwe.split('.');
  if (parts.length !== 5) throw new JWEInvalid('compact JWE must have five segments');
  const [protectedB64, encryptedKeyB64, ivB64, ciphertextB64, tagB64] = parts as [string, string, string, string, string];
  if (protectedB64.length === 0) throw new JWEInvalid('missing protected header');
  const protectedHeader = parseProtectedHeader(protectedB64);
  const content = {
    iv: decodeSegment(ivB64, 'iv'),
    ciphertext: decodeSegment(ciphertextB64, 'ciphertext'),
    tag: decodeSegment(tagB64, 'tag'),
    aad: Buffer.from(protectedB64, 'latin1'),
  };
  const plaintext = decryptOne(protectedHeader, protectedHeader, key, decodeSegment(encryptedKeyB64, 'encrypted key'), content, policy);
  return { protectedHeader, plaintext };
}

/**
 * Decrypts a compact JWE. `key` may be a resolver picking the key from the header (e.g. by
 * `kid`). Malformed input throws `JWEInvalid`; an algorithm outside the allowlists or unfit for
 * the key throws `JOSEAlgNotAllowed`; every cryptographic failure throws the same
 * `JWEDecryptionFailed`.
 *
 * @example
 * const { plaintext, protectedHeader } = decryptCompact(jwe, privateKey, { keyManagementAlgorithms: ['ECDH-ES+A256KW'] });
 */
export function decryptCompact(jwe: string, key: JWEKey | JWEKeyResolver, options?: JWEDecryptOptions): JWEDecryptResult {
  return decryptCompactWithPolicy(jwe, key, resolveDecryptPolicy(options));
}

/**
 * Builds a compact decrypter: options resolved once, the key prepared once.
 *
 * @example
 * const decrypt = createJWEDecrypter(privateKey, { contentEncryptionAlgorithms: ['A256GCM'] });
 * const { plaintext } = decrypt(jwe);
 */
export function createJWEDecrypter(key: JWEKey | JWEKeyResolver, options?: JWEDecryptOptions): (jwe: string) => JWEDecryptResult {
  const policy = resolveDecryptPolicy(options);
  if (typeof key !== 'function') prepareKey(key);
  return (jwe) => decryptCompactWithPolicy(jwe, key, policy);
}

/**
 * The key-management algorithms `key` may encrypt with (the key decides the algorithm).
 *
 * @example keyManagementAlgorithmsForKey(rsaPublicKey) // ['RSA-OAEP', 'RSA-OAEP-256', ...]
 */
export function keyManagementAlgorithmsForKey(key: JWEKey): KeyManagementAlgorithm[] {
  return keyManagementAlgorithmsFor(prepareKey(key));
}
