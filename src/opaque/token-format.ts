/**
 * The opaque token format, shared by OpaqueTokenManager, refresh tokens and the token service:
 *
 * ```
 * <prefix>_<random base62>[<12-char base62 HMAC>]<6-char base62 CRC32>
 * ```
 *
 * The prefix and checksum follow GitHub's token format, so secret scanners recognise a leaked
 * token and a mistyped one is refused without a store round trip. With a `secret`, the random part
 * carries a 64-bit truncated HMAC-SHA256 of `<prefix>_<random>`: a token nobody issued is refused
 * in memory, so a guessing flood never reaches the database. The checksum covers the random part
 * and the MAC. Only the SHA-256 of the whole token is ever stored.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, KeyObject } from 'node:crypto';
import { JWKInvalid, KeyTooWeak, importSecret } from '../jose/index.js';
import {
  BITS_PER_BASE62_CHAR, UINT32_BASE62_WIDTH, crc32Ascii, crc32Base62, decodeUint32Base62, encodeUint32Base62, randomBase62,
} from './base62.js';
import { createTruncatedMac } from './mac.js';

/** Options of {@link createOpaqueTokenFormat}. */
export interface OpaqueTokenFormatOptions {
  /**
   * What the token starts with, before `_`: 1 to 32 characters `[A-Za-z0-9_]` starting with a
   * letter; one trailing `_` is dropped (`'pg_'` and `'pg'` are the same prefix). Default `cjwt`.
   */
  prefix?: string;
  /**
   * Bytes of randomness (not characters): 16 (128 bits) to 128; default 32 (256 bits). The random
   * part has `ceil(length * 8 / log2 62)` base62 characters: 43 for 32 bytes, 22 for 16.
   * Fewer than 16 bytes is refused with `KeyTooWeak`.
   */
  length?: number;
  /**
   * HMAC key (at least 32 bytes) that makes forged tokens detectable without the store. Every
   * server validating the tokens needs the same secret; changing it invalidates issued tokens.
   */
  secret?: Uint8Array | string | KeyObject;
}

/** Makes and checks opaque tokens of one configuration. */
export interface OpaqueTokenFormat {
  /** A new token and its storage hash (SHA-256 base64url of the whole token). */
  generate(): { token: string; hash: string };
  /** Shape, checksum and (with a secret) HMAC check; no store access. False for anything malformed or forged. */
  check(token: string): boolean;
  /** The storage hash of a token (SHA-256 base64url). */
  hash(token: string): string;
}

/** Default prefix of opaque tokens. */
export const DEFAULT_OPAQUE_PREFIX = 'cjwt';
/** Default bytes of randomness (256 bits). */
export const DEFAULT_OPAQUE_LENGTH = 32;
/** Least bytes of randomness accepted (128 bits). */
export const MIN_OPAQUE_LENGTH = 16;
/** Most bytes of randomness accepted; longer tokens add nothing but size. */
export const MAX_OPAQUE_LENGTH = 128;

// One-shot SHA-256 where Node has it (20.12+): no Hash object per call.
const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'base64url') => string }).hash;

/** SHA-256 of a token, base64url: what the store keeps. */
export const hashToken: (token: string) => string = typeof oneShotHash === 'function'
  ? (token) => oneShotHash('sha256', token, 'base64url')
  : (token) => createHash('sha256').update(token).digest('base64url');

/** Characters of the truncated MAC: two base62 uint32s, 64 bits. */
const MAC_CHARS = 2 * UINT32_BASE62_WIDTH;
const PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/**
 * Builds the token format of one prefix, length and optional secret. Everything derived from the
 * options (prefix, lengths, HMAC key) is computed here once, so `check` does no setup per call.
 *
 * @throws {KeyTooWeak} for `length` under 16 bytes or a secret under 32 bytes.
 * @throws {RangeError} for a malformed prefix or a non-integer / too large `length`.
 * @example
 * const format = createOpaqueTokenFormat({ prefix: 'myapp', secret: process.env.TOKEN_SECRET });
 * const { token, hash } = format.generate(); // 'myapp_...' and what the store keeps
 * format.check(token); // true
 */
export function createOpaqueTokenFormat(options: OpaqueTokenFormatOptions = {}): OpaqueTokenFormat {
  const prefix = normalizePrefix(options.prefix ?? DEFAULT_OPAQUE_PREFIX);
  const randomChars = randomCharsFor(options.length ?? DEFAULT_OPAQUE_LENGTH);
  const key = options.secret === undefined ? undefined : toMacKey(options.secret);
  const head = `${prefix}_`;
  const bodyStart = head.length;
  const macStart = bodyStart + randomChars;
  const crcStart = macStart + (key === undefined ? 0 : MAC_CHARS);
  const totalLength = crcStart + UINT32_BASE62_WIDTH;

  const mac = key === undefined ? undefined : createTruncatedMac(key);

  return {
    generate() {
      const signed = head + randomBase62(randomChars);
      let body = signed;
      if (mac !== undefined) {
        const [high, low] = mac(signed);
        body += encodeUint32Base62(high) + encodeUint32Base62(low);
      }
      const token = body + encodeUint32Base62(crc32Ascii(body, bodyStart));
      return { token, hash: hashToken(token) };
    },

    check(token: string): boolean {
      if (typeof token !== 'string' || token.length !== totalLength || !token.startsWith(head)) return false;
      const crc = crc32Base62(token, bodyStart, crcStart);
      if (crc < 0 || decodeUint32Base62(token, crcStart) !== crc) return false;
      if (mac === undefined) return true;
      const [high, low] = mac(token.slice(0, macStart));
      // Both halves are always compared: the time does not tell which half of a forgery matched.
      const highOk = decodeUint32Base62(token, macStart) === high;
      const lowOk = decodeUint32Base62(token, macStart + UINT32_BASE62_WIDTH) === low;
      return highOk && lowOk;
    },

    hash: hashToken,
  };
}

/** Number of base62 characters that carry at least `bytes * 8` bits. */
function randomCharsFor(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes > MAX_OPAQUE_LENGTH) {
    throw new RangeError(`opaque token length must be an integer number of bytes, ${MIN_OPAQUE_LENGTH} to ${MAX_OPAQUE_LENGTH}`);
  }
  if (bytes < MIN_OPAQUE_LENGTH) throw new KeyTooWeak(`opaque tokens need at least ${MIN_OPAQUE_LENGTH * 8} bits of randomness (length ${MIN_OPAQUE_LENGTH})`);
  return Math.ceil((bytes * 8) / BITS_PER_BASE62_CHAR);
}

function normalizePrefix(prefix: string): string {
  const trimmed = typeof prefix === 'string' && prefix.endsWith('_') ? prefix.slice(0, -1) : prefix;
  if (typeof trimmed !== 'string' || !PREFIX_PATTERN.test(trimmed)) {
    throw new RangeError('opaque token prefix must be 1-32 characters [A-Za-z0-9_] starting with a letter');
  }
  return trimmed;
}

function toMacKey(secret: Uint8Array | string | KeyObject): KeyObject {
  if (!(secret instanceof KeyObject)) return importSecret(secret);
  if (secret.type !== 'secret') throw new JWKInvalid('an opaque token secret must be a secret key');
  if ((secret.symmetricKeySize ?? 0) < 32) throw new KeyTooWeak('HMAC secrets must be at least 32 bytes');
  return secret;
}
