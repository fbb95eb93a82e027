/**
 * Hot-path helpers for token segments: strict base64url decoding without the round trip that
 * base64url.ts does, and the bounded cache of parsed protected headers.
 */
import { Buffer } from 'node:buffer';
import { JWSInvalid, type JoseError } from '../errors.js';
import type { JWSHeader } from './jws-header.js';

const ALPHABET = /^[A-Za-z0-9_-]*$/;
const SEXTET = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => { SEXTET[c.charCodeAt(0)] = i; });

/**
 * True when `segment` is canonical unpadded base64url: alphabet, length, and zero trailing bits
 * (so one byte string has exactly one encoding). Same answer as `isBase64url`, without re-encoding.
 */
export function isCanonicalSegment(segment: string): boolean {
  const rem = segment.length & 3;
  if (rem === 1 || !ALPHABET.test(segment)) return false;
  if (rem === 0) return true;
  const last = SEXTET[segment.charCodeAt(segment.length - 1)] ?? -1;
  return (last & (rem === 2 ? 0x0f : 0x03)) === 0;
}

/** The error a malformed segment reports: JWS, JWE and JWT callers each name their own. */
export type MalformedError = new (message: string) => JoseError;

/**
 * Strictly decodes one token segment.
 *
 * @throws {JWSInvalid} (or `Invalid`) when it is not canonical base64url.
 */
export function decodeSegment(segment: string, what: string, Invalid: MalformedError = JWSInvalid): Buffer {
  if (!isCanonicalSegment(segment)) throw new Invalid(`${what} is not valid base64url`);
  return Buffer.from(segment, 'base64url');
}

/**
 * Parses a JSON object from bytes.
 *
 * @throws {JWSInvalid} (or `Invalid`) when it is not JSON or not an object.
 */
export function parseJSONObject(bytes: Buffer | string, what: string, Invalid: MalformedError = JWSInvalid): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    throw new Invalid(`${what} is not valid JSON`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Invalid(`${what} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/**
 * The length of a JSON serialization handed over as an object, measured as the text it stands
 * for: an object never went through the size check a string gets before decoding.
 */
export function serializedSize(doc: Record<string, unknown>, what: string, Invalid: MalformedError = JWSInvalid): number {
  try {
    return JSON.stringify(doc).length;
  } catch {
    throw new Invalid(`${what} is not serializable JSON`);
  }
}

// Tokens from one issuer share a handful of header segments, so caching the parse result keyed by
// the segment string removes a base64url decode and a JSON.parse from every verification. The
// cache holds only validated, frozen headers, and is bounded so hostile input cannot grow it.
const HEADER_CACHE_MAX = 256;
const headerCache = new Map<string, JWSHeader>();

/** Returns the cached parse of a protected header segment, if any. */
export function cachedHeader(segment: string): JWSHeader | undefined {
  return headerCache.get(segment);
}

/** Remembers a validated, frozen header, evicting the oldest entry when full. */
export function rememberHeader(segment: string, header: JWSHeader): void {
  if (headerCache.size >= HEADER_CACHE_MAX) {
    const oldest = headerCache.keys().next();
    if (oldest.done !== true) headerCache.delete(oldest.value);
  }
  headerCache.set(segment, header);
}

/**
 * Quotes a header value for an error message: at most 40 characters, anything outside printable
 * ASCII escaped. Header values come from the token, and messages reach terminals and logs.
 *
 * @example quoteHeaderValue('RS256') // '"RS256"'
 */
export function quoteHeaderValue(value: string): string {
  const short = value.length > 40 ? `${value.slice(0, 40)}...` : value;
  return `"${short.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}
