/**
 * A keyset in Tink's model: keys are data (kid, algorithm, status, usage) with a few verbs: add,
 * promote, enable, disable, destroy. Each algorithm has at most one primary key, the one that
 * encrypts; enabled keys only decrypt; disabled keys do nothing (their material is kept so they
 * can be enabled again); destroyed keys keep only their kid, so a token naming one gets a clear
 * answer instead of "unknown key".
 */
import { Buffer } from 'node:buffer';
import { randomBytes, type KeyObject } from 'node:crypto';
import { EncryptionKeyUnavailable, KeysetInvalid, KeyUsageLimitReached, encodeBase64url } from '../jose/index.js';
import { contentEncryption, DEFAULT_NONCE_USAGE_LIMIT, hasNonceUsageLimit, isEncryptionAlgorithm, type EncryptionAlgorithm } from './algorithms.js';

/** Status of a key (Tink's key states). */
export type KeyStatus = 'primary' | 'enabled' | 'disabled' | 'destroyed';

/** A key as the keyset describes it; never holds material. */
export interface EncryptionKeyInfo {
  kid: string;
  algorithm: EncryptionAlgorithm;
  status: KeyStatus;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Encryptions performed with this key (counted for every algorithm). */
  encryptions: number;
  /** True once the key reached its usage limit; it can decrypt but never encrypt again. */
  exhausted: boolean;
}

/** A key with its material, as the manager uses it. */
export interface KeyEntry extends EncryptionKeyInfo {
  /** Raw key bytes; `undefined` once destroyed. */
  material: Buffer | undefined;
  /** Precomputed base64url protected header of JWEs under this key. */
  readonly protectedB64: string;
  /** Precomputed protected header bytes (latin1), the AAD when there is no `aad` member. */
  readonly protectedAad: Buffer;
}

/** Options of {@link Keyset.add}. */
export interface AddEncryptionKeyOptions {
  /** Algorithm of the key. Default: the manager's default algorithm. */
  algorithm?: EncryptionAlgorithm;
  /** Key bytes (import); default: generated. Must be exactly the algorithm's key length. */
  key?: Uint8Array | KeyObject;
  /** The kid; default: 16 random base64url characters. */
  kid?: string;
  /** Make the new key the primary of its algorithm at once. Default false (add, then promote). */
  primary?: boolean;
}

/** Builds the fixed protected header of a `dir` JWE under one key. */
export function protectedHeaderOf(algorithm: EncryptionAlgorithm, kid: string): string {
  return encodeBase64url(JSON.stringify({ alg: 'dir', enc: algorithm, kid }));
}

function keyBytes(key: Uint8Array | KeyObject, algorithm: EncryptionAlgorithm): Buffer {
  let bytes: Buffer;
  if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else if (key !== null && typeof key === 'object' && key.type === 'secret') bytes = key.export();
  else throw new KeysetInvalid('an encryption key must be raw bytes or a secret KeyObject');
  const length = contentEncryption(algorithm).cekLength;
  if (bytes.length !== length) {
    bytes.fill(0);
    throw new KeysetInvalid(`a ${algorithm} key is ${length} bytes`);
  }
  return bytes;
}

/** The keys of one EncryptionManager and their states. Not exported by the package: the manager is. */
export class Keyset {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly primaries = new Map<EncryptionAlgorithm, KeyEntry>();
  private readonly usageLimit: number;

  constructor(usageLimit = DEFAULT_NONCE_USAGE_LIMIT) {
    if (!Number.isSafeInteger(usageLimit) || usageLimit < 1 || usageLimit > DEFAULT_NONCE_USAGE_LIMIT) {
      throw new KeysetInvalid(`usageLimit must be an integer from 1 to ${DEFAULT_NONCE_USAGE_LIMIT}`);
    }
    this.usageLimit = usageLimit;
  }

