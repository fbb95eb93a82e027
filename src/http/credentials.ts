/**
 * Reading a bearer token from an `Authorization` header or a (possibly chunked) cookie, without
 * any framework: the adapters pass header strings in.
 */
import { fromCookieChunks } from '../jwt/cookie-chunks.js';

/** Where the token was found, or why the request is malformed. */
export type ExtractedToken =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'malformed'; description: string };

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Parses a Cookie header into name/value pairs (first occurrence wins, as browsers send most specific first). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (header === undefined || header === '') return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === '' || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    out[name] = value;
  }
  return out;
}

/**
 * Finds the bearer token of a request. Two different credentials (header and cookie) or an
 * `Authorization` header that is not a well-formed Bearer credential are malformed requests
 * (RFC 6750 §3.1 `invalid_request`).
 */
export function extractToken(authorization: string | undefined, cookieHeader: string | undefined, cookieName: string | undefined): ExtractedToken {
  let fromHeader: string | undefined;
  if (authorization !== undefined && authorization !== '') {
    const m = BEARER.exec(authorization);
    if (m === null) return { kind: 'malformed', description: 'Authorization header is not a Bearer credential' };
    fromHeader = m[1]!;
  }
  let fromCookie: string | undefined;
  if (cookieName !== undefined && cookieHeader !== undefined) {
    try {
      fromCookie = fromCookieChunks(cookieName, parseCookies(cookieHeader));
    } catch {
      return { kind: 'malformed', description: 'token cookie chunks are missing or altered' };
    }
    if (fromCookie === '') fromCookie = undefined;
  }
  if (fromHeader !== undefined && fromCookie !== undefined && fromHeader !== fromCookie) {
    return { kind: 'malformed', description: 'more than one token in the request' };
  }
  const token = fromHeader ?? fromCookie;
  return token === undefined ? { kind: 'none' } : { kind: 'token', token };
}
