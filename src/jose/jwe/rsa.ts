/**
 * RSA key transport: RSA-OAEP with SHA-1/256/384/512, and RSAES-PKCS1-v1_5 for decryption only.
 *
 * Node 20 refuses PKCS#1 v1.5 private decryption (CVE-2023-46809), so RSA1_5 is unpadded here
 * from the raw RSA output, without branching on secret data, and every malformed message turns
 * into a random CEK (RFC 7516 §11.5): the content decryption then fails exactly like a wrong tag.
 */
import { constants, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import type { Buffer } from 'node:buffer';

/** RSA-OAEP encryption of the CEK. */
export function rsaOaepEncrypt(key: KeyObject, hash: string, cek: Uint8Array): Buffer {
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, cek);
}

/** RSA-OAEP decryption of the CEK; `undefined` on any failure. */
export function rsaOaepDecrypt(key: KeyObject, hash: string, encryptedKey: Uint8Array): Buffer | undefined {
  try {
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, encryptedKey);
  } catch {
    return undefined;
  }
}

/**
 * RSAES-PKCS1-v1_5 decryption of a CEK of `cekLength` bytes. Always returns `cekLength` bytes:
 * the real CEK when the padding is valid and the length right, a random one otherwise.
 */
export function rsa15DecryptCek(key: KeyObject, modulusBytes: number, encryptedKey: Uint8Array, cekLength: number): Buffer {
  const fallback = randomBytes(cekLength);
  if (encryptedKey.length !== modulusBytes) return fallback;
  let em: Buffer;
  try {
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, encryptedKey);
  } catch {
    return fallback;
  }
  const k = em.length;
  // bad != 0 marks an invalid encoding; every byte is visited whatever the content.
  let bad = em[0]! | (em[1]! ^ 2);
  let separator = 0;
  let found = 0;
  for (let i = 2; i < k; i++) {
    const isZero = ((em[i]! - 1) >>> 31) & 1; // 1 when em[i] === 0
    const take = -(isZero & (found ^ 1)); // all ones at the first zero byte only
    separator = (separator & ~take) | (i & take);
    found |= isZero;
  }
  bad |= found ^ 1;
  bad |= ((separator - 10) >>> 31) & 1; // at least 8 bytes of padding string
  bad |= (k - separator - 1) ^ cekLength;
  const mask = -((((bad | -bad) >>> 31) & 1) ^ 1) & 0xff; // 0xff when valid, 0 when not
  const start = k - cekLength;
  for (let i = 0; i < cekLength; i++) {
    fallback[i] = (em[start + i]! & mask) | (fallback[i]! & ~mask & 0xff);
  }
  return fallback;
}
