/**
 * The text form of refresh tokens: how one is drawn, how a malformed one is refused before any
 * store round trip, and the SHA-256 under which it is stored.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Draws, checks and hashes refresh tokens. */
export interface RefreshTokenFormat {
  /** A fresh token and its storage hash. */
  generate(): { token: string; hash: string };
  /** False when the token cannot be one of ours (refused without touching the store). */
  check(token: string): boolean;
  /** The SHA-256 (base64url) the store knows the token by. */
  hash(token: string): string;
}

/** A provisional format: `<prefix>_<43 base64url chars>` (256 random bits), stored as SHA-256. */
export function createRefreshTokenFormat(prefix: string): RefreshTokenFormat {
  const shape = new RegExp(`^${prefix.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`)}_[A-Za-z0-9_-]{43}$`);
  const hash = (token: string): string => createHash('sha256').update(token).digest('base64url');
  return {
    generate() {
      const token = `${prefix}_${randomBytes(32).toString('base64url')}`;
      return { token, hash: hash(token) };
    },
    check: (token) => typeof token === 'string' && shape.test(token),
    hash,
  };
}
