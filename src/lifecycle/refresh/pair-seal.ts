/**
 * Sealing of a successor pair for the reuse grace. During the grace a retry of the just-rotated
 * refresh token must get the very same pair back, from any server, without the store ever
 * holding a usable token: the pair is encrypted (AES-256-GCM) under a key derived from the
 * server secret, bound to the id of the record that holds it, so a dump of the store (or a
 * sealed value moved to another record) yields nothing.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { TokenPair } from './types.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Derives a 32-byte key for one purpose from the server secret (HKDF-SHA256). */
export function deriveKey(secret: Uint8Array, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, new Uint8Array(0), `cjwt/refresh/${purpose}`, 32));
}

/** Seals and opens successor pairs under one key. */
export class PairSeal {
  readonly #key: Buffer;

  /** @param key 32 bytes, from {@link deriveKey}. */
  constructor(key: Buffer) {
    this.#key = key;
  }

  /** The pair encrypted for the record `recordId` (base64url; version, iv, ciphertext, tag). */
  seal(pair: TokenPair, recordId: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(`${VERSION}|${recordId}`));
    const body = JSON.stringify([pair.accessToken, pair.refreshToken, pair.accessExpiresAt, pair.refreshExpiresAt]);
    const ciphertext = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, ciphertext, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The pair sealed for `recordId`, or undefined when the value is not one (altered, other key, other record). */
  open(sealed: string, recordId: string, familyId: string): TokenPair | undefined {
    if (!sealed.startsWith(`${VERSION}.`)) return undefined;
    const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES + 2) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(`${VERSION}|${recordId}`));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const body = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      const [accessToken, refreshToken, accessExpiresAt, refreshExpiresAt] = JSON.parse(body) as [string, string, number, number];
      return { accessToken, refreshToken, accessExpiresAt, refreshExpiresAt, familyId, sessionId: familyId };
    } catch {
      // Authentication failed: the value was not sealed by this key for this record.
      return undefined;
    }
  }
}
