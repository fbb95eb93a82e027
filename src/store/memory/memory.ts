/**
 * {@link MemoryTokenStore}: the in-process backend. Indexed by id, hash, subject and family so no
 * hot path scans; records are kept as compact entries (rarely used fields as one JSON string)
 * to stay near 300-400 bytes per record with its indexes.
 */
import { StoreConflict } from '../../jose/errors.js';
import { MultiIndex } from './multi-index.js';
import { startBackgroundSweep, type BackgroundSweep, type SweepingStoreOptions } from '../store-lifecycle.js';
import {
  closedError, compareRecords, consumeRefusal, decodeCursor, encodeJson, hashKey, isLive, matchesFilter,
  normalizeLimit, pageFromSorted, recordStatus, resolveStoreOptions, sessionsToEvict, throwIfAborted,
  validateFilter, validateRecord, validateSessionLimit,
} from '../record-codec.js';
import { callNow, cleanupTime } from '../store-call.js';
import { lookupable } from '../lookup-key.js';
import type {
  AddSessionResult, ConsumeResult, RevokeResult, SessionLimitPolicy, StoreCallOptions, TokenFilter, TokenPage,
  TokenPageResult, TokenRecord, TokenStore,
} from '../types.js';

/** Options of {@link MemoryTokenStore}: those every store takes, and how often it sweeps. */
export type MemoryTokenStoreOptions = SweepingStoreOptions;

// One stored record. Fields every hot path reads are properties; the rest is one JSON string.
class Entry {
  constructor(
    public id: string,
    public hash: string | undefined,
    public subject: string,
    public kind: string,
    public familyId: string | undefined,
    public issuedAt: number,
    public expiresAt: number,
    public revokedAt: number | undefined,
    public revokedReason: string | undefined,
    public consumedAt: number | undefined,
    public rest: string | undefined,
  ) {}
}

const ENTRY_FIELDS: ReadonlySet<string> = new Set([
  'id', 'hash', 'subject', 'kind', 'familyId', 'issuedAt', 'expiresAt', 'revokedAt', 'revokedReason', 'consumedAt',
]);

function toEntry(record: TokenRecord): Entry {
  // Everything but the entry's own fields goes to one JSON string, allocated only when present.
  let others: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const value = (record as unknown as Record<string, unknown>)[key];
    if (value === undefined || ENTRY_FIELDS.has(key)) continue;
    (others ??= {})[key] = value;
  }
  return new Entry(
    record.id, record.hash, record.subject, record.kind, record.familyId, record.issuedAt, record.expiresAt,
    record.revokedAt, record.revokedReason, record.consumedAt, others === undefined ? undefined : encodeJson(others),
  );
}

function toRecord(entry: Entry): TokenRecord {
  const record = (entry.rest === undefined ? {} : JSON.parse(entry.rest)) as TokenRecord;
  record.id = entry.id;
  if (entry.hash !== undefined) record.hash = entry.hash;
  record.kind = entry.kind;
  record.subject = entry.subject;
  if (entry.familyId !== undefined) record.familyId = entry.familyId;
  record.issuedAt = entry.issuedAt;
  record.expiresAt = entry.expiresAt;
  if (entry.revokedAt !== undefined) record.revokedAt = entry.revokedAt;
  if (entry.revokedReason !== undefined) record.revokedReason = entry.revokedReason;
  if (entry.consumedAt !== undefined) record.consumedAt = entry.consumedAt;
  return record;
}

// Conditions answerable from the entry's own fields, checked before decoding the rest.
function entryMayMatch(entry: Entry, filter: TokenFilter, now: number): boolean {
  if (filter.subject !== undefined && entry.subject !== filter.subject) return false;
  if (filter.kind !== undefined && entry.kind !== filter.kind) return false;
  if (filter.familyId !== undefined && entry.familyId !== filter.familyId) return false;
  return filter.status === undefined || recordStatus(entry, now) === filter.status;
}

const needsRest = (filter: TokenFilter): boolean =>
  filter.clientId !== undefined || filter.deviceId !== undefined || filter.tags !== undefined || filter.labels !== undefined;

/**
 * A {@link TokenStore} in process memory: fast, exact, and gone when the process ends. Atomic
 * operations are atomic because they run synchronously; use it for tests, single-process
 * servers and as the reference behaviour of the contract.
 *
 * @example
 * import { MemoryTokenStore } from 'cjwt/store';
 * const store = new MemoryTokenStore({ revocationRetentionMs: 24 * 3600_000 });
 * await store.put({ id: 'jti-1', kind: 'access', subject: 'alice', issuedAt: Date.now(), expiresAt: Date.now() + 60_000 });
 * await store.revoke('jti-1', 'logout');
 * await store.isRevoked('jti-1'); // true
 */
