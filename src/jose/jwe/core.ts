/**
 * The steps shared by compact and JSON serialization: recover the CEK for one recipient, decrypt
 * and authenticate the content, inflate; and on the sending side produce a recipient's encrypted
 * key and encrypt the content once.
 */
import { randomBytes } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { JOSEAlgNotAllowed, JOSENotSupported, JWEDecryptionFailed, JWEInvalid } from '../errors.js';
import type { ContentEncryption } from './content.js';
import { CONTENT_ENCRYPTION, isContentEncryptionAlgorithm } from './content.js';
import { checkCrit } from './header.js';
import { isKeyManagementAlgorithm, KEY_MANAGEMENT, type FixedInputs } from './key-management.js';
import { keyFits, selectAlgorithms, type DecryptPolicy } from './policy.js';
import { prepareKey } from './prepared-key.js';
import type { ContentEncryptionAlgorithm, JWEHeader, JWEKey, JWEKeyResolver, KeyManagementAlgorithm } from './types.js';
import { deflate, inflate } from './zip.js';

/** Segments of one JWE as bytes (IV, ciphertext, tag) plus the AAD. */
export interface JWEContent {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  aad: Buffer;
}

/**
 * Recovers the CEK for one recipient and decrypts the content. Every cryptographic failure, from
 * unwrapping the CEK to the tag, ends in the same {@link JWEDecryptionFailed}; a failed unwrap
 * continues with a random CEK so it fails at the tag like any other forgery.
 */
export function decryptOne(
  protectedHeader: JWEHeader | undefined,
  joined: JWEHeader,
  key: JWEKey | JWEKeyResolver,
  encryptedKey: Buffer,
  content: JWEContent,
  policy: DecryptPolicy,
): Buffer {
  const { km, ce, alg } = selectAlgorithms(joined.alg, joined.enc, policy);
  if (joined.zip !== undefined) {
    if (joined.zip !== 'DEF') throw new JOSENotSupported('unsupported "zip" header parameter');
    if (protectedHeader?.zip !== 'DEF') throw new JWEInvalid('"zip" must be integrity protected');
  }
  checkCrit(protectedHeader, joined, policy.crit);
  const prepared = prepareKey(typeof key === 'function' ? key(joined) : key);
  if (!keyFits(prepared, alg, km, ce, true, policy.explicitPBES2)) throw new JOSEAlgNotAllowed(`the key cannot be used with "alg" ${alg}`);
  if (km.direct && encryptedKey.length !== 0) throw new JWEInvalid(`"${alg}" requires an empty encrypted key`);
  let cek = km.decrypt(prepared, encryptedKey, ce, joined.enc as string, joined, policy);
  if (cek === undefined || cek.length !== ce.cekLength) cek = randomBytes(ce.cekLength);
  const plaintext = ce.decrypt(cek, content.iv, content.ciphertext, content.tag, content.aad);
  if (plaintext === undefined) throw new JWEDecryptionFailed();
  if (joined.zip === undefined) return plaintext;
  const inflated = inflate(plaintext, policy.maxDecompressedSize);
  if (inflated === undefined) throw new JWEDecryptionFailed();
  return inflated;
}

/** What a sender needs for one recipient. */
export interface RecipientSpec {
  key: JWEKey;
  alg: KeyManagementAlgorithm;
  /** The header the KDF reads apu/apv from (the joined header of that recipient). */
  header: JWEHeader;
  p2c?: number;
}

/** Checks `alg` and `enc` for encryption and returns their table entries. */
export function encryptionAlgorithms(alg: unknown, enc: unknown): { ce: ContentEncryption; enc: ContentEncryptionAlgorithm; alg: KeyManagementAlgorithm } {
  if (!isKeyManagementAlgorithm(alg)) throw new JOSENotSupported(`unsupported "alg": ${String(alg).slice(0, 32)}`);
  if (!isContentEncryptionAlgorithm(enc)) throw new JOSENotSupported(`unsupported "enc": ${String(enc).slice(0, 32)}`);
  if (alg === 'RSA1_5') throw new JOSENotSupported('RSA1_5 is supported for decryption only');
  return { ce: CONTENT_ENCRYPTION[enc], enc, alg };
}

/** Produces one recipient's CEK (for the first recipient) or wraps the given CEK. */
export function encryptKey(
  spec: RecipientSpec,
  ce: ContentEncryption,
  enc: ContentEncryptionAlgorithm,
  fixed: FixedInputs | undefined,
  sharedCek: Buffer | undefined,
): { cek: Buffer; encryptedKey: Buffer; parameters: Record<string, unknown> } {
  const km = KEY_MANAGEMENT[spec.alg];
  const prepared = prepareKey(spec.key);
  if (!keyFits(prepared, spec.alg, km, ce, false, true)) throw new JOSEAlgNotAllowed(`the key cannot be used with "alg" ${spec.alg}`);
  if (km.direct && sharedCek !== undefined) throw new JWEInvalid(`"${spec.alg}" cannot be used with several recipients`);
  const cekFixed = sharedCek ?? fixed?.cek;
  return km.encrypt(prepared, ce, enc, spec.header, { p2c: spec.p2c, fixed: cekFixed === undefined ? fixed : { ...fixed, cek: cekFixed } });
}

/** Encrypts (and compresses when asked) the content under `cek`. */
export function encryptContent(ce: ContentEncryption, cek: Buffer, plaintext: Uint8Array, aad: Buffer, zip: boolean, fixed?: FixedInputs): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = fixed?.iv === undefined ? randomBytes(ce.ivLength) : Buffer.from(fixed.iv);
  const { ciphertext, tag } = ce.encrypt(cek, iv, zip ? fixed?.deflated ?? deflate(plaintext) : plaintext, aad);
  return { iv, ciphertext, tag };
}

/** Plaintext input as bytes. */
export function plaintextBytes(plaintext: Uint8Array | string): Uint8Array {
  return typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
}
