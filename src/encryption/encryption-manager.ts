/**
 * EncryptionManager (seed: `NewEncryptionManager`, `EncryptToken`, `DecryptToken`): JWE `dir`
 * encryption under a managed keyset. Encrypt uses the primary key of the algorithm; decrypt picks
 * the key by the `kid` of the protected header (authenticated), never by trying keys.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import {
  JWEDecryptionFailed, JWEInvalid, KeysetInvalid, KeyUsageLimitReached, ManagerClosed, TokenTooLarge, decryptJSON, encodeBase64url,
  type FlattenedJWE, type GeneralJWE,
} from '../jose/index.js';
import type { StorageKey } from '../keys/sealed-json.js';
import { AES256GCM, contentEncryption, ENCRYPTION_ALGORITHMS, isEncryptionAlgorithm, type EncryptionAlgorithm } from './algorithms.js';
import { aadMember, decodeAadMember, type EncryptionContext } from './context.js';
import { decodeMember, hasOwnShape, jweFromFields, jweObject, ownShapeSize, type EncryptedTokenFields } from './jwe-format.js';
import { Keyset, type AddEncryptionKeyOptions, type EncryptionKeyInfo, type KeyEntry } from './keyset.js';
import { loadKeyset, saveKeyset, type SavedKeyset } from './keyset-storage.js';

/** Configuration of an {@link EncryptionManager} (seed: `KeyManagerConfig`). */
export interface EncryptionManagerConfig {
  /** Algorithm used when a request names none. Default `A256GCM`. */
  defaultEncryptionAlgorithm?: EncryptionAlgorithm;
  /** Encryptions after which an AES-GCM or C20P key is retired. Default and maximum 2^32 - 1. */
  usageLimit?: number;
  /**
   * Generate and promote a fresh key when an algorithm has no primary (first use, or the primary
   * was retired at its usage limit). Default true; when false, encrypting then throws
   * `KeyUsageLimitReached`.
   */
  autoRotate?: boolean;
  /** Start from a keyset saved by {@link EncryptionManager.save}. */
  keyset?: { saved: string | SavedKeyset; storageKey: StorageKey };
  /** Largest JWE accepted, in characters, checked before decoding. Default 256 KiB. */
  maxTokenSize?: number;
  /** Called after a key was generated and promoted automatically (ids only). */
  onKeyRotated?: (event: { algorithm: EncryptionAlgorithm; kid: string; retiredKid: string | undefined }) => void;
}

/** Request of {@link EncryptionManager.encryptToken} (seed: `EncryptedTokenRequest`). */
export interface EncryptTokenRequest {
  tokenData: Uint8Array | string;
  algorithm?: EncryptionAlgorithm;
  /** Additional authenticated data, carried in the JWE `aad` member. */
  aad?: Uint8Array | string;
  /** Encryption context: bound as AAD; decryption must name the same one. */
  context?: EncryptionContext;
}

/** Result of {@link EncryptionManager.encryptToken}: the JWE and the seed's fields (views of its members). */
export interface EncryptTokenResponse extends EncryptedTokenFields {
  success: true;
  /** Flattened JWE JSON serialization: any JOSE library with the key decrypts it. */
  jwe: FlattenedJWE;
}

/** Request of {@link EncryptionManager.decryptToken}: a JWE (object or text), or the seed's fields. */
export type DecryptTokenRequest =
  | { jwe: FlattenedJWE | GeneralJWE | string; aad?: Uint8Array | string; context?: EncryptionContext }
  | (EncryptedTokenFields & { aad?: Uint8Array | string; context?: EncryptionContext });

/** Result of {@link EncryptionManager.decryptToken}. */
export interface DecryptTokenResponse {
  success: true;
  tokenData: Buffer;
  keyId: string;
  algorithm: EncryptionAlgorithm;
  /** The caller's additional authenticated data, authenticated with the content. */
  aad: Buffer | undefined;
  /** The encryption context the token was bound to (equal to the one given). */
  context: Record<string, string>;
}

const DEFAULT_MAX_TOKEN_SIZE = 256 * 1024;

function bytes(value: Uint8Array | string | undefined): Uint8Array | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/**
 * Encrypts and decrypts tokens as JWE (`dir`) under a Tink-style keyset.
 *
 * @example
 * const em = new EncryptionManager({ defaultEncryptionAlgorithm: AES256GCM });
 * const sealed = em.encryptToken({ tokenData: 'secret', context: { tenant: 't1' } });
 * const { tokenData } = em.decryptToken({ jwe: sealed.jwe, context: { tenant: 't1' } });
 */
