/**
 * Password hashes for the service's users file: scrypt with a per-password salt, the cost
 * parameters stored in the hash so they can be raised later without breaking old hashes.
 * Format: `scrypt$<N>$<r>$<p>$<salt b64url>$<key b64url>`.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Cost of new hashes: N (a power of two), r, p. Default N 2^15, r 8, p 1 (about 32 MiB). */
export interface PasswordHashCost {
  N?: number;
  r?: number;
  p?: number;
}

const KEY_LENGTH = 32;

function scryptAsync(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, options, (err, key) => (err === null ? resolve(key) : reject(err)));
  });
}

function maxmemFor(N: number, r: number): number {
  return 128 * N * r * 2;
}

/**
 * Hashes a password for the users file.
 *
 * @example const hash = await hashPassword('correct horse battery staple');
 */
export async function hashPassword(password: string, cost: PasswordHashCost = {}): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) throw new TypeError('password must be a non-empty string');
  const N = cost.N ?? 2 ** 15;
  const r = cost.r ?? 8;
  const p = cost.p ?? 1;
  if (!Number.isInteger(Math.log2(N)) || N < 1024) throw new RangeError('N must be a power of two, at least 1024');
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, { N, r, p, maxmem: maxmemFor(N, r) });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const FORMAT = /^scrypt\$(\d{4,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]{16,64})\$([A-Za-z0-9_-]{43})$/;

/** True when `hash` is a hash {@link hashPassword} could have made. */
export function isPasswordHash(hash: unknown): hash is string {
  return typeof hash === 'string' && FORMAT.test(hash);
}

/**
 * Checks a password against a stored hash in constant time. A malformed hash is never a match.
 *
 * @example if (await verifyPassword(input, user.hash)) { ... }
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = FORMAT.exec(hash);
  if (m === null || typeof password !== 'string') return false;
  const N = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  if (!Number.isInteger(Math.log2(N)) || N > 2 ** 20 || r < 1 || p < 1) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  const key = await scryptAsync(password, Buffer.from(m[4]!, 'base64url'), { N, r, p, maxmem: maxmemFor(N, r) });
  return timingSafeEqual(key, expected);
}
