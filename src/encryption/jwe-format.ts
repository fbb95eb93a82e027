/**
 * The flattened JWE JSON serialization this module writes (`alg: "dir"`, `enc`, `kid` in the
 * protected header, optional `aad` member), and the seed's field view of it.
 */
import { Buffer } from 'node:buffer';
import { JWEInvalid, TokenTooLarge, isCanonicalSegment, type FlattenedJWE, type GeneralJWE } from '../jose/index.js';
import { isEncryptionAlgorithm, type EncryptionAlgorithm } from './algorithms.js';
import { protectedHeaderOf } from './keyset.js';

/** The seed's fields of an encrypted token (all base64url, the JWE's own members). */
export interface EncryptedTokenFields {
  /** The ciphertext (JWE `ciphertext`). */
  encryptedData: string;
  /** The IV / nonce (JWE `iv`). */
  nonce: string;
  /** The authentication tag (JWE `tag`). */
  tag: string;
  /** The content encryption algorithm (JWE `enc`). */
  algorithm: EncryptionAlgorithm;
  /** The key id (JWE `kid`). */
  keyId: string;
}

/**
 * Decodes one member, strictly: the same answer as the jose layer's canonical check, without a
 * regular-expression pass over a large ciphertext. Node's decoder skips characters outside the
 * alphabet (or stops at `=`), so a canonical string is exactly one that decodes to
 * floor(3n/4) bytes, holds none of the standard-alphabet characters Node also reads (`+`, `/`),
 * and ends with zero unused bits.
 */
export function decodeMember(value: unknown, what: string): Buffer {
  if (typeof value !== 'string') throw new JWEInvalid(`${what} must be base64url`);
  const rem = value.length & 3;
  const out = rem === 1 ? undefined : Buffer.from(value, 'base64url');
  if (out === undefined || out.length !== Math.floor((value.length * 3) / 4) || value.includes('+') || value.includes('/') ||
    (rem !== 0 && !isCanonicalSegment(value.slice(-rem)))) {
    throw new JWEInvalid(`${what} must be base64url`);
  }
  return out;
}

/** The flattened JWE for the seed's fields: the protected header is rebuilt exactly as it was written. */
export function jweFromFields(fields: EncryptedTokenFields, aadB64: string | undefined): FlattenedJWE {
  if (!isEncryptionAlgorithm(fields.algorithm)) throw new JWEInvalid('unsupported encryption algorithm');
  if (typeof fields.keyId !== 'string' || fields.keyId.length === 0) throw new JWEInvalid('keyId must be a non-empty string');
  const jwe: FlattenedJWE = { protected: protectedHeaderOf(fields.algorithm, fields.keyId), iv: fields.nonce, ciphertext: fields.encryptedData, tag: fields.tag };
  if (aadB64 !== undefined) jwe.aad = aadB64;
  return jwe;
}

const OWN_MEMBERS = new Set(['protected', 'aad', 'iv', 'ciphertext', 'tag']);

/** True when the JWE has only the members this module writes (no unprotected headers, one recipient). */
export function hasOwnShape(jwe: Record<string, unknown>): boolean {
  for (const name in jwe) if (!OWN_MEMBERS.has(name) && !(name === 'encrypted_key' && jwe[name] === '')) return false;
  return true;
}

/** Parses a JWE given as text or object into an object, holding text to `maxTokenSize` first. */
export function jweObject(input: FlattenedJWE | GeneralJWE | string, maxTokenSize: number): Record<string, unknown> {
  let value: unknown = input;
  if (typeof input === 'string') {
    if (input.length > maxTokenSize) throw new TokenTooLarge();
    try {
      value = JSON.parse(input);
    } catch {
      throw new JWEInvalid('JWE JSON serialization is not valid JSON');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new JWEInvalid('JWE JSON serialization must be an object');
  return value as Record<string, unknown>;
}

/** The size of an own-shape JWE object as the text it stands for, without serializing it. */
export function ownShapeSize(jwe: Record<string, unknown>): number {
  let size = 2;
  for (const name in jwe) {
    const value = jwe[name];
    size += name.length + 4 + (typeof value === 'string' ? value.length + 2 : 0);
  }
  return size;
}