export class EncryptionManager {
  private keyset: Keyset;
  private readonly byHeader = new Map<string, KeyEntry>();
  private readonly defaultAlgorithm: EncryptionAlgorithm;
  private readonly autoRotate: boolean;
  private readonly maxTokenSize: number;
  private readonly onKeyRotated: EncryptionManagerConfig['onKeyRotated'];
  private closed = false;

  /**
   * @throws {KeysetInvalid} for a bad algorithm or usage limit.
   * @throws {KeyStorageError} when `config.keyset` cannot be opened.
   */
  constructor(config: EncryptionManagerConfig = {}) {
    this.defaultAlgorithm = config.defaultEncryptionAlgorithm ?? AES256GCM;
    if (!isEncryptionAlgorithm(this.defaultAlgorithm)) throw new KeysetInvalid('unsupported default encryption algorithm');
    this.autoRotate = config.autoRotate ?? true;
    this.maxTokenSize = config.maxTokenSize ?? DEFAULT_MAX_TOKEN_SIZE;
    this.onKeyRotated = config.onKeyRotated;
    this.keyset = config.keyset === undefined ? new Keyset(config.usageLimit) : loadKeyset(config.keyset.saved, config.keyset.storageKey, config.usageLimit);
    this.reindex();
    if (config.keyset === undefined && this.autoRotate) this.addKey({ algorithm: this.defaultAlgorithm, primary: true });
  }

  private reindex(): void {
    this.byHeader.clear();
    for (const entry of this.keyset.entries()) this.byHeader.set(entry.protectedB64, entry);
  }

  private open(): Keyset {
    if (this.closed) throw new ManagerClosed();
    return this.keyset;
  }

  /** Adds a key (generated unless `key` is given); enabled, or primary with `primary: true`. */
  addKey(options: AddEncryptionKeyOptions = {}): EncryptionKeyInfo {
    const info = this.open().add(options.algorithm ?? this.defaultAlgorithm, options);
    this.reindex();
    return info;
  }

  /** Makes a key the primary of its algorithm (rotation is add, then promote). */
  promoteKey(kid: string): void { this.open().promote(kid); }

  /** Lets a disabled key decrypt again. */
  enableKey(kid: string): void { this.open().enable(kid); }

  /** Stops a key from decrypting; its material is kept. */
  disableKey(kid: string): void { this.open().disable(kid); }

  /** Erases a key's material for good. */
  destroyKey(kid: string): void { this.open().destroy(kid); }

  /** Every key's metadata (never material). */
  listKeys(): EncryptionKeyInfo[] {
    const keyset = this.open();
    return keyset.entries().map((e) => keyset.info(e));
  }

  /** The kid of the primary key of `algorithm` (default: the default algorithm). */
  primaryKeyId(algorithm: EncryptionAlgorithm = this.defaultAlgorithm): string | undefined {
    return this.open().primary(algorithm)?.kid;
  }

  /** The keyset as JSON text, key bytes sealed under `storageKey` (32 bytes). */
  save(storageKey: StorageKey): string {
    return saveKeyset(this.open(), storageKey);
  }

  private primaryFor(algorithm: EncryptionAlgorithm): KeyEntry {
    const keyset = this.open();
    if (keyset.primary(algorithm) === undefined) {
      if (!this.autoRotate) throw new KeyUsageLimitReached(`no primary ${algorithm} key; add and promote one`);
      const retired = keyset.entries().filter((e) => e.algorithm === algorithm && e.exhausted).at(-1)?.kid;
      const { kid } = this.addKey({ algorithm, primary: true });
      this.onKeyRotated?.({ algorithm, kid, retiredKid: retired });
    }
    return keyset.useForEncryption(algorithm);
  }

  /**
   * Encrypts `tokenData` with the primary key of the algorithm.
   *
   * @throws {KeyUsageLimitReached} when no primary key is usable and `autoRotate` is off.
   * @throws {EncryptionContextInvalid} for a context that is not string to string.
   */
  encryptToken(request: EncryptTokenRequest): EncryptTokenResponse {
    const algorithm = request.algorithm ?? this.defaultAlgorithm;
    if (!isEncryptionAlgorithm(algorithm)) throw new JWEInvalid('unsupported encryption algorithm');
    const plaintext = bytes(request.tokenData);
    if (!(plaintext instanceof Uint8Array)) throw new JWEInvalid('tokenData must be bytes or a string');
    const member = aadMember(request.context, bytes(request.aad));
    const entry = this.primaryFor(algorithm);
    const ce = contentEncryption(algorithm);
    const aadB64 = member === undefined ? undefined : encodeBase64url(member);
    const aad = aadB64 === undefined ? entry.protectedAad : Buffer.from(`${entry.protectedB64}.${aadB64}`, 'latin1');
    const iv = randomBytes(ce.ivLength);
    const { ciphertext, tag } = ce.encrypt(entry.material!, iv, plaintext, aad);
    const nonce = iv.toString('base64url');
    const encryptedData = ciphertext.toString('base64url');
    const tagB64 = tag.toString('base64url');
    const jwe: FlattenedJWE = aadB64 === undefined
      ? { protected: entry.protectedB64, iv: nonce, ciphertext: encryptedData, tag: tagB64 }
      : { protected: entry.protectedB64, aad: aadB64, iv: nonce, ciphertext: encryptedData, tag: tagB64 };
    return { success: true, jwe, encryptedData, nonce, tag: tagB64, algorithm, keyId: entry.kid };
  }

