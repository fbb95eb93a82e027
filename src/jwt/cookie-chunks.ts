/**
 * Naming token chunks as cookies. A token that fits goes into one cookie `name`; a larger one
 * into `name.0`, `name.1`, ... with `name` holding `<count>.<chunkId>`, which a compact JWS or
 * JWE (three or five segments) can never look like.
 */
import { ChunkInvalid } from '../jose/errors.js';
import { chunkToken, reassembleToken } from './chunking.js';

/** One cookie: name and value (attributes such as Path or Secure are the caller's). */
export interface CookieChunk {
  name: string;
  value: string;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const META = /^([1-9][0-9]{0,3})\.([A-Za-z0-9_-]{22})$/;

function checkName(name: string): void {
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) throw new ChunkInvalid('cookie name must be a non-empty RFC 6265 token');
}

/**
 * Splits a token into cookies whose `name=value` stays within `maxCookieSize` bytes (browsers
 * allow 4096 for name and value together).
 *
 * @throws {ChunkInvalid} for a bad cookie name or a size too small to hold any chunk.
 * @example
 * for (const c of toCookieChunks('session', token)) res.append('Set-Cookie', `${c.name}=${c.value}; Path=/; Secure; HttpOnly`);
 */
export function toCookieChunks(name: string, token: string, options: { maxCookieSize?: number } = {}): CookieChunk[] {
  checkName(name);
  const maxCookieSize = options.maxCookieSize ?? 4096;
  if (typeof token !== 'string' || token.length === 0) throw new ChunkInvalid('token must be a non-empty string');
  if (name.length + 1 + token.length <= maxCookieSize) return [{ name, value: token }];
  // Leave room for the longest suffix `.<index>`; the index width depends on the chunk count.
  for (let digits = 1; digits <= 4; digits++) {
    const room = maxCookieSize - (name.length + 1 + digits + 1);
    if (room < 1) break;
    const count = Math.ceil(token.length / room);
    if (String(count - 1).length > digits) continue;
    const { chunkId, chunks } = chunkToken({ token, maxChunkSize: room });
    const out: CookieChunk[] = [{ name, value: `${chunks.length}.${chunkId}` }];
    chunks.forEach((value, i) => out.push({ name: `${name}.${i}`, value }));
    return out;
  }
  throw new ChunkInvalid('maxCookieSize is too small for this cookie name and token');
}

/**
 * Reads a token back from cookies written by {@link toCookieChunks}.
 *
 * @param cookies parsed request cookies, name to value.
 * @returns the token, or `undefined` when cookie `name` is absent.
 * @throws {ChunkInvalid} when a chunk cookie is missing, reordered, altered or stale.
 */
export function fromCookieChunks(name: string, cookies: Readonly<Record<string, string | undefined>>): string | undefined {
  checkName(name);
  const head = cookies[name];
  if (head === undefined) return undefined;
  const meta = META.exec(head);
  if (meta === null) return head;
  const count = Number(meta[1]);
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) {
    const chunk = cookies[`${name}.${i}`];
    if (chunk === undefined) throw new ChunkInvalid(`cookie ${name}.${i} is missing`);
    chunks.push(chunk);
  }
  return reassembleToken({ chunks, chunkId: meta[2]! });
}

/**
 * Names of chunk cookies in `cookies` that the current token does not use (left over from a
 * larger earlier token), so the caller can expire them.
 */
export function staleCookieChunks(name: string, current: readonly CookieChunk[], cookies: Readonly<Record<string, string | undefined>>): string[] {
  const used = new Set(current.map((c) => c.name));
  const prefix = `${name}.`;
  return Object.keys(cookies).filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)) && !used.has(n));
}