export class MemoryTokenStore implements TokenStore {
  readonly backend = 'memory';
  readonly #retentionMs: number;
  readonly #byId = new Map<string, Entry>();
  readonly #byHash = new Map<string, Entry>();
  readonly #bySubject = new MultiIndex<Entry>();
  readonly #byFamily = new MultiIndex<Entry>();
  readonly #sweeper: BackgroundSweep;
  #closed = false;

  constructor(options: MemoryTokenStoreOptions = {}) {
    this.#retentionMs = resolveStoreOptions(options).revocationRetentionMs;
    this.#sweeper = startBackgroundSweep(options.sweepIntervalMs, async () => this.#sweep(Date.now()));
  }

  /** Number of records held (including expired ones not yet swept). */
  get size(): number {
    return this.#byId.size;
  }

  async put(record: TokenRecord, options?: StoreCallOptions): Promise<void> {
    this.#enter('put', record?.id, options);
    validateRecord(record);
    const entry = toEntry(record);
    this.#checkHashFree(entry, callNow(options));
    this.#insert(entry);
  }

  async get(id: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    this.#enter('get', id, options);
    if (!lookupable(id, 'id')) return undefined;
    const entry = this.#present(this.#byId.get(id), options);
    return entry === undefined ? undefined : toRecord(entry);
  }

  async getByHash(hash: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    this.#enter('getByHash', hashKey(hash), options);
    if (!lookupable(hash, 'hash')) return undefined;
    const entry = this.#present(this.#byHash.get(hash), options);
    return entry === undefined ? undefined : toRecord(entry);
  }

  async delete(id: string, options?: StoreCallOptions): Promise<boolean> {
    this.#enter('delete', id, options);
    if (!lookupable(id, 'id')) return false;
    const entry = this.#present(this.#byId.get(id), options);
    if (entry === undefined) return false;
    this.#remove(entry);
    return true;
  }

  async list(filter: TokenFilter, page: TokenPage = {}, options?: StoreCallOptions): Promise<TokenPageResult> {
    this.#enter('list', filter?.subject, options);
    validateFilter(filter);
    const limit = normalizeLimit(page?.limit);
    const after = page?.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const now = callNow(options);
    const matching: Entry[] = [];
    for (const entry of this.#candidates(filter)) {
      if (after !== undefined && compareRecords(entry, after) <= 0) continue;
      if (this.#matches(entry, filter, now)) matching.push(entry);
    }
    matching.sort(compareRecords);
    return pageFromSorted(matching.slice(0, limit + 1).map(toRecord), limit);
  }

  async count(filter: TokenFilter, options?: StoreCallOptions): Promise<number> {
    this.#enter('count', filter?.subject, options);
    validateFilter(filter);
    const now = callNow(options);
    let n = 0;
    for (const entry of this.#candidates(filter)) if (this.#matches(entry, filter, now)) n++;
    return n;
  }

  async revoke(id: string, reason?: string, options?: StoreCallOptions): Promise<RevokeResult> {
    this.#enter('revoke', id, options);
    if (!lookupable(id, 'id')) return { revoked: false, reason: 'not_found' };
    const entry = this.#present(this.#byId.get(id), options);
    if (entry === undefined) return { revoked: false, reason: 'not_found' };
    if (entry.revokedAt !== undefined) return { revoked: false, reason: 'already_revoked', revokedAt: entry.revokedAt };
    const now = callNow(options);
    entry.revokedAt = now;
    entry.revokedReason = reason;
    return { revoked: true, revokedAt: now };
  }

  async isRevoked(id: string, options?: StoreCallOptions): Promise<boolean> {
    this.#enter('isRevoked', id, options);
    if (!lookupable(id, 'id')) return false;
    const entry = this.#present(this.#byId.get(id), options);
    return entry !== undefined && entry.revokedAt !== undefined;
  }

  async revokeWhere(filter: TokenFilter, reason?: string, options?: StoreCallOptions): Promise<number> {
    this.#enter('revokeWhere', filter?.subject, options);
    validateFilter(filter);
    const now = callNow(options);
    let n = 0;
    for (const entry of this.#candidates(filter)) {
      if (entry.revokedAt === undefined && this.#matches(entry, filter, now)) {
        entry.revokedAt = now;
        entry.revokedReason = reason;
        n++;
      }
    }
    return n;
  }

  async addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, options?: StoreCallOptions): Promise<AddSessionResult> {
    this.#enter('addSession', record?.id, options);
    validateRecord(record);
    validateSessionLimit(max, policy);
    const now = callNow(options);
    const entry = toEntry(record);
    this.#checkHashFree(entry, now);
    const live = this.#bySubject.get(record.subject)
      .filter((e) => e.kind === record.kind && e.id !== record.id && isLive(e, now));
    const evicted: string[] = [];
    if (live.length >= max) {
      if (policy === 'reject') return { added: false, reason: 'max_sessions_exceeded', live: live.length };
      for (const old of sessionsToEvict(live, max)) {
        old.revokedAt = now;
        old.revokedReason = 'session_limit';
        evicted.push(old.id);
      }
    }
    this.#insert(entry);
    return { added: true, evicted };
  }

  async consume(hash: string, options?: StoreCallOptions): Promise<ConsumeResult> {
    this.#enter('consume', hashKey(hash), options);
    if (!lookupable(hash, 'hash')) return { consumed: false, reason: 'not_found' };
    const entry = this.#present(this.#byHash.get(hash), options);
    if (entry === undefined) return { consumed: false, reason: 'not_found' };
    const now = callNow(options);
    // One copy serves both the refusal and the consumed record: a success only adds consumedAt.
    const record = toRecord(entry);
    const refusal = consumeRefusal(record, now);
    if (refusal !== undefined) return refusal;
    entry.consumedAt = now;
    record.consumedAt = now;
    return { consumed: true, record };
  }

  async cleanup(now?: number, options?: StoreCallOptions): Promise<number> {
    this.#enter('cleanup', undefined, options);
    return this.#sweep(cleanupTime(now, options));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    this.#byId.clear();
    this.#byHash.clear();
    this.#bySubject.clear();
    this.#byFamily.clear();
  }

  #enter(op: string, key: string | undefined, options: StoreCallOptions | undefined): void {
    if (this.#closed) throw closedError(op, this.backend);
    throwIfAborted(op, key, options);
  }

  // Records past expiry + retention count as gone even before the sweep removes them.
  #present(entry: Entry | undefined, options: StoreCallOptions | undefined): Entry | undefined {
    if (entry === undefined) return undefined;
    return entry.expiresAt + this.#retentionMs <= callNow(options) ? undefined : entry;
  }