  /** Adds a key (generated or imported) as enabled, or as primary when asked. */
  add(algorithm: EncryptionAlgorithm, options: AddEncryptionKeyOptions = {}): EncryptionKeyInfo {
    if (!isEncryptionAlgorithm(algorithm)) throw new KeysetInvalid('unsupported encryption algorithm');
    const kid = options.kid ?? randomBytes(12).toString('base64url');
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) throw new KeysetInvalid('kid must be a non-empty string of at most 256 characters');
    if (this.keys.has(kid)) throw new KeysetInvalid(`a key with kid "${kid}" already exists`);
    const material = options.key === undefined ? randomBytes(contentEncryption(algorithm).cekLength) : keyBytes(options.key, algorithm);
    const entry = this.restore({ kid, algorithm, status: 'enabled', createdAt: Date.now(), encryptions: 0, exhausted: false }, material);
    if (options.primary === true) this.promote(kid);
    return this.info(entry);
  }

  /** Puts a key back as saved (persistence). */
  restore(info: EncryptionKeyInfo, material: Buffer | undefined): KeyEntry {
    const protectedB64 = protectedHeaderOf(info.algorithm, info.kid);
    const entry: KeyEntry = { ...info, material, protectedB64, protectedAad: Buffer.from(protectedB64, 'latin1') };
    this.keys.set(info.kid, entry);
    if (info.status === 'primary') {
      if (this.primaries.has(info.algorithm)) throw new KeysetInvalid(`two primary ${info.algorithm} keys`);
      this.primaries.set(info.algorithm, entry);
    }
    return entry;
  }

  private entry(kid: string): KeyEntry {
    const entry = typeof kid === 'string' ? this.keys.get(kid) : undefined;
    if (entry === undefined) throw new KeysetInvalid('no key with that kid');
    return entry;
  }

  /** Makes an enabled key the primary of its algorithm; the former primary becomes enabled. */
  promote(kid: string): void {
    const entry = this.entry(kid);
    if (entry.status === 'primary') return;
    if (entry.status !== 'enabled') throw new KeysetInvalid(`a ${entry.status} key cannot be promoted; enable it first`);
    if (entry.exhausted) throw new KeysetInvalid('the key reached its encryption limit and cannot be primary again');
    const former = this.primaries.get(entry.algorithm);
    if (former !== undefined) former.status = 'enabled';
    entry.status = 'primary';
    this.primaries.set(entry.algorithm, entry);
  }

  /** Enables a disabled key (decryption only). */
  enable(kid: string): void {
    const entry = this.entry(kid);
    if (entry.status === 'destroyed') throw new KeysetInvalid('a destroyed key cannot be enabled');
    if (entry.status === 'disabled') entry.status = 'enabled';
  }

  /** Disables a key: it neither encrypts nor decrypts, but its material is kept. Not the primary. */
  disable(kid: string): void {
    const entry = this.entry(kid);
    if (entry.status === 'primary') throw new KeysetInvalid('the primary key cannot be disabled; promote another key first');
    if (entry.status === 'destroyed') throw new KeysetInvalid('a destroyed key cannot be disabled');
    entry.status = 'disabled';
  }

  /** Erases a key's material for good; its kid stays so tokens under it are told apart. Not the primary. */
  destroy(kid: string): void {
    const entry = this.entry(kid);
    if (entry.status === 'primary') throw new KeysetInvalid('the primary key cannot be destroyed; promote another key first');
    entry.material?.fill(0);
    entry.material = undefined;
    entry.status = 'destroyed';
  }

  /** The primary of `algorithm`, if any. */
  primary(algorithm: EncryptionAlgorithm): KeyEntry | undefined {
    return this.primaries.get(algorithm);
  }

  /**
   * Counts one encryption with the primary of `algorithm` and returns it. A key that reaches the
   * limit is retired (enabled, exhausted) after this use.
   *
   * @throws {KeyUsageLimitReached} when there is no usable primary.
   */
  useForEncryption(algorithm: EncryptionAlgorithm): KeyEntry {
    const entry = this.primaries.get(algorithm);
    if (entry === undefined) throw new KeyUsageLimitReached(`no primary ${algorithm} key; add and promote one`);
    entry.encryptions++;
    if (hasNonceUsageLimit(algorithm) && entry.encryptions >= this.usageLimit) {
      entry.exhausted = true;
      entry.status = 'enabled';
      this.primaries.delete(algorithm);
    }
    return entry;
  }

  /**
   * The key for decrypting a token that names `kid` and `algorithm`.
   *
   * @throws {EncryptionKeyUnavailable} for an unknown, disabled or destroyed key, or another algorithm.
   */
  forDecryption(kid: unknown, algorithm: unknown): KeyEntry & { material: Buffer } {
    const entry = typeof kid === 'string' ? this.keys.get(kid) : undefined;
    if (entry === undefined) throw new EncryptionKeyUnavailable('unknown');
    if (entry.status === 'disabled') throw new EncryptionKeyUnavailable('disabled');
    if (entry.status === 'destroyed' || entry.material === undefined) throw new EncryptionKeyUnavailable('destroyed');
    if (entry.algorithm !== algorithm) throw new EncryptionKeyUnavailable('algorithm');
    return entry as KeyEntry & { material: Buffer };
  }

  /** Describes one key. */
  info(entry: EncryptionKeyInfo): EncryptionKeyInfo {
    return { kid: entry.kid, algorithm: entry.algorithm, status: entry.status, createdAt: entry.createdAt, encryptions: entry.encryptions, exhausted: entry.exhausted };
  }

  /** Every key, in insertion order. */
  entries(): KeyEntry[] {
    return [...this.keys.values()];
  }

  /** Erases every key's material. */
  clear(): void {
    for (const entry of this.keys.values()) entry.material?.fill(0);
    this.keys.clear();
    this.primaries.clear();
  }
}
