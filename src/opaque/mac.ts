/**
 * HMAC-SHA256 of short ASCII strings for the forged-token check. `createHmac` builds a stream
 * object per call, which costs more than the hashing of a 50-byte input; here the key pads are
 * computed once and each MAC is two one-shot `crypto.hash` calls over reused buffers (RFC 2104
 * spelled out). Node releases without `crypto.hash` (before 20.12) use `createHmac`.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, type KeyObject } from 'node:crypto';

/** The first 8 bytes of HMAC-SHA256(key, input) as two uint32s: the truncated MAC of a token. */
export type TruncatedMac = (input: string) => readonly [number, number];

const BLOCK = 64;
const DIGEST = 32;
// Longest input the reused buffer holds; longer ones (never a token of this format) use createHmac.
const MAX_INPUT = 512;

const oneShotHash = (nodeCrypto as { hash?: (alg: string, data: Buffer, enc: 'buffer') => Buffer }).hash;

/** Builds the truncated HMAC-SHA256 of one key. */
export function createTruncatedMac(key: KeyObject): TruncatedMac {
  if (typeof oneShotHash !== 'function') return (input) => split(createHmac('sha256', key).update(input).digest());
  const hash = oneShotHash;
  let secret = key.export();
  if (secret.length > BLOCK) secret = createHash('sha256').update(secret).digest();
  const inner = Buffer.alloc(BLOCK + MAX_INPUT, 0x36);
  const outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);
  for (let i = 0; i < secret.length; i++) {
    inner[i] = (inner[i] as number) ^ (secret[i] as number);
    outer[i] = (outer[i] as number) ^ (secret[i] as number);
  }
  secret.fill(0);
  return (input) => {
    if (input.length > MAX_INPUT) return split(createHmac('sha256', key).update(input).digest());
    // latin1: one byte per char code, the same bytes as UTF-8 for the ASCII a token holds.
    const length = inner.write(input, BLOCK, 'latin1');
    hash('sha256', inner.subarray(0, BLOCK + length), 'buffer').copy(outer, BLOCK);
    return split(hash('sha256', outer, 'buffer'));
  };
}

function split(digest: Buffer): readonly [number, number] {
  return [digest.readUInt32BE(0), digest.readUInt32BE(4)];
}
