/**
 * The seed's algorithm names, mapped to JOSE identifiers: encryption algorithms are JWE `enc`
 * values used with `alg: "dir"`, signature algorithms are JWS `alg` values.
 */
import { CONTENT_ENCRYPTION, type ContentEncryption } from '../jose/index.js';

/** AES-256-GCM: JWE `A256GCM` (RFC 7518 §5.3). Recommended. */
export const AES256GCM = 'A256GCM';
/** AES-256-CBC with HMAC-SHA-512, encrypt-then-MAC: JWE `A256CBC-HS512` (RFC 7518 §5.2.5). */
export const AES256CBC = 'A256CBC-HS512';
/** ChaCha20-Poly1305: `C20P` of draft-amringer-jose-chacha (no IANA-registered value exists). */
export const ChaCha20Poly1305 = 'C20P';
/** XChaCha20-Poly1305 (192-bit nonce): `XC20P` of draft-amringer-jose-chacha. */
export const XChaCha20Poly1305 = 'XC20P';

/** An encryption algorithm of the EncryptionManager (a JWE `enc` used with `dir`). */
export type EncryptionAlgorithm = typeof AES256GCM | typeof AES256CBC | typeof ChaCha20Poly1305 | typeof XChaCha20Poly1305;

/** Every encryption algorithm the EncryptionManager can manage keys for. */
export const ENCRYPTION_ALGORITHMS: readonly EncryptionAlgorithm[] = Object.freeze([AES256GCM, AES256CBC, ChaCha20Poly1305, XChaCha20Poly1305]);

/** RSASSA-PKCS1-v1_5 with SHA-256. */
export const RS256 = 'RS256';
/** ECDSA on P-256 with SHA-256. */
export const ES256 = 'ES256';
/** HMAC with SHA-256 (a shared secret: the verifier can sign too). */
export const HS256 = 'HS256';
/** Ed25519, JWS `EdDSA` (RFC 8037). */
export const Ed25519 = 'EdDSA';

/** A signature algorithm of the MultiSignatureManager. */
export type SignatureAlgorithm = typeof RS256 | typeof ES256 | typeof HS256 | typeof Ed25519;

/** Every signature algorithm a signer may use. */
export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = Object.freeze([RS256, ES256, HS256, Ed25519]);

/**
 * Encryptions one key may perform before it is retired: 2^32 - 1, under the 2^32 bound NIST
 * SP 800-38D §8.3 sets for random 96-bit nonces.
 */
export const DEFAULT_NONCE_USAGE_LIMIT = 2 ** 32 - 1;

/** True when `value` names an encryption algorithm. */
export function isEncryptionAlgorithm(value: unknown): value is EncryptionAlgorithm {
  return typeof value === 'string' && (ENCRYPTION_ALGORITHMS as readonly string[]).includes(value);
}

/** True when `value` names a signature algorithm. */
export function isSignatureAlgorithm(value: unknown): value is SignatureAlgorithm {
  return typeof value === 'string' && (SIGNATURE_ALGORITHMS as readonly string[]).includes(value);
}

/** The jose layer's content-encryption entry of `algorithm`. */
export function contentEncryption(algorithm: EncryptionAlgorithm): ContentEncryption {
  return CONTENT_ENCRYPTION[algorithm];
}

/**
 * True when the algorithm draws random 96-bit nonces, so a key must be retired before the
 * birthday bound (AES-GCM, ChaCha20-Poly1305). CBC-HMAC's 128-bit IVs and XChaCha's 192-bit
 * nonces do not need the counter.
 */
export function hasNonceUsageLimit(algorithm: EncryptionAlgorithm): boolean {
  return algorithm === AES256GCM || algorithm === ChaCha20Poly1305;
}
