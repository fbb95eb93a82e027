/**
 * The Concat KDF of NIST SP 800-56A §5.8.1 as profiled by RFC 7518 §4.6.2 for ECDH-ES.
 */
import { createHash } from 'node:crypto';
import { Buffer } from 'node:buffer';

function lengthPrefixed(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.set(data, 4);
  return out;
}

/**
 * The OtherInfo input: AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo. It depends only on
 * the algorithm, apu, apv and key length, so callers may compute it once and reuse it.
 */
export function concatKdfOtherInfo(algorithmId: string, apu: Uint8Array, apv: Uint8Array, keyLengthBytes: number): Buffer {
  const supp = Buffer.allocUnsafe(4);
  supp.writeUInt32BE(keyLengthBytes * 8, 0);
  return Buffer.concat([lengthPrefixed(Buffer.from(algorithmId, 'ascii')), lengthPrefixed(apu), lengthPrefixed(apv), supp]);
}

/** Derives `keyLengthBytes` bytes from the shared secret `z` with SHA-256. */
export function concatKdf(z: Uint8Array, otherInfo: Uint8Array, keyLengthBytes: number): Buffer {
  const rounds = Math.ceil(keyLengthBytes / 32);
  const counter = Buffer.allocUnsafe(4);
  if (rounds === 1) {
    counter.writeUInt32BE(1, 0);
    return createHash('sha256').update(counter).update(z).update(otherInfo).digest().subarray(0, keyLengthBytes);
  }
  const parts: Buffer[] = [];
  for (let i = 1; i <= rounds; i++) {
    counter.writeUInt32BE(i, 0);
    parts.push(createHash('sha256').update(counter).update(z).update(otherInfo).digest());
  }
  return Buffer.concat(parts).subarray(0, keyLengthBytes);
}
