/**
 * AES Key Wrap (RFC 3394) through OpenSSL's `id-aesN-wrap` ciphers, and AES-GCM key wrap.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Buffer } from 'node:buffer';

const DEFAULT_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
const WRAP_CIPHER = { 16: 'id-aes128-wrap', 24: 'id-aes192-wrap', 32: 'id-aes256-wrap' } as const;

function wrapCipher(kek: Uint8Array): string {
  const name = WRAP_CIPHER[kek.length as 16 | 24 | 32];
  if (name === undefined) throw new RangeError('AES key wrap needs a 128, 192 or 256-bit key');
  return name;
}

/** Wraps `cek` (a multiple of 8 bytes, at least 16) under `kek`. */
export function aesKeyWrap(kek: Uint8Array, cek: Uint8Array): Buffer {
  const c = createCipheriv(wrapCipher(kek), kek, DEFAULT_IV);
  return Buffer.concat([c.update(cek), c.final()]);
}

/** Unwraps; `undefined` when the integrity check fails or the input is malformed. */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Buffer | undefined {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  try {
    const d = createDecipheriv(wrapCipher(kek), kek, DEFAULT_IV);
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    return undefined;
  }
}

/** AES-GCM key wrap (RFC 7518 §4.7): encrypts the CEK with a 96-bit IV and no AAD. */
export function aesGcmKeyWrap(kek: Uint8Array, iv: Uint8Array, cek: Uint8Array): { encryptedKey: Buffer; tag: Buffer } {
  const c = createCipheriv(`aes-${kek.length * 8}-gcm` as 'aes-256-gcm', kek, iv, { authTagLength: 16 });
  const encryptedKey = Buffer.concat([c.update(cek), c.final()]);
  return { encryptedKey, tag: c.getAuthTag() };
}

/** AES-GCM key unwrap; `undefined` on any failure. */
export function aesGcmKeyUnwrap(kek: Uint8Array, iv: Uint8Array, tag: Uint8Array, encryptedKey: Uint8Array): Buffer | undefined {
  if (iv.length !== 12 || tag.length !== 16) return undefined;
  try {
    const d = createDecipheriv(`aes-${kek.length * 8}-gcm` as 'aes-256-gcm', kek, iv, { authTagLength: 16 });
    d.setAuthTag(tag);
    return Buffer.concat([d.update(encryptedKey), d.final()]);
  } catch {
    return undefined;
  }
}
