/**
 * The encryption layer of JWTManager: the signed token is encrypted into a nested JWE
 * (RFC 7519 §5.2, `cty: "JWT"`) with the JWE layer's prepared encrypter and decrypter, built once.
 */
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import { JOSEAlgNotAllowed, JWKInvalid, JWKSNoMatchingKey } from '../jose/errors.js';
import { createJWEDecrypter, createJWEEncrypter, keyManagementAlgorithmsForKey, type JWEHeader } from '../jose/jwe/jwe.js';
import { calculateJwkThumbprint, importJWK, importPEM, type JWK } from '../jose/jwk/keys.js';
import { assertSeparateKeys, defaultContentEncryption, defaultEncryptionAlgorithms } from '../nested/defaults.js';
import { assertNestedJWTHeader } from '../nested/nested.js';
import type { EncryptionKeyInput, TokenEncryptionConfig } from './types.js';

/** A decrypted token: the inner JWS and the outer header. */
export interface DecryptedToken {
  jws: string;
  jweHeader: JWEHeader;
}

/** The compiled encryption of one manager. */
export interface TokenEncryption {
  /** Encrypts a signed token. */
  encrypt(jws: string): string;
  /** Decrypts a nested token to its JWS; throws a typed error (never returns a partial result). */
  decrypt(jwe: string): DecryptedToken;
  /** True when the manager holds a key to decrypt with. */
  readonly canDecrypt: boolean;
}

interface ImportedKey {
  key: KeyObject;
  kid: string | undefined;
}

function importEncryptionKey(input: EncryptionKeyInput, what: string): ImportedKey {
  if (input instanceof KeyObject) return { key: input, kid: undefined };
  if (typeof input === 'string') {
    // A bare string would be a PBES2 password: one key derivation per token is not a manager's cost.
    if (!input.trimStart().startsWith('-----BEGIN')) throw new JWKInvalid(`${what} must be a KeyObject, a PEM string, a JWK or secret bytes`);
    return { key: importPEM(input), kid: undefined };
  }
  if (input instanceof Uint8Array) return { key: createSecretKey(input), kid: undefined };
  if (input === null || typeof input !== 'object') throw new JWKInvalid(`${what} must be a KeyObject, a PEM string, a JWK or secret bytes`);
  const jwk = input as JWK;
  return { key: importJWK(jwk), kid: typeof jwk.kid === 'string' && jwk.kid.length > 0 ? jwk.kid : undefined };
}

function noDecryptionKey(): never {
  throw new JWKSNoMatchingKey('no decryption key is configured for encrypted tokens');
}

/**
 * Compiles `config` once. `signingKey` (when the manager was given one key) must differ from the
 * encryption key: a key has one use.
 *
 * @throws {JOSEAlgNotAllowed} when a key does not fit the algorithm, the decryption key is public,
 *   or the signing key is reused for encryption.
 * @throws {JWKInvalid} for a key input that cannot be imported.
 */
export function compileTokenEncryption(config: TokenEncryptionConfig, maxTokenSize: number, signingKey: KeyObject | undefined): TokenEncryption {
  if (config === null || typeof config !== 'object') throw new JWKInvalid('encryption must be an object with a key');
  const imported = importEncryptionKey(config.key, 'encryption.key');
  const decryption = config.decryptionKey === undefined
    ? (imported.key.type === 'public' ? undefined : imported.key)
    : importEncryptionKey(config.decryptionKey, 'encryption.decryptionKey').key;
  if (decryption?.type === 'public') throw new JOSEAlgNotAllowed('encryption.decryptionKey must be a private key or a secret');
  const encryptTo = imported.key.type === 'private' ? createPublicKey(imported.key) : imported.key;
  if (signingKey !== undefined) assertSeparateKeys(signingKey, encryptTo);

  const alg = config.alg ?? defaultEncryptionAlgorithms(encryptTo).alg;
  const enc = config.enc ?? defaultContentEncryption(alg, encryptTo);
  if (!keyManagementAlgorithmsForKey(encryptTo).includes(alg)) throw new JOSEAlgNotAllowed(`encryption.key does not fit ${alg}`);
  if (decryption !== undefined && !keyManagementAlgorithmsForKey(decryption).includes(alg)) {
    throw new JOSEAlgNotAllowed(`encryption.decryptionKey does not fit ${alg}`);
  }
  // A secret gets no default kid: a digest of a secret is never published.
  const kid = config.kid ?? imported.kid ?? (encryptTo.type === 'public' ? calculateJwkThumbprint(encryptTo) : undefined);

  const encrypt = createJWEEncrypter(encryptTo, { alg, enc, ...(kid === undefined ? {} : { kid }), header: { cty: 'JWT' } });
  if (decryption === undefined) return { encrypt, decrypt: noDecryptionKey, canDecrypt: false };
  // Only what this manager issues is accepted: one alg, one enc.
  const decryptJWE = createJWEDecrypter(decryption, { keyManagementAlgorithms: [alg], contentEncryptionAlgorithms: [enc], maxTokenSize });
  return {
    encrypt,
    canDecrypt: true,
    decrypt(jwe) {
      const { plaintext, protectedHeader } = decryptJWE(jwe);
      assertNestedJWTHeader(protectedHeader);
      return { jws: plaintext.toString('latin1'), jweHeader: protectedHeader };
    },
  };
}
