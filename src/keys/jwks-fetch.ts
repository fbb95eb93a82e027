/**
 * One HTTP fetch of a JWKS document: bounded in time (AbortSignal.timeout) and size, with the
 * answer's Cache-Control max-age.
 */
import { JWKSFetchFailed, JWKSInvalid, JWKSTimeout } from '../jose/errors.js';
import type { JWK } from '../jose/jwk/keys.js';

/** A JSON Web Key Set document. */
export interface JWKS {
  keys: JWK[];
}

/** Options of {@link fetchJWKS}. */
export interface FetchJWKSOptions {
  /** Whole request, body included. Default 5000 ms. */
  timeoutMs?: number;
  /** Extra request headers (e.g. a User-Agent). */
  headers?: Record<string, string>;
  /** Largest accepted body. Default 512 KiB. */
  maxBodyBytes?: number;
  /** `fetch` implementation; default the global one. */
  fetch?: typeof fetch;
}

/** The parsed document and how long the server says it may be cached. */
export interface FetchedJWKS {
  jwks: JWKS;
  /** From Cache-Control: `max-age` in ms, 0 for `no-store`/`no-cache`, undefined when absent. */
  maxAgeMs: number | undefined;
}

/** Reads `max-age` (ms) from a Cache-Control value; `no-store` and `no-cache` count as 0. */
export function parseCacheControlMaxAge(value: string | null): number | undefined {
  if (value === null) return undefined;
  let maxAge: number | undefined;
  for (const part of value.split(',')) {
    const [rawName, rawValue] = part.trim().split('=', 2);
    const name = (rawName ?? '').toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return 0;
    const seconds = rawValue?.replace(/"/g, '');
    if (name === 'max-age' && seconds !== undefined && /^\d{1,10}$/.test(seconds)) maxAge = Number(seconds) * 1000;
  }
  return maxAge;
}

/** True when `value` has the shape of a JWKS (`keys` an array of objects). */
export function isJWKS(value: unknown): value is JWKS {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = (value as { keys?: unknown }).keys;
  return Array.isArray(keys) && keys.every((k) => k !== null && typeof k === 'object' && !Array.isArray(k));
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

async function readBody(res: Response, maxBodyBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBodyBytes) throw new JWKSFetchFailed('JWKS response is too large');
  if (res.body === null) return '';
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of res.body) {
    size += part.byteLength;
    if (size > maxBodyBytes) throw new JWKSFetchFailed('JWKS response is too large');
    parts.push(part);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Fetches and parses a JWKS. Redirects are not followed: the URL the caller configured is the one
 * trusted to name the keys.
 *
 * @throws {JWKSTimeout} when the request or body takes longer than `timeoutMs`.
 * @throws {JWKSFetchFailed} for a network error, a non-200 answer, or a body that is not JSON.
 * @throws {JWKSInvalid} for JSON that is not a `{ keys: [...] }` document.
 * @example const { jwks } = await fetchJWKS('https://issuer.example/.well-known/jwks.json');
 */
export async function fetchJWKS(url: string | URL, options: FetchJWKSOptions = {}): Promise<FetchedJWKS> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const doFetch = options.fetch ?? fetch;
  let text: string;
  let maxAgeMs: number | undefined;
  try {
    const res = await doFetch(url, {
      method: 'GET',
      redirect: 'manual',
      headers: { accept: 'application/json, application/jwk-set+json', ...options.headers },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new JWKSFetchFailed(`JWKS endpoint answered HTTP ${res.status}`);
    }
    maxAgeMs = parseCacheControlMaxAge(res.headers.get('cache-control'));
    text = await readBody(res, options.maxBodyBytes ?? 512 * 1024);
  } catch (err) {
    if (err instanceof JWKSFetchFailed) throw err;
    if (isTimeout(err)) throw new JWKSTimeout(`JWKS request timed out after ${timeoutMs} ms`);
    throw new JWKSFetchFailed(`JWKS request failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JWKSFetchFailed('JWKS response is not JSON');
  }
  if (!isJWKS(parsed)) throw new JWKSInvalid('JWKS response is not a { "keys": [...] } document');
  return { jwks: parsed, maxAgeMs };
}
