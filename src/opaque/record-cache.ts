/**
 * The records OpaqueTokenManager keeps in memory in the feed mode, by token hash. A record's
 * facts (user, scope, expiry, data) never change once written; its revocation does, and that is
 * never read from here: every hit asks the revocation feed's mirror, which also applies the
 * per-subject and per-family cutoffs. `maxAgeMs` bounds the one thing neither sees: a record
 * deleted from the store (deletion is not revocation; revoke a token to end it).
 */
import { LRUCache } from 'lru-cache';
import type { RevocationContext } from '../lifecycle/feed/types.js';
import type { TokenRecord } from '../store/index.js';
import { deepFreeze } from '../lifecycle/deep-freeze.js';

/** Options of the feed mode's record cache. */
export interface RecordCacheOptions {
  /** Most records kept; the least recently used go first. Default 10,000. */
  max?: number;
  /** Longest a record is served from memory, in ms (bounds a deleted record's life). Default 60,000. */
  maxAgeMs?: number;
}

/** A cached record and what the mirror needs to know of it. */
export interface CachedRecord {
  record: TokenRecord;
  context: RevocationContext;
  until: number;
}

/** The mirror's view of a record: its id, issue time, user and refresh family. */
export function revocationContextOfRecord(record: TokenRecord): RevocationContext {
  const context: RevocationContext = { issuedAt: record.issuedAt, subject: record.subject };
  if (record.familyId !== undefined) context.familyId = record.familyId;
  return context;
}

/** Live records by token hash, bounded in count and age. */
export class RecordCache {
  readonly #lru: LRUCache<string, CachedRecord>;
  readonly #maxAgeMs: number;

  /** @throws {RangeError} for a bad `max` or `maxAgeMs`. */
  constructor(options: RecordCacheOptions = {}) {
    const max = options.max ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('recordCache.max must be a positive integer');
    const maxAgeMs = options.maxAgeMs ?? 60_000;
    if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) throw new RangeError('recordCache.maxAgeMs must be a positive number');
    this.#lru = new LRUCache<string, CachedRecord>({ max });
    this.#maxAgeMs = maxAgeMs;
  }

  /** The cached record of `hash`, unless it is past its expiry or the cache's age bound. */
  get(hash: string, now: number): CachedRecord | undefined {
    const hit = this.#lru.get(hash);
    if (hit === undefined) return undefined;
    if (now >= hit.until) {
      this.#lru.delete(hash);
      return undefined;
    }
    return hit;
  }

  /**
   * Keeps a record the store just returned, when it is live (not revoked, not expired) and a
   * bearer credential (never a refresh record). Frozen in place: every caller shares it.
   */
  set(hash: string, record: TokenRecord, now: number): void {
    if (record.revokedAt !== undefined || record.kind === 'refresh' || record.expiresAt <= now) return;
    const until = Math.min(record.expiresAt, now + this.#maxAgeMs);
    this.#lru.set(hash, { record: deepFreeze(record), context: revocationContextOfRecord(record), until });
  }

  /** Drops the record of `hash`. */
  delete(hash: string): void {
    this.#lru.delete(hash);
  }

  /** Records held. */
  get size(): number {
    return this.#lru.size;
  }
}
