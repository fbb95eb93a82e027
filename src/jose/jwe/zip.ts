/**
 * `zip: "DEF"` (RFC 7516 §4.1.3): raw DEFLATE, with a hard bound on the inflated size so that a
 * small token cannot expand into a large allocation.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Buffer } from 'node:buffer';
import { TokenTooLarge } from '../errors.js';

/** Default bound on the decompressed plaintext: 250 KiB. */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 250 * 1024;

/** Compresses the plaintext before encryption. */
export function deflate(plaintext: Uint8Array): Buffer {
  return deflateRawSync(plaintext);
}

/**
 * Inflates at most `maxOutputLength` bytes. The input was authenticated before this runs, so
 * reporting "too large" distinctly reveals nothing to a forger.
 */
export function inflate(compressed: Uint8Array, maxOutputLength: number): Buffer | undefined {
  try {
    return inflateRawSync(compressed, { maxOutputLength });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new TokenTooLarge(`decompressed plaintext exceeds ${maxOutputLength} bytes`);
    }
    return undefined;
  }
}
