/**
 * Saving and loading a KeyRing as JSON. The metadata (kids, algorithms, dates, public JWKs) stays
 * readable; the private keys and secrets are sealed with AES-256-GCM under a caller-supplied
 * 32-byte storage key, and the metadata is the sealed box's authenticated data, so editing
 * anything in the file (adding a public key, extending a grace period) makes it fail to load.
 */
import { isJWSAlgorithm } from '../jose/algorithms.js';
import { KeyStorageError } from '../jose/errors.js';
import { exportJWK, importJWK, type JWK } from '../jose/jwk/keys.js';
import { KeyRing, type KeyRingOptions } from './key-ring.js';
import { makeEntry, type RingEntry } from './ring-entry.js';
import { openJSON, sealJSON, type SealedValue, type StorageKey } from './sealed-json.js';

const FORMAT = 'cjwt-keyring';
const VERSION = 1;

/** One key's metadata as saved. */
interface SavedKey {
  kid: string;
  alg: string;
  use: 'sig' | 'enc';
  createdAt: number;
  retiringAt?: number;
  retireAt?: number;
  retired?: boolean;
  /** Public JWK (asymmetric keys): readable, for operators. */
  publicJwk?: JWK;
  /** True when the private key or secret is in the sealed box. */
  sealed: boolean;
}

/** The saved document. */
export interface SavedKeyRing {
  format: typeof FORMAT;
  version: typeof VERSION;
  active: string | null;
  keys: SavedKey[];
  secrets: SealedValue;
}

function aadOf(doc: Omit<SavedKeyRing, 'secrets'>): string {
  return JSON.stringify([doc.format, doc.version, doc.active, doc.keys]);
}

function describe(entry: RingEntry): SavedKey {
  const saved: SavedKey = { kid: entry.kid, alg: entry.alg, use: entry.use, createdAt: entry.createdAt, sealed: entry.signingKey !== undefined };
  if (entry.retiringAt !== undefined) saved.retiringAt = entry.retiringAt;
  if (entry.retireAt !== undefined) saved.retireAt = entry.retireAt;
  if (entry.retired) saved.retired = true;
  if (entry.publicJwk !== undefined) saved.publicJwk = entry.publicJwk;
  return saved;
}

/**
 * Serialises a ring: JSON text with private material encrypted under `storageKey` (32 bytes).
 *
 * @throws {KeyStorageError} when the storage key is not 32 bytes.
 * @example
 * const storageKey = randomBytes(32); // keep it in a secret manager, not next to the file
 * await writeFile('keys.json', saveKeyRing(ring, storageKey));
 */
export function saveKeyRing(ring: KeyRing, storageKey: StorageKey): string {
  const { entries, activeKid } = ring.snapshotEntries();
  const keys = entries.map(describe);
  const privateJwks: Record<string, JWK> = {};
  for (const entry of entries) if (entry.signingKey !== undefined) privateJwks[entry.kid] = exportJWK(entry.signingKey);
  const head = { format: FORMAT, version: VERSION, active: activeKid ?? null, keys } as const;
  const doc: SavedKeyRing = { ...head, secrets: sealJSON(privateJwks, storageKey, aadOf(head)) };
  return JSON.stringify(doc, null, 2);
}

function parseDoc(input: string | SavedKeyRing): SavedKeyRing {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input);
    } catch {
      throw new KeyStorageError('saved key ring is not JSON');
    }
  }
  const d = doc as SavedKeyRing;
  if (d === null || typeof d !== 'object' || d.format !== FORMAT || d.version !== VERSION || !Array.isArray(d.keys)) {
    throw new KeyStorageError(`not a ${FORMAT} version ${VERSION} document`);
  }
  return d;
}

/**
 * Loads a ring saved by {@link saveKeyRing}; the keys keep their kids, states and dates.
 *
 * @throws {KeyStorageError} (`ERR_KEY_STORAGE`) for a wrong storage key or an altered document.
 * @example const ring = loadKeyRing(await readFile('keys.json', 'utf8'), storageKey);
 */
export function loadKeyRing(input: string | SavedKeyRing, storageKey: StorageKey, options: KeyRingOptions = {}): KeyRing {
  const doc = parseDoc(input);
  // Authenticate everything before using anything.
  const secrets = openJSON(doc.secrets, storageKey, aadOf({ format: doc.format, version: doc.version, active: doc.active, keys: doc.keys })) as Record<string, JWK>;
  if (secrets === null || typeof secrets !== 'object') throw new KeyStorageError('sealed key material is malformed');
  const ring = new KeyRing(options);
  try {
    for (const saved of doc.keys) {
      if (!isJWSAlgorithm(saved.alg)) throw new KeyStorageError(`unsupported algorithm in saved key ${saved.kid}`);
      const jwk = saved.sealed ? secrets[saved.kid] : saved.publicJwk;
      if (jwk === undefined) throw new KeyStorageError(`saved key ${saved.kid} has no key material`);
      const entry = makeEntry({
        key: importJWK(jwk), kid: saved.kid, alg: saved.alg, use: saved.use, createdAt: saved.createdAt,
        retiringAt: saved.retiringAt, retireAt: saved.retireAt, retired: saved.retired === true,
      });
      ring.restoreEntry(entry, doc.active === saved.kid);
    }
  } catch (err) {
    if (err instanceof KeyStorageError) throw err;
    throw new KeyStorageError('saved key ring holds an unusable key', { cause: err });
  }
  return ring;
}
