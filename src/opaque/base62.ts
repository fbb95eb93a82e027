/**
 * Base62 pieces of the opaque token format: random characters, fixed-width numbers and a
 * CRC32 over ASCII text. Base62 (0-9, A-Z, a-z) because a token made only of these characters is
 * selected whole by a double click and needs no escaping in a URL, a header or a shell.
 */
import { randomBytes } from 'node:crypto';

/** The 62 characters, in the order of their digit values. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Bits of entropy one uniformly drawn base62 character carries (log2 62). */
export const BITS_PER_BASE62_CHAR = Math.log2(62);

/** Characters a base62 uint32 takes at fixed width: 62^6 > 2^32. */
export const UINT32_BASE62_WIDTH = 6;

// 248 = 4 * 62: bytes at or above it are dropped, so every kept byte maps to a character uniformly.
const REJECT_FROM = 248;

/** `count` uniformly random base62 characters from the CSPRNG (rejection sampling, no modulo bias). */
export function randomBase62(count: number): string {
  let out = '';
  while (out.length < count) {
    // A byte is kept with probability 248/256, so count + count/8 + 8 bytes almost always suffice.
    const pool = randomBytes(count - out.length + ((count - out.length) >> 3) + 8);
    for (let i = 0; i < pool.length && out.length < count; i++) {
      const byte = pool[i] as number;
      if (byte < REJECT_FROM) out += BASE62_ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A uint32 as exactly six base62 digits, most significant first, left-padded with `0`. */
export function encodeUint32Base62(value: number): string {
  let n = value >>> 0;
  let out = '';
  for (let i = 0; i < UINT32_BASE62_WIDTH; i++) {
    out = BASE62_ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

const CRC_TABLE = buildCrcTable();

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * CRC32 (IEEE 802.3, as zlib and GitHub's token checksum) of `text[start, end)`, which must be
 * ASCII: each char code is taken as one byte, which avoids encoding the string to a Buffer.
 */
export function crc32Ascii(text: string, start = 0, end = text.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = (CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// Digit value of each char code below 128, -1 for a character outside the alphabet.
const DIGIT_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE62_ALPHABET.length; i++) DIGIT_VALUE[BASE62_ALPHABET.charCodeAt(i)] = i;

/**
 * The number six base62 digits at `text[from]` stand for (up to 62^6 - 1, so possibly above
 * 2^32), or -1 when one of them is not a base62 character.
 */
export function decodeUint32Base62(text: string, from: number): number {
  let n = 0;
  for (let i = from; i < from + UINT32_BASE62_WIDTH; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? (DIGIT_VALUE[code] as number) : -1;
    if (digit < 0) return -1;
    n = n * 62 + digit;
  }
  return n;
}

/**
 * CRC32 of `text[start, end)` when every character there is base62, else -1: the shape check and
 * the checksum in one pass over the token.
 */
export function crc32Base62(text: string, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || (DIGIT_VALUE[code] as number) < 0) return -1;
    crc = (CRC_TABLE[(crc ^ code) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}
