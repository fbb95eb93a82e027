/**
 * The import checks of an RSA key: at least 2048 bits, a sane public exponent, no ROCA
 * fingerprint. They run once per KeyObject (remembered in a WeakSet), wherever a key enters:
 * JWK and PEM import, and the JWS and JWE key preparation that a bare KeyObject goes through.
 */
import type { KeyObject } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { MIN_RSA_MODULUS_BITS } from '../algorithms.js';
import { JWKCheckFailed, KeyTooWeak } from '../errors.js';
import { hasROCAFingerprint } from './roca.js';

export { hasROCAFingerprint } from './roca.js';

/**
 * Largest public exponent accepted, in bits. NIST SP 800-56B bounds e below 2^256; anything
 * larger only makes verification slow (a verifier that does an exponentiation per token).
 */
export const MAX_RSA_EXPONENT_BITS = 256;

const checked = new WeakSet<KeyObject>();

function modulusOf(key: KeyObject, knownModulus: string | undefined): bigint {
  // Exporting costs as much as the import itself: use the JWK's `n` when the caller has it.
  const n = knownModulus ?? key.export({ format: 'jwk' }).n;
  return BigInt(`0x${Buffer.from(n ?? '', 'base64url').toString('hex') || '0'}`);
}

/**
 * Checks an RSA (or RSA-PSS) key; any other key passes untouched. `modulus` is the base64url `n`
 * the key was just imported from, if any (it saves exporting it again).
 *
 * @throws {KeyTooWeak} for a modulus under 2048 bits.
 * @throws {JWKCheckFailed} (`ERR_JWK_INVALID`) for an even public exponent, one below 3 or above
 *   256 bits (with e = 1 anyone can forge a signature), or a modulus with the ROCA fingerprint.
 * @example checkRSAKey(importedKey) // throws for a key from a vulnerable Infineon chip
 */
export function checkRSAKey(key: KeyObject, modulus?: string): void {
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'rsa-pss') return;
  if (checked.has(key)) return;
  const details = key.asymmetricKeyDetails ?? {};
  if ((details.modulusLength ?? 0) < MIN_RSA_MODULUS_BITS) throw new KeyTooWeak(`RSA keys must be at least ${MIN_RSA_MODULUS_BITS} bits`);
  const e = details.publicExponent ?? 0n;
  if (e < 3n || (e & 1n) === 0n || e.toString(2).length > MAX_RSA_EXPONENT_BITS) {
    throw new JWKCheckFailed('rsa-public-exponent', `RSA public exponent must be odd, at least 3 and at most ${MAX_RSA_EXPONENT_BITS} bits`);
  }
  if (hasROCAFingerprint(modulusOf(key, modulus))) {
    throw new JWKCheckFailed('roca-fingerprint', 'RSA modulus has the ROCA fingerprint (CVE-2017-15361): it was made by a vulnerable Infineon library and can be factored');
  }
  checked.add(key);
}
