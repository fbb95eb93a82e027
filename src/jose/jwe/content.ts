/**
 * Content encryption (RFC 7518 §5): one table entry per `enc`. Every entry is synchronous and
 * reports a failed authentication by returning `undefined`, so the caller raises the single
 * indistinguishable decryption error.
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { hchacha20 } from './hchacha20.js';
import type { ContentEncryptionAlgorithm } from './types.js';

/** One content-encryption algorithm. */
export interface ContentEncryption {
  /** CEK length in bytes. */
  readonly cekLength: number;
  /** IV length in bytes. */
  readonly ivLength: number;
  /** Authentication tag length in bytes. */
  readonly tagLength: number;
  encrypt(cek: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): { ciphertext: Buffer; tag: Buffer };
  /** Returns the plaintext, or `undefined` when the tag (or any input length) is wrong. */
  decrypt(cek: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Buffer | undefined;
}

/** An AEAD node:crypto implements with a 96-bit nonce and a 128-bit tag (AES-GCM, ChaCha20-Poly1305). */
function aead(cipher: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' | 'chacha20-poly1305', cekLength: number): ContentEncryption {
  return {
    cekLength,
    ivLength: 12,
    tagLength: 16,
    encrypt(cek, iv, plaintext, aad) {
      const c = createCipheriv(cipher as 'aes-256-gcm', cek, iv, { authTagLength: 16 });
      c.setAAD(aad);
      const ciphertext = plaintext.length === 0 ? c.final() : Buffer.concat([c.update(plaintext), c.final()]);
      return { ciphertext, tag: c.getAuthTag() };
    },
    decrypt(cek, iv, ciphertext, tag, aad) {
      // Node accepts truncated GCM tags unless told otherwise; a short tag must never pass.
      if (cek.length !== cekLength || iv.length !== 12 || tag.length !== 16) return undefined;
      try {
        const d = createDecipheriv(cipher as 'aes-256-gcm', cek, iv, { authTagLength: 16 });
        d.setAAD(aad);
        d.setAuthTag(tag);
        const head = d.update(ciphertext);
        const tail = d.final();
        return tail.length === 0 ? head : Buffer.concat([head, tail]);
      } catch {
        return undefined;
      }
    },
  };
}

function gcm(bits: 128 | 192 | 256): ContentEncryption {
  return aead(`aes-${bits}-gcm`, bits / 8);
}

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha §2.3): HChaCha20 turns the key and the first 16
 * nonce bytes into a subkey; ChaCha20-Poly1305 then runs with four zero bytes and the last 8.
 */
function xchacha(): ContentEncryption {
  const inner = aead('chacha20-poly1305', 32);
  const split = (cek: Uint8Array, iv: Uint8Array): { subkey: Buffer; nonce: Buffer } => ({
    subkey: hchacha20(cek, iv.subarray(0, 16)),
    nonce: Buffer.concat([Buffer.alloc(4), iv.subarray(16, 24)]),
  });
  return {
    cekLength: 32,
    ivLength: 24,
    tagLength: 16,
    encrypt(cek, iv, plaintext, aad) {
      const { subkey, nonce } = split(cek, iv);
      try {
        return inner.encrypt(subkey, nonce, plaintext, aad);
      } finally {
        subkey.fill(0);
      }
    },
    decrypt(cek, iv, ciphertext, tag, aad) {
      if (cek.length !== 32 || iv.length !== 24) return undefined;
      const { subkey, nonce } = split(cek, iv);
      try {
        return inner.decrypt(subkey, nonce, ciphertext, tag, aad);
      } finally {
        subkey.fill(0);
      }
    },
  };
}

function cbcHmac(bits: 128 | 192 | 256): ContentEncryption {
  const half = bits / 8;
  const cipher = `aes-${bits}-cbc` as const;
  const hash = `sha${bits * 2}`;
  const computeTag = (macKey: Uint8Array, aad: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array): Buffer => {
    const al = Buffer.alloc(8);
    al.writeBigUInt64BE(BigInt(aad.length) * 8n);
    return createHmac(hash, macKey).update(aad).update(iv).update(ciphertext).update(al).digest().subarray(0, half);
  };
  return {
    cekLength: half * 2,
    ivLength: 16,
    tagLength: half,
    encrypt(cek, iv, plaintext, aad) {
      const c = createCipheriv(cipher, cek.subarray(half), iv);
      const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
      return { ciphertext, tag: computeTag(cek.subarray(0, half), aad, iv, ciphertext) };
    },
    decrypt(cek, iv, ciphertext, tag, aad) {
      if (cek.length !== half * 2 || iv.length !== 16) return undefined;
      const expected = computeTag(cek.subarray(0, half), aad, iv, ciphertext);
      // Tag length is public; the comparison of equal-length tags is constant time.
      if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) return undefined;
      try {
        const d = createDecipheriv(cipher, cek.subarray(half), iv);
        return Buffer.concat([d.update(ciphertext), d.final()]);
      } catch {
        return undefined;
      }
    },
  };
}

/** The content-encryption table. Adding an `enc` is one entry here. */
export const CONTENT_ENCRYPTION: Readonly<Record<ContentEncryptionAlgorithm, ContentEncryption>> = {
  A128GCM: gcm(128),
  A192GCM: gcm(192),
  A256GCM: gcm(256),
  'A128CBC-HS256': cbcHmac(128),
  'A192CBC-HS384': cbcHmac(192),
  'A256CBC-HS512': cbcHmac(256),
  // draft-amringer-jose-chacha: no IANA registration, so never in the default allowlist.
  C20P: aead('chacha20-poly1305', 32),
  XC20P: xchacha(),
};

/**
 * The registered `enc` values (RFC 7518 §5), the default decryption allowlist. `C20P` and
 * `XC20P` are in {@link CONTENT_ENCRYPTION} but a decrypter accepts them only when listed.
 */
export const CONTENT_ENCRYPTION_ALGORITHMS = Object.freeze(
  (Object.keys(CONTENT_ENCRYPTION) as ContentEncryptionAlgorithm[]).filter((enc) => enc !== 'C20P' && enc !== 'XC20P'),
) as readonly ContentEncryptionAlgorithm[];

/** True when `enc` names a supported content-encryption algorithm. */
export function isContentEncryptionAlgorithm(enc: unknown): enc is ContentEncryptionAlgorithm {
  return typeof enc === 'string' && Object.hasOwn(CONTENT_ENCRYPTION, enc);
}
