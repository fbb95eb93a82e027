/**
 * Key files for the CLI: a JWK, a JWKS or PEM (detected by the jose layer), and the choice of
 * which key in the file signs, verifies, encrypts or decrypts. A key file that cannot be used is
 * a usage error (exit 2); a token that names no key in the file is an invalid token (exit 1).
 */
import type { KeyObject } from 'node:crypto';
import { JWKSNoMatchingKey } from '../jose/errors.js';
import { parseKeyFile, toPublicKey, type ParsedKey } from '../jose/jwk/keys.js';
import { describeError, readTextFile, stripTrailingNewline, UsageError } from './io.js';

/** One key of a key file. */
export type FileKey = ParsedKey;

/**
 * Reads and parses a key file.
 *
 * @throws {UsageError} when the file is unreadable or holds no usable key.
 */
export function loadKeyFile(path: string, what = 'key file'): FileKey[] {
  const text = readTextFile(path, what);
  try {
    return parseKeyFile(text);
  } catch (err) {
    throw new UsageError(`${what} ${path}: ${describeError(err)}`);
  }
}

/** Reads a PBES2 password file: its text without the trailing newline. */
export function loadPasswordFile(path: string): string {
  const text = stripTrailingNewline(readTextFile(path, 'password file'));
  if (text.length === 0) throw new UsageError(`password file ${path} is empty`);
  return text;
}

/**
 * Picks the one key of a file for an operation: the only key whose `use` fits, or among several
 * the one with the given `kid`.
 *
 * @throws {UsageError} when no key or several keys remain.
 */
export function pickKey(keys: FileKey[], options: { kid?: string; use: 'sig' | 'enc' | 'any'; path: string; accept?: (k: FileKey) => boolean }): FileKey {
  let candidates = keys.filter((k) => options.use === 'any' || k.use === undefined || k.use === options.use);
  if (options.accept !== undefined) candidates = candidates.filter(options.accept);
  // With several keys `kid` selects one; a file of one key is used as is (the `kid` then only labels it).
  if (options.kid !== undefined && candidates.length > 1) candidates = candidates.filter((k) => k.kid === options.kid);
  const only = candidates[0];
  if (only === undefined) {
    throw new UsageError(`key file ${options.path}: no usable key${options.kid === undefined ? '' : ` with kid "${options.kid}"`}`);
  }
  if (candidates.length > 1) throw new UsageError(`key file ${options.path}: ${candidates.length} keys fit; choose one with --kid`);
  return only;
}

/** The key to verify or encrypt with: the public half of a private key, anything else as is. */
export function publicPart(key: KeyObject): KeyObject {
  return key.type === 'private' ? toPublicKey(key) : key;
}

/**
 * The keys of a file that may match a token header: those whose `kid` equals the header's (keys
 * without a `kid` always may), whose `use` fits, and that `accept` lets through.
 */
export function matchingKeys(keys: FileKey[], header: { kid?: unknown }, use: 'sig' | 'enc', accept: (k: FileKey) => boolean): FileKey[] {
  return keys.filter((k) => (k.use === undefined || k.use === use) &&
    (k.kid === undefined || typeof header.kid !== 'string' || k.kid === header.kid) && accept(k));
}

/**
 * Runs `attempt` with each candidate key in turn until one succeeds. `candidatesFor` is called
 * from inside the jose layer's key resolver (once the header is parsed); a failure that
 * `isKeyMismatch` recognises moves on to the next candidate, anything else is final.
 *
 * @throws {JWKSNoMatchingKey} when the header matches no key.
 */
export function tryEachKey<H, R>(
  candidatesFor: (header: H) => KeyObject[],
  attempt: (resolve: (header: H) => KeyObject) => R,
  isKeyMismatch: (err: unknown) => boolean,
): R {
  let index = 0;
  for (;;) {
    let count = 0;
    const resolve = (header: H): KeyObject => {
      const candidates = candidatesFor(header);
      count = candidates.length;
      const key = candidates[index];
      if (key === undefined) throw new JWKSNoMatchingKey();
      return key;
    };
    try {
      return attempt(resolve);
    } catch (err) {
      if (index + 1 < count && isKeyMismatch(err)) {
        index += 1;
        continue;
      }
      throw err;
    }
  }
}
