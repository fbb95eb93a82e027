/**
 * Claims cache: verified claims kept in memory, keyed by the SHA-256 of the token, so a token
 * presented again skips the cryptography (a nested JWE's key agreement, decryption and signature
 * check, or an RSA verification). It pays where crypto is expensive; for HS256 the hash costs
 * about as much as the check it saves.
 *
 * What it never does:
 * - serve an entry at or past the token's `exp` (checked on every hit against the cache's clock);
 * - grow without bound (a maintained LRU: `lru-cache`, default 10,000 entries);
 * - decide revocation. A cache hit replaces only the cryptography: JWTManager still asks its store
 *   `isRevoked(jti)` on every verification, hit or miss, so a token revoked by any process that
 *   shares the store is refused at once, whatever this process cached.
 * - hold the token itself: the key is its SHA-256, so a heap dump yields no usable token.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { deepFreeze } from './deep-freeze.js';

/** Claims as the cache stores them: any JSON object with an optional `exp` in epoch seconds. */
export interface CachedClaims {
  exp?: number;
  [claim: string]: unknown;
}

/** Options of {@link ClaimsCache}. */
export interface ClaimsCacheOptions {
  /** Most entries kept; the least recently used go first. Default 10,000. */
  max?: number;
  /**
   * Longest an entry lives even when the token's `exp` is later, in ms. Default 5 minutes; it
   * bounds how long a key rotation or a changed policy takes to reach cached tokens.
   */
  maxAgeMs?: number;
  /** Clock in epoch ms (tests). Default `Date.now`. */
  now?: () => number;
}

/** Hit and miss counters of a {@link ClaimsCache}. */
export interface ClaimsCacheStats {
  hits: number;
  misses: number;
  size: number;
}

interface Entry {
  claims: CachedClaims;
  /** Epoch ms after which the entry is dead: min(exp, stored + maxAgeMs). */
  until: number;
}

/** The cache key of a token: its SHA-256, base64url. */
export function claimsCacheKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * A bounded in-memory cache of verified claims.
 *
 * @example
 * const cache = new ClaimsCache({ max: 50_000 });
 * const manager = new JWTManager({ key, encryption: { key: encKey }, claimsCache: cache });
 * await manager.verifyToken(token); // decrypts and verifies, then caches
 * await manager.verifyToken(token); // served from the cache (revocation still checked with a store)
 */
export class ClaimsCache {
  private readonly lru: LRUCache<string, Entry>;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;

  constructor(options: ClaimsCacheOptions = {}) {
    const max = options.max ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('claims cache max must be a positive integer');
    const maxAgeMs = options.maxAgeMs ?? 300_000;
    if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) throw new RangeError('claims cache maxAgeMs must be a positive number');
    this.lru = new LRUCache<string, Entry>({ max });
    this.maxAgeMs = maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  /** The cached claims of `token`, or undefined (never after `exp`). */
  get(token: string): CachedClaims | undefined {
    return this.getByKey(claimsCacheKey(token));
  }

  /** Like {@link get}, for a key from {@link claimsCacheKey} (hash once, use twice). */
  getByKey(key: string): CachedClaims | undefined {
    const entry = this.lru.get(key);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    if (this.now() >= entry.until) {
      this.lru.delete(key);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return entry.claims;
  }

  /**
   * Caches the verified claims of `token` until its `exp` (tokens without `exp` are not cached).
   * The claims object is frozen (deeply) in place.
   */
  set(token: string, claims: CachedClaims): void {
    this.setByKey(claimsCacheKey(token), claims);
  }

  /** Like {@link set}, for a key from {@link claimsCacheKey}. */
  setByKey(key: string, claims: CachedClaims): void {
    // No exp: nothing bounds the entry's truth, so it is not cached at all.
    if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) return;
    const now = this.now();
    const until = Math.min(claims.exp * 1000, now + this.maxAgeMs);
    if (until <= now) return;
    // Frozen: every caller that gets these claims shares one object, and one caller's edit must
    // not become another caller's verified claims.
    this.lru.set(key, { claims: deepFreeze(claims), until });
  }

  /** Drops the entry of `token` (e.g. after revoking it in this process). */
  delete(token: string): boolean {
    return this.lru.delete(claimsCacheKey(token));
  }

  /** Drops every entry. */
  clear(): void {
    this.lru.clear();
  }

  /** Hits, misses and current size. */
  stats(): ClaimsCacheStats {
    return { hits: this.hits, misses: this.misses, size: this.lru.size };
  }
}
