/**
 * HMAC (RFC 2104) for the JWS hot path. `createHmac` builds a stream object per call, which is the
 * largest single cost of an HS256 verification; here the key pads are computed once per key and
 * each MAC is two one-shot `crypto.hash` calls over a reused buffer. Node releases without
 * `crypto.hash` (before 20.12) fall back to `createHmac`.
 */
import { Buffer } from 'node:buffer';
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, type KeyObject } from 'node:crypto';

/** Computes the raw MAC of a JWS signing input. */
export type HmacFunction = (input: string | Buffer) => Buffer;

type HmacHash = 'sha256' | 'sha384' | 'sha512';

const BLOCK_SIZE: Readonly<Record<HmacHash, number>> = { sha256: 64, sha384: 128, sha512: 128 };
const DIGEST_SIZE: Readonly<Record<HmacHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

// Inputs beyond this go through createHmac rather than growing the per-key buffer without bound.
const MAX_SCRATCH = 64 * 1024;

const oneShotHash = (nodeCrypto as { hash?: typeof nodeCrypto.hash }).hash;

/**
 * Builds the HMAC function of one secret key and hash.
 *
 * @example createHmacFunction('sha256', generateSecret('HS256'))('header.payload') // 32-byte MAC
 */
export function createHmacFunction(hash: HmacHash, key: KeyObject): HmacFunction {
  if (typeof oneShotHash !== 'function') return (input) => createHmac(hash, key).update(input).digest();
  const hashOnce = oneShotHash;
  const block = BLOCK_SIZE[hash];
  let secret = key.export();
  if (secret.length > block) secret = createHash(hash).update(secret).digest();
  // inner = (K ^ ipad) || message, grown on demand; outer = (K ^ opad) || inner digest.
  let inner = Buffer.alloc(block + 1024, 0x36);
  const outer = Buffer.alloc(block + DIGEST_SIZE[hash], 0x5c);
  for (let i = 0; i < secret.length; i++) {
    inner[i] = (inner[i] ?? 0) ^ (secret[i] ?? 0);
    outer[i] = (outer[i] ?? 0) ^ (secret[i] ?? 0);
  }
  secret.fill(0);
  return (input) => {
    const maxBytes = typeof input === 'string' ? input.length * 3 : input.length;
    if (block + maxBytes > inner.length) {
      if (block + maxBytes > MAX_SCRATCH) return createHmac(hash, key).update(input).digest();
      const grown = Buffer.alloc(Math.min(MAX_SCRATCH, 2 * (block + maxBytes)));
      inner.copy(grown, 0, 0, block);
      inner.fill(0);
      inner = grown;
    }
    const length = typeof input === 'string' ? inner.write(input, block, 'utf8') : input.copy(inner, block);
    hashOnce(hash, inner.subarray(0, block + length), 'buffer').copy(outer, block);
    return hashOnce(hash, outer, 'buffer');
  };
}