  /**
   * Decrypts a JWE, or the seed's fields. The key is the one the protected header's `kid` names;
   * the context (and `aad`, when given) must be those the token was encrypted with.
   *
   * @throws {EncryptionKeyUnavailable} for an unknown, disabled or destroyed key.
   * @throws {JWEDecryptionFailed} for every cryptographic failure (tampering, other context), alike.
   * @throws {JWEInvalid | TokenTooLarge} for malformed input.
   */
  decryptToken(request: DecryptTokenRequest): DecryptTokenResponse {
    const keyset = this.open();
    if (request === null || typeof request !== 'object') throw new JWEInvalid('decryptToken needs a JWE or the encrypted token fields');
    let jwe: Record<string, unknown>;
    let userAad: Uint8Array | undefined = bytes(request.aad);
    if ('jwe' in request) {
      jwe = jweObject(request.jwe, this.maxTokenSize);
      if (userAad === undefined && jwe.aad !== undefined) userAad = decodeAadMember(decodeMember(jwe.aad, 'aad')).aad;
    } else {
      jwe = jweFromFields(request, undefined) as unknown as Record<string, unknown>;
    }
    // The AAD is rebuilt from what the caller expects: another context fails at the tag. A JWE's
    // own `aad` member must be exactly that encoding, so no two texts of one token both decrypt.
    const member = aadMember(request.context, userAad);
    const aadB64 = member === undefined ? undefined : encodeBase64url(member);
    if ('jwe' in request && jwe.aad !== aadB64) throw new JWEDecryptionFailed();
    const entry = hasOwnShape(jwe) && typeof jwe.protected === 'string' ? this.byHeader.get(jwe.protected) : undefined;
    let plaintext: Buffer;
    let kid: string;
    let algorithm: EncryptionAlgorithm;
    if (entry !== undefined) {
      // The protected header is byte for byte one this manager wrote: its alg, enc and kid are known.
      if (ownShapeSize(jwe) > this.maxTokenSize) throw new TokenTooLarge();
      const key = keyset.forDecryption(entry.kid, entry.algorithm);
      const iv = decodeMember(jwe.iv, 'iv');
      const ciphertext = decodeMember(jwe.ciphertext, 'ciphertext');
      const tag = decodeMember(jwe.tag, 'tag');
      const aad = aadB64 === undefined ? entry.protectedAad : Buffer.from(`${entry.protectedB64}.${aadB64}`, 'latin1');
      const out = contentEncryption(entry.algorithm).decrypt(key.material, iv, ciphertext, tag, aad);
      if (out === undefined) throw new JWEDecryptionFailed();
      plaintext = out;
      kid = entry.kid;
      algorithm = entry.algorithm;
    } else {
      ({ plaintext, kid, algorithm } = this.decryptGeneral({ ...jwe, aad: aadB64 }, keyset));
    }
    return { success: true, tokenData: plaintext, keyId: kid, algorithm, aad: userAad === undefined ? undefined : Buffer.from(userAad), context: { ...request.context } };
  }

  /** Any other JWE shape goes through the jose layer's full JSON decryption. */
  private decryptGeneral(jwe: Record<string, unknown>, keyset: Keyset): { plaintext: Buffer; kid: string; algorithm: EncryptionAlgorithm } {
    if (jwe.aad === undefined) delete jwe.aad;
    let used: KeyEntry | undefined;
    const result = decryptJSON(jwe as unknown as FlattenedJWE, (header) => {
      used = keyset.forDecryption(header.kid, header.enc);
      return used.material!;
    }, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ENCRYPTION_ALGORITHMS, maxTokenSize: this.maxTokenSize });
    // The kid chose the key, so it must be authenticated: it belongs in the protected header.
    if (used === undefined || result.protectedHeader?.kid !== used.kid || result.protectedHeader.enc !== used.algorithm) {
      throw new JWEInvalid('"kid" and "enc" must be in the protected header');
    }
    return { plaintext: result.plaintext, kid: used.kid, algorithm: used.algorithm };
  }

  /** Erases every key from memory; the manager cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.keyset.clear();
    this.byHeader.clear();
  }
}
