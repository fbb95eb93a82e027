/**
 * PBES2 key derivation (RFC 7518 §4.8): PBKDF2 over `alg || 0x00 || p2s`.
 */
import { pbkdf2Sync } from 'node:crypto';
import { Buffer } from 'node:buffer';

/** Default iteration count for encryption (OWASP's PBKDF2 guidance) and the default decryption bound. */
export const DEFAULT_PBES2_COUNT = 310_000;
/** Minimum salt input length, RFC 7518 §4.8.1.1. */
export const MIN_PBES2_SALT_LENGTH = 8;

/** Derives the key-wrapping key for `alg` from a password. */
export function pbes2DeriveKey(alg: string, hash: 'sha256' | 'sha384' | 'sha512', keyLength: number, password: Uint8Array, p2s: Uint8Array, p2c: number): Buffer {
  const salt = Buffer.concat([Buffer.from(alg, 'ascii'), Buffer.of(0), p2s]);
  return pbkdf2Sync(password, salt, p2c, keyLength, hash);
}
