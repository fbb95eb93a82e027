/**
 * The service's access-token encryption key (`encryptAccessTokens`): a P-256 key for
 * ECDH-ES+A256KW with A256GCM content (seed 002's outer JWE), generated on first need and kept in
 * `<dataDir>/encryption-key.json` (mode 0600) like the signing keys: the private half sealed with
 * AES-256-GCM under the master key, the metadata (kid, algorithms, public JWK) readable and bound
 * to the sealed box as its authenticated data, so an edited file fails to load. Created
 * atomically, so processes starting on one directory agree on one key.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyStorageError } from '../jose/errors.js';
import { calculateJwkThumbprint, exportJWK, type JWK } from '../jose/jwk/jwk.js';
import type { ContentEncryptionAlgorithm, KeyManagementAlgorithm } from '../jose/jwe/types.js';
import { openJSON, sealJSON, type SealedValue } from '../keys/sealed-json.js';

const FORMAT = 'cjwt-encryption-key';
const VERSION = 1;
/** The file's name in the data directory. */
export const ENCRYPTION_KEY_FILE = 'encryption-key.json';

/** The key as the JWTManager's `encryption` option takes it. */
export interface AccessTokenEncryption {
  /** Private JWK (with `kid`): tokens are encrypted to its public half and decrypted with it. */
  key: JWK;
  alg: KeyManagementAlgorithm;
  enc: ContentEncryptionAlgorithm;
  kid: string;
}

interface SavedEncryptionKey {
  format: typeof FORMAT;
  version: typeof VERSION;
  kid: string;
  alg: KeyManagementAlgorithm;
  enc: ContentEncryptionAlgorithm;
  publicJwk: JWK;
  sealed: SealedValue;
}

function aadOf(doc: Omit<SavedEncryptionKey, 'sealed'>): string {
  return JSON.stringify([doc.format, doc.version, doc.kid, doc.alg, doc.enc, doc.publicJwk]);
}

function isExists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EEXIST';
}

/** A fresh key document, sealed under `masterKey`. */
function freshDocument(masterKey: Uint8Array): SavedEncryptionKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = exportJWK(publicKey);
  const kid = calculateJwkThumbprint(publicJwk);
  const meta = { format: FORMAT, version: VERSION, kid, alg: 'ECDH-ES+A256KW', enc: 'A256GCM', publicJwk: { ...publicJwk, kid, use: 'enc' } } as const;
  return { ...meta, sealed: sealJSON(exportJWK(privateKey), masterKey, aadOf(meta)) };
}

/** Opens a saved key; any change to the file or a wrong master key is a KeyStorageError. */
function openDocument(text: string, masterKey: Uint8Array): AccessTokenEncryption {
  let doc: SavedEncryptionKey;
  try {
    doc = JSON.parse(text) as SavedEncryptionKey;
  } catch {
    throw new KeyStorageError(`${ENCRYPTION_KEY_FILE} is not JSON`);
  }
  if (doc === null || typeof doc !== 'object' || doc.format !== FORMAT || doc.version !== VERSION || typeof doc.kid !== 'string' ||
    doc.alg !== 'ECDH-ES+A256KW' || doc.enc !== 'A256GCM' || doc.publicJwk === null || typeof doc.publicJwk !== 'object') {
    throw new KeyStorageError(`${ENCRYPTION_KEY_FILE} is not a cjwt encryption key`);
  }
  const { sealed, ...meta } = doc;
  const privateJwk = openJSON(sealed, masterKey, aadOf(meta)) as JWK;
  // The sealed private key must be the published public key's other half.
  if (privateJwk.x !== doc.publicJwk.x || privateJwk.y !== doc.publicJwk.y || typeof privateJwk.d !== 'string') {
    throw new KeyStorageError(`${ENCRYPTION_KEY_FILE} holds a key that does not match its public half`);
  }
  return { key: { ...privateJwk, kid: doc.kid }, alg: doc.alg, enc: doc.enc, kid: doc.kid };
}

/**
 * The access-token encryption key of the data directory `dir`, generated and saved on first call.
 * @throws {KeyStorageError} for a wrong master key or an altered file.
 */
export async function loadEncryptionKey(dir: string, masterKey: Uint8Array): Promise<AccessTokenEncryption> {
  const file = join(dir, ENCRYPTION_KEY_FILE);
  try {
    await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    // Written whole under a temporary name, then linked into place: link() fails if the file
    // exists, so of processes starting together one key wins and nobody reads a half-written file.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, `${JSON.stringify(freshDocument(masterKey), null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    try {
      await link(tmp, file);
    } catch (linkErr) {
      if (!isExists(linkErr)) throw linkErr;
    } finally {
      await unlink(tmp);
    }
  }
  return openDocument(await readFile(file, 'utf8'), masterKey);
}
