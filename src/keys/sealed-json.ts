/**
 * AES-256-GCM sealing of JSON values for key persistence. The additional authenticated data binds
 * a ciphertext to its context (the key's metadata), so a ciphertext moved to another entry, or
 * metadata edited in the file, fails to open.
 */
import { createCipheriv, createDecipheriv, KeyObject, randomBytes } from 'node:crypto';
import { KeyStorageError } from '../jose/errors.js';

/** A sealed value as stored: all members base64url. */
export interface SealedValue {
  iv: string;
  tag: string;
  data: string;
}

/** A 32-byte AES-256-GCM key: raw bytes or a secret `KeyObject`. */
export type StorageKey = Uint8Array | KeyObject;

function checkStorageKey(key: StorageKey): Uint8Array | KeyObject {
  if (key instanceof KeyObject) {
    if (key.type !== 'secret' || key.symmetricKeySize !== 32) throw new KeyStorageError('storage key must be a 32-byte secret');
    return key;
  }
  if (!(key instanceof Uint8Array) || key.byteLength !== 32) throw new KeyStorageError('storage key must be 32 bytes');
  return key;
}

/** Encrypts `value` (JSON-serialisable) under `key`, authenticating `aad` alongside. */
export function sealJSON(value: unknown, key: StorageKey, aad: string): SealedValue {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', checkStorageKey(key), iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64url'), tag: cipher.getAuthTag().toString('base64url'), data: data.toString('base64url') };
}

/**
 * Decrypts a value sealed by {@link sealJSON}.
 *
 * @throws {KeyStorageError} for a wrong key, a different `aad`, or altered or malformed input.
 */
export function openJSON(sealed: SealedValue, key: StorageKey, aad: string): unknown {
  const k = checkStorageKey(key);
  if (sealed === null || typeof sealed !== 'object' || typeof sealed.iv !== 'string' || typeof sealed.tag !== 'string' || typeof sealed.data !== 'string') {
    throw new KeyStorageError('sealed key material is malformed');
  }
  const iv = Buffer.from(sealed.iv, 'base64url');
  const tag = Buffer.from(sealed.tag, 'base64url');
  if (iv.length !== 12 || tag.length !== 16) throw new KeyStorageError('sealed key material is malformed');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]);
  } catch {
    // One message for every failure: a wrong key and a tampered file look the same to an attacker.
    throw new KeyStorageError('key ring storage could not be decrypted: wrong storage key or altered data');
  }
  try {
    return JSON.parse(plain.toString('utf8')) as unknown;
  } catch {
    throw new KeyStorageError('decrypted key material is not JSON');
  } finally {
    plain.fill(0);
  }
}
