/**
 * A remote JWKS for verifiers: fetched on first use, cached (Cache-Control max-age, else a default
 * age), refetched when a token names an unknown `kid` — at most once per cooldown, with concurrent
 * callers sharing one request — and served stale while the endpoint is briefly down.
 */
import type { KeyObject } from 'node:crypto';
import { fetchJWKS, type FetchJWKSOptions, type JWKS } from './jwks-fetch.js';
import { ImportedJWKS, type KeySelector } from './jwks-select.js';

/** Options of {@link createRemoteJWKSet}. */
export interface RemoteJWKSOptions extends FetchJWKSOptions {
  /** Minimum time between two fetches, successful or not (no refetch storm). Default 30 000 ms. */
  cooldownMs?: number;
  /** Cache age when the answer has no Cache-Control max-age. Default 600 000 ms (10 min). */
  cacheMaxAgeMs?: number;
  /** Upper bound on a server-given max-age. Default 86 400 000 ms (24 h). */
  maxCacheAgeMs?: number;
  /** How long past its age an old set is still served while fetching fails. Default 3 600 000 ms. */
  staleIfErrorMs?: number;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

interface CacheState {
  set: ImportedJWKS;
  expiresAt: number;
}

/** Counters, for monitoring and tests. */
export interface RemoteJWKSStats {
  /** Requests sent (successful or not). */
  fetches: number;
  /** Requests that failed. */
  failures: number;
  /** Lookups answered from an expired set because the refetch failed. */
  staleServed: number;
}

/**
 * A cached remote JWKS. Use {@link getKey} as the async key resolver, or pass it to
 * `verifyJWTWithRemoteJWKS`.
 */
export class RemoteJWKSet {
  readonly url: string;
  private readonly options: RemoteJWKSOptions;
  private readonly now: () => number;
  private readonly cooldownMs: number;
  private cache: CacheState | undefined;
  private inflight: Promise<CacheState> | undefined;
  private lastAttemptAt = -Infinity;
  private lastError: unknown;
  private readonly counters: RemoteJWKSStats = { fetches: 0, failures: 0, staleServed: 0 };

  constructor(url: string | URL, options: RemoteJWKSOptions = {}) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('JWKS URL must be http: or https:');
    this.url = parsed.href;
    this.options = options;
    this.now = options.now ?? Date.now;
    this.cooldownMs = options.cooldownMs ?? 30_000;
  }

  /** Fetch counters. */
  get stats(): Readonly<RemoteJWKSStats> {
    return { ...this.counters };
  }

  /** The cached document, if any (public keys only, as published). */
  get jwks(): JWKS | undefined {
    return this.cache?.set.jwks;
  }

  /** True when a cached set exists and has not reached its age. */
  get fresh(): boolean {
    return this.cache !== undefined && this.now() < this.cache.expiresAt;
  }

  /**
   * The verification key for a token header.
   *
   * @throws {JWKSNoMatchingKey} when no key matches even after a refetch (or within the cooldown).
   * @throws {JWKSMultipleMatchingKeys} when several keys match a header without `kid`.
   * @throws {JWKSTimeout | JWKSFetchFailed | JWKSInvalid} when there is no usable set at all.
   * @example const key = await remote.getKey({ alg: 'ES256', kid: 'k1' });
   */
  async getKey(header: KeySelector): Promise<KeyObject> {
    let state = await this.current();
    if (state.set.candidates(header).length === 0 && this.mayFetch()) {
      // An unknown kid usually means the issuer rotated: look again, once per cooldown.
      state = await this.refreshOrStale(state);
    }
    return state.set.select(header);
  }

  /** Fetches now unless a fetch is in flight (then shares it). Respects no cooldown. */
  async reload(): Promise<JWKS> {
    return (await this.fetchShared()).set.jwks;
  }

  private mayFetch(): boolean {
    return this.inflight !== undefined || this.now() - this.lastAttemptAt >= this.cooldownMs;
  }

  private async current(): Promise<CacheState> {
    const cache = this.cache;
    if (cache === undefined) {
      if (this.inflight === undefined && !this.mayFetch() && this.lastError !== undefined) throw this.lastError;
      return this.fetchShared();
    }
    if (this.now() < cache.expiresAt) return cache;
    if (!this.mayFetch()) {
      // Inside the cooldown after a failed fetch the stale window still applies.
      if (this.lastError !== undefined && this.now() >= this.staleLimit(cache)) throw this.lastError;
      return cache;
    }
    return this.refreshOrStale(cache);
  }

  private staleLimit(cache: CacheState): number {
    return cache.expiresAt + (this.options.staleIfErrorMs ?? 3_600_000);
  }

  private async refreshOrStale(cache: CacheState): Promise<CacheState> {
    try {
      return await this.fetchShared();
    } catch (err) {
      if (this.now() < this.staleLimit(cache)) {
        this.counters.staleServed += 1;
        return cache;
      }
      throw err;
    }
  }

  private fetchShared(): Promise<CacheState> {
    if (this.inflight !== undefined) return this.inflight;
    this.lastAttemptAt = this.now();
    this.counters.fetches += 1;
    const run = async (): Promise<CacheState> => {
      try {
        const { jwks, maxAgeMs } = await fetchJWKS(this.url, this.options);
        const set = new ImportedJWKS(jwks);
        const age = Math.min(maxAgeMs ?? this.options.cacheMaxAgeMs ?? 600_000, this.options.maxCacheAgeMs ?? 86_400_000);
        this.cache = { set, expiresAt: this.now() + age };
        this.lastError = undefined;
        return this.cache;
      } catch (err) {
        this.counters.failures += 1;
        this.lastError = err;
        throw err;
      } finally {
        this.inflight = undefined;
      }
    };
    this.inflight = run();
    return this.inflight;
  }
}

/**
 * Creates a cached remote JWKS.
 *
 * @example
 * const jwks = createRemoteJWKSet('https://issuer.example/.well-known/jwks.json', { timeoutMs: 2000 });
 * const key = await jwks.getKey(decodeJWT(token).header);
 */
export function createRemoteJWKSet(url: string | URL, options: RemoteJWKSOptions = {}): RemoteJWKSet {
  return new RemoteJWKSet(url, options);
}
