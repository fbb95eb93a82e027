/**
 * Saving and loading a keyset, sealed the way the KeyRing is (src/keys/ring-storage.ts): the
 * metadata (kids, algorithms, statuses, usage counters) stays readable, the key bytes are sealed
 * with AES-256-GCM under a caller-supplied 32-byte storage key, and the metadata is the sealed
 * box's authenticated data, so an edited file (a disabled key re-enabled, a counter rolled back)
 * fails to load.
 *
 * Usage counters are as of the save: save after encrypting, or set a lower `usageLimit` to keep
 * a margin for encryptions a crash could lose.
 */
import { Buffer } from 'node:buffer';
import { KeyStorageError } from '../jose/index.js';
import { openJSON, sealJSON, type SealedValue, type StorageKey } from '../keys/sealed-json.js';
import { contentEncryption, isEncryptionAlgorithm } from './algorithms.js';
import { Keyset, type EncryptionKeyInfo, type KeyStatus } from './keyset.js';

const FORMAT = 'cjwt-encryption-keyset';
const VERSION = 1;
const STATUSES: readonly KeyStatus[] = ['primary', 'enabled', 'disabled', 'destroyed'];

/** The saved document. */
export interface SavedKeyset {
  format: typeof FORMAT;
  version: typeof VERSION;
  keys: EncryptionKeyInfo[];
  secrets: SealedValue;
}

function aadOf(keys: EncryptionKeyInfo[]): string {
  return JSON.stringify([FORMAT, VERSION, keys]);
}

/** Serialises `keyset` as JSON text with the key bytes sealed under `storageKey`. */
export function saveKeyset(keyset: Keyset, storageKey: StorageKey): string {
  const entries = keyset.entries();
  const keys = entries.map((e) => keyset.info(e));
  const secrets: Record<string, string> = {};
  for (const entry of entries) if (entry.material !== undefined) secrets[entry.kid] = entry.material.toString('base64url');
  const doc: SavedKeyset = { format: FORMAT, version: VERSION, keys, secrets: sealJSON(secrets, storageKey, aadOf(keys)) };
  return JSON.stringify(doc, null, 2);
}

function checkInfo(value: unknown): EncryptionKeyInfo {
  const k = value as EncryptionKeyInfo;
  if (k === null || typeof k !== 'object' || typeof k.kid !== 'string' || !isEncryptionAlgorithm(k.algorithm) || !STATUSES.includes(k.status) ||
    !Number.isSafeInteger(k.createdAt) || !Number.isSafeInteger(k.encryptions) || k.encryptions < 0 || typeof k.exhausted !== 'boolean') {
    throw new KeyStorageError('saved keyset holds a malformed key entry');
  }
  return { kid: k.kid, algorithm: k.algorithm, status: k.status, createdAt: k.createdAt, encryptions: k.encryptions, exhausted: k.exhausted };
}

/**
 * Loads a keyset saved by {@link saveKeyset}: everything is authenticated before anything is used.
 *
 * @throws {KeyStorageError} (`ERR_KEY_STORAGE`) for a wrong storage key or an altered document.
 */
export function loadKeyset(input: string | SavedKeyset, storageKey: StorageKey, usageLimit?: number): Keyset {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      throw new KeyStorageError('saved keyset is not JSON');
    }
  }
  const d = doc as SavedKeyset;
  if (d === null || typeof d !== 'object' || d.format !== FORMAT || d.version !== VERSION || !Array.isArray(d.keys)) {
    throw new KeyStorageError(`not a ${FORMAT} version ${VERSION} document`);
  }
  const secrets = openJSON(d.secrets, storageKey, aadOf(d.keys)) as Record<string, unknown>;
  if (secrets === null || typeof secrets !== 'object') throw new KeyStorageError('sealed key material is malformed');
  const keyset = new Keyset(usageLimit);
  try {
    for (const raw of d.keys) {
      const info = checkInfo(raw);
      const secret = secrets[info.kid];
      if (info.status === 'destroyed') {
        keyset.restore(info, undefined);
        continue;
      }
      if (typeof secret !== 'string') throw new KeyStorageError(`saved key ${info.kid} has no key material`);
      const material = Buffer.from(secret, 'base64url');
      if (material.length !== contentEncryption(info.algorithm).cekLength) throw new KeyStorageError(`saved key ${info.kid} has the wrong length`);
      keyset.restore(info, material);
    }
  } catch (err) {
    keyset.clear();
    if (err instanceof KeyStorageError) throw err;
    throw new KeyStorageError('saved keyset holds an unusable key', { cause: err });
  }
  return keyset;
}