  #candidates(filter: TokenFilter): Iterable<Entry> {
    if (filter.subject !== undefined) return this.#bySubject.get(filter.subject);
    if (filter.familyId !== undefined) return this.#byFamily.get(filter.familyId);
    // No copy: list, count and revokeWhere change entries but never the map.
    return this.#byId.values();
  }

  #matches(entry: Entry, filter: TokenFilter, now: number): boolean {
    if (entry.expiresAt + this.#retentionMs <= now) return false;
    if (!entryMayMatch(entry, filter, now)) return false;
    return !needsRest(filter) || matchesFilter(toRecord(entry), filter, now);
  }

  #checkHashFree(entry: Entry, now: number): void {
    if (entry.hash === undefined) return;
    const holder = this.#byHash.get(entry.hash);
    if (holder === undefined || holder.id === entry.id) return;
    if (holder.expiresAt + this.#retentionMs <= now) {
      this.#remove(holder);
      return;
    }
    throw new StoreConflict('another record already has this token hash');
  }

  // Callers check the hash with #checkHashFree first.
  #insert(entry: Entry): void {
    const previous = this.#byId.get(entry.id);
    if (previous !== undefined) {
      // Revocation and consumption are one-way: a new version of the record keeps them.
      if (previous.revokedAt !== undefined) {
        entry.revokedAt = previous.revokedAt;
        entry.revokedReason = previous.revokedReason;
      }
      if (previous.consumedAt !== undefined) entry.consumedAt = previous.consumedAt;
      this.#remove(previous);
    }
    this.#byId.set(entry.id, entry);
    if (entry.hash !== undefined) this.#byHash.set(entry.hash, entry);
    this.#bySubject.add(entry.subject, entry);
    if (entry.familyId !== undefined) this.#byFamily.add(entry.familyId, entry);
  }

  #remove(entry: Entry): void {
    this.#byId.delete(entry.id);
    if (entry.hash !== undefined && this.#byHash.get(entry.hash) === entry) this.#byHash.delete(entry.hash);
    this.#bySubject.remove(entry.subject, entry);
    if (entry.familyId !== undefined) this.#byFamily.remove(entry.familyId, entry);
  }

  #sweep(now: number): number {
    const horizon = now - this.#retentionMs;
    let removed = 0;
    for (const entry of this.#byId.values()) {
      if (entry.expiresAt <= horizon) {
        this.#remove(entry);
        removed++;
      }
    }
    return removed;
  }
}
