/**
 * Algorithm defaults for nested tokens, decided by the keys, and the separation of signing and
 * encryption keys.
 */
import { Buffer } from 'node:buffer';
import { createPublicKey, KeyObject } from 'node:crypto';
import { algorithmsForKey, type JWSAlgorithm } from '../jose/algorithms.js';
import { JOSEAlgNotAllowed, KeyTooWeak } from '../jose/errors.js';
import type { ContentEncryptionAlgorithm, JWEKey, KeyManagementAlgorithm } from '../jose/jwe/types.js';

/** The signing algorithm a key implies when none is given (the first the key fits). */
export function defaultSigningAlgorithm(key: KeyObject): JWSAlgorithm {
  const alg = algorithmsForKey(key)[0];
  if (alg === undefined) throw new KeyTooWeak('the signing key fits no JWS algorithm');
  return alg;
}

/**
 * The encryption algorithms a key implies: ECDH-ES+A256KW for EC/X25519/X448 keys, RSA-OAEP-256
 * for RSA, `dir` for a raw secret (with the AES mode of its length), PBES2 for a password; the
 * content encryption is A256GCM unless the key fixes it.
 */
export function defaultEncryptionAlgorithms(key: JWEKey): { alg: KeyManagementAlgorithm; enc: ContentEncryptionAlgorithm } {
  if (typeof key === 'string') return { alg: 'PBES2-HS512+A256KW', enc: 'A256GCM' };
  const secretLength = key instanceof KeyObject ? (key.type === 'secret' ? key.symmetricKeySize : undefined) : key.length;
  if (secretLength !== undefined) {
    const enc = ({ 16: 'A128GCM', 24: 'A192GCM', 32: 'A256GCM', 48: 'A192CBC-HS384', 64: 'A256CBC-HS512' } as const)[secretLength as 16];
    if (enc === undefined) throw new JOSEAlgNotAllowed('a direct encryption key must be 16, 24, 32, 48 or 64 bytes');
    return { alg: 'dir', enc };
  }
  const type = (key as KeyObject).asymmetricKeyType;
  if (type === 'rsa') return { alg: 'RSA-OAEP-256', enc: 'A256GCM' };
  return { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' };
}

/**
 * The content encryption for `alg` when none is given: for `dir` the secret is the content key,
 * so its length decides the mode; otherwise A256GCM.
 */
export function defaultContentEncryption(alg: KeyManagementAlgorithm, key: JWEKey): ContentEncryptionAlgorithm {
  return alg === 'dir' ? defaultEncryptionAlgorithms(key).enc : 'A256GCM';
}

function material(key: JWEKey): string {
  if (typeof key === 'string') return `pw:${key}`;
  if (!(key instanceof KeyObject)) return `secret:${Buffer.from(key).toString('base64')}`;
  if (key.type === 'secret') return `secret:${key.export().toString('base64')}`;
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return `public:${publicKey.export({ format: 'der', type: 'spki' }).toString('base64')}`;
}

/** Refuses one key for both signing and encryption (`use: "sig"` and `use: "enc"` are separate). */
export function assertSeparateKeys(signingKey: KeyObject, encryptionKey: JWEKey): void {
  if (material(signingKey) === material(encryptionKey)) {
    throw new JOSEAlgNotAllowed('the signing key and the encryption key must be different keys');
  }
}
