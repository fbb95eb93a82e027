/**
 * JWE vocabulary shared by the key-management and content-encryption tables.
 */
import type { KeyObject } from 'node:crypto';

/** Key management algorithms (RFC 7518 §4, RFC 8037 for X25519/X448). RSA1_5 only decrypts. */
export type KeyManagementAlgorithm =
  | 'dir'
  | 'A128KW' | 'A192KW' | 'A256KW'
  | 'A128GCMKW' | 'A192GCMKW' | 'A256GCMKW'
  | 'RSA-OAEP' | 'RSA-OAEP-256' | 'RSA-OAEP-384' | 'RSA-OAEP-512'
  | 'RSA1_5'
  | 'ECDH-ES' | 'ECDH-ES+A128KW' | 'ECDH-ES+A192KW' | 'ECDH-ES+A256KW'
  | 'PBES2-HS256+A128KW' | 'PBES2-HS384+A192KW' | 'PBES2-HS512+A256KW';

/**
 * Content encryption algorithms: RFC 7518 §5, plus `C20P` and `XC20P` of
 * draft-amringer-jose-chacha (not registered with IANA; accepted on decryption only when the
 * caller lists them).
 */
export type ContentEncryptionAlgorithm =
  | 'A128GCM' | 'A192GCM' | 'A256GCM'
  | 'A128CBC-HS256' | 'A192CBC-HS384' | 'A256CBC-HS512'
  | 'C20P' | 'XC20P';

/** A JOSE header of a JWE (protected, shared unprotected and per-recipient members joined). */
export interface JWEHeader {
  alg?: string;
  enc?: string;
  kid?: string;
  typ?: string;
  cty?: string;
  zip?: string;
  crit?: string[];
  epk?: Record<string, unknown>;
  apu?: string;
  apv?: string;
  iv?: string;
  tag?: string;
  p2s?: string;
  p2c?: number;
  [parameter: string]: unknown;
}

/**
 * What a JWE may be encrypted to or decrypted with: a `KeyObject` (secret, RSA, EC, X25519/X448),
 * raw secret bytes (`dir`, AES key wrap, AES-GCM key wrap, PBES2), or a password string (PBES2 only).
 */
export type JWEKey = KeyObject | Uint8Array | string;

/** Picks the decryption key from the (joined) header, e.g. by `kid`. */
export type JWEKeyResolver = (header: JWEHeader) => JWEKey;
