/**
 * The service's data directory (default `./.cjwt/`): the master key file (mode 0600, unless
 * `CJWT_MASTER_KEY` gives the key), the signing keys sealed under it (`keys.json`), and the
 * users file (`users.json`, scrypt hashes only). Files are created with `wx` so two processes
 * starting on one directory agree on a single key set.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JWSAlgorithm } from '../jose/algorithms.js';
import { KeyStorageError } from '../jose/errors.js';
import { KeyRing, loadKeyRing, saveKeyRing } from '../keys/index.js';

/** Decodes a 32-byte master key given as 64 hex digits or 43 base64url characters. */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64url');
  if (bytes.length !== 32) throw new KeyStorageError('the master key must be 32 bytes (64 hex digits or 43 base64url characters)');
  return bytes;
}

function isExists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EEXIST';
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Creates the data directory (mode 0700) if needed. */
export async function ensureDataDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * The master key: the given text, else `<dir>/master.key` (created with mode 0600 on first start).
 */
export async function loadMasterKey(dir: string, given: string | undefined): Promise<Buffer> {
  if (given !== undefined && given !== '') return parseMasterKey(given);
  const file = join(dir, 'master.key');
  try {
    await writeFile(file, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if (!isExists(err)) throw err;
  }
  return parseMasterKey(await readFile(file, 'utf8'));
}

/** Writes a file atomically (temporary file, then rename) with mode 0600. */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
}

/** The signing key ring persisted in `<dir>/keys.json`, sealed under the master key. */
export class PersistedKeyRing {
  readonly file: string;
  private readonly masterKey: Buffer;
  private loadedMtime = 0;

  private constructor(file: string, masterKey: Buffer, public ring: KeyRing) {
    this.file = file;
    this.masterKey = masterKey;
  }

  /** Loads `keys.json`, or generates a key of `algorithm` and saves it on first start. */
  static async open(dir: string, masterKey: Buffer, algorithm: JWSAlgorithm): Promise<PersistedKeyRing> {
    const file = join(dir, 'keys.json');
    try {
      const fresh = KeyRing.generate(algorithm);
      await writeFile(file, saveKeyRing(fresh, masterKey), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if (!isExists(err)) throw err;
    }
    const persisted = new PersistedKeyRing(file, masterKey, new KeyRing());
    await persisted.reload();
    return persisted;
  }

  /** Reads the file again when it changed (another process rotated); true when it did. */
  async reload(): Promise<boolean> {
    const info = await stat(this.file);
    if (info.mtimeMs === this.loadedMtime) return false;
    this.ring = loadKeyRing(await readFile(this.file, 'utf8'), this.masterKey);
    this.loadedMtime = info.mtimeMs;
    return true;
  }

  /** Rotates the signing key (the previous one verifies for `gracePeriod`) and saves the ring. */
  async rotate(gracePeriod: number | string = '1d'): Promise<string> {
    const info = this.ring.rotate({ gracePeriod });
    this.ring.prune();
    await writePrivateFile(this.file, saveKeyRing(this.ring, this.masterKey));
    this.loadedMtime = (await stat(this.file)).mtimeMs;
    return info.kid;
  }
}

/** A user of the users file. */
export interface StoredUser {
  /** scrypt hash made by `hashPassword` / `cjwt hash-password`. */
  hash: string;
  /** Scopes granted at login, space-separated. */
  scope?: string;
}

/** A client of the users file (for `/issue`, `/introspect`). */
export interface StoredClient {
  hash: string;
  /** What the client may do: `issue`, `introspect`. */
  permissions: string[];
}

/** The users file. */
export interface UsersFile {
  users: Record<string, StoredUser>;
  clients: Record<string, StoredClient>;
}

/** Reads a users file; undefined when it does not exist. */
export async function readUsersFile(file: string): Promise<UsersFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<UsersFile>;
  return { users: parsed.users ?? {}, clients: parsed.clients ?? {} };
}

/** Creates a users file unless one exists; false when another process (or run) made it first. */
export async function createUsersFile(file: string, content: UsersFile): Promise<boolean> {
  try {
    await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if (isExists(err)) return false;
    throw err;
  }
}
