/**
 * {@link SqliteTokenStore}: the embedded backend on better-sqlite3 (loaded only by `open`). WAL
 * with `synchronous=FULL`, so an acknowledged write survives `kill -9` and power loss; atomic
 * operations are single statements or `BEGIN IMMEDIATE` transactions, so they hold across
 * processes sharing the file.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { StoreConflict } from '../../jose/errors.js';
import {
  closedError, consumeRefusal, decodeCursor, hashKey, idKey, matchesFilter, normalizeLimit, pageFromSorted,
  resolveStoreOptions, sessionsToEvict, throwIfAborted, toStorageError, validateFilter, validateRecord,
  validateSessionLimit,
} from '../record-codec.js';
import { callNow, cleanupTime } from '../store-call.js';
import { lookupable } from '../lookup-key.js';
import type { KeysetPosition } from '../record-codec.js';
import { migrateSqlite } from './sqlite-schema.js';
import { startBackgroundSweep, validateSweepInterval, type BackgroundSweep, type SweepingStoreOptions } from '../store-lifecycle.js';
import { recordParams, rowToRecord, SQLITE_READ_COLUMNS, sqliteCondition } from './sqlite-query.js';
import type { SqliteTokenRow } from './sqlite-query.js';
import type {
  AddSessionResult, ConsumeResult, RevokeResult, SessionLimitPolicy, StoreCallOptions, TokenFilter, TokenPage,
  TokenPageResult, TokenRecord, TokenStore,
} from '../types.js';
import { cutoffOf, ENTRY_KIND } from '../revocation-log.js';

type Db = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement;

/** Options of {@link SqliteTokenStore.open}. */
export interface SqliteTokenStoreOptions extends SweepingStoreOptions {
  /** How long a call waits for another process's write lock, in ms (default: operationTimeoutMs). */
  busyTimeoutMs?: number;
}

const COLUMNS = 'id, hash, kind, subject, client_id, family_id, device_id, issued_at, expires_at, revoked_at, revoked_reason, consumed_at, record';
const VALUES = COLUMNS.split(', ').map((c) => `@${c}`).join(', ');
// Revocation and consumption are one-way: a new version of a stored record keeps them (SET
// expressions read the row as it was before the update).
const KEPT_LIFECYCLE: Record<string, string> = {
  revoked_at: 'COALESCE(revoked_at, excluded.revoked_at)',
  revoked_reason: 'CASE WHEN revoked_at IS NULL THEN excluded.revoked_reason ELSE revoked_reason END',
  consumed_at: 'COALESCE(consumed_at, excluded.consumed_at)',
};
const UPDATES = COLUMNS.split(', ').filter((c) => c !== 'id').map((c) => `${c} = ${KEPT_LIFECYCLE[c] ?? `excluded.${c}`}`).join(', ');
const T = 'cjwt_tokens';

/**
 * A {@link TokenStore} in a SQLite file: the embedded default of the token service. Every call
 * runs synchronously on the caller's thread (SQLite is in-process), so calls are fast but a
 * lock held by another process blocks up to `busyTimeoutMs`.
 *
 * @example
 * import { SqliteTokenStore } from 'cjwt/store';
 * const store = await SqliteTokenStore.open('/var/lib/app/tokens.db');
 * await store.put({ id: 'jti-1', kind: 'access', subject: 'alice', issuedAt: Date.now(), expiresAt: Date.now() + 60_000 });
 * await store.close();
 */
export class SqliteTokenStore implements TokenStore {
  readonly backend = 'sqlite';
  /**
   * The database file this store opened (as given to {@link SqliteTokenStore.open}), so a
   * revocation feed can follow its log over a connection of its own.
   */
  readonly path: string;
  readonly #db: Db;
  readonly #retentionMs: number;
  readonly #statements = new Map<string, Statement>();
  readonly #sweeper: BackgroundSweep;
  #closed = false;

  private constructor(db: Db, path: string, options: SqliteTokenStoreOptions) {
    this.#db = db;
    this.path = path;
    this.#retentionMs = resolveStoreOptions(options).revocationRetentionMs;
    // A failed sweep (file locked for long) is retried at the next tick; calls report errors.
    this.#sweeper = startBackgroundSweep(options.sweepIntervalMs, async () => this.#cleanup(Date.now()));
  }

  /**
   * Opens (creating and migrating when needed) the database at `path`; `':memory:'` for a
   * private in-memory database. Loads better-sqlite3 here, not on import.
   */
  static async open(path: string, options: SqliteTokenStoreOptions = {}): Promise<SqliteTokenStore> {
    const resolved = resolveStoreOptions(options);
    validateSweepInterval(options.sweepIntervalMs);
    let db: Db | undefined;
    try {
      const require = createRequire(import.meta.url);
      const Driver = require('better-sqlite3') as typeof BetterSqlite3;
      db = new Driver(path);
      db.pragma(`busy_timeout = ${Math.floor(options.busyTimeoutMs ?? resolved.operationTimeoutMs)}`);
      db.pragma('journal_mode = WAL');
      // FULL: the WAL is fsynced at every commit, so an acknowledged write outlives a crash.
      db.pragma('synchronous = FULL');
      migrateSqlite(db);
      return new SqliteTokenStore(db, path, options);
    } catch (err) {
      db?.close();
      throw toStorageError('open', path === ':memory:' ? path : undefined, err);
    }
  }

  async put(record: TokenRecord, options?: StoreCallOptions): Promise<void> {
    this.#enter('put', record?.id, options);
    validateRecord(record);
    const now = callNow(options);
    this.#run('put', record.id, () => this.#db.transaction(() => {
      this.#checkHashFree(record, now);
      this.#upsert(record);
    }).immediate());
  }

  async get(id: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    this.#enter('get', id, options);
    if (!lookupable(id, 'id')) return undefined;
    return this.#run('get', id, () => {
      const row = this.#stmt(`SELECT ${SQLITE_READ_COLUMNS} FROM ${T} WHERE id = ? AND expires_at > ?`)
        .get(id, this.#horizon(options)) as SqliteTokenRow | undefined;
      return row === undefined ? undefined : rowToRecord(row);
    });
  }

  async getByHash(hash: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    this.#enter('getByHash', hashKey(hash), options);
    if (!lookupable(hash, 'hash')) return undefined;
    return this.#run('getByHash', hashKey(hash), () => {
      const row = this.#stmt(`SELECT ${SQLITE_READ_COLUMNS} FROM ${T} WHERE hash = ? AND expires_at > ?`)
        .get(hash, this.#horizon(options)) as SqliteTokenRow | undefined;
      return row === undefined ? undefined : rowToRecord(row);
    });
  }

  async delete(id: string, options?: StoreCallOptions): Promise<boolean> {
    this.#enter('delete', id, options);
    if (!lookupable(id, 'id')) return false;
    return this.#run('delete', id, () =>
      this.#stmt(`DELETE FROM ${T} WHERE id = ? AND expires_at > ?`).run(id, this.#horizon(options)).changes > 0);
  }

  async list(filter: TokenFilter, page: TokenPage = {}, options?: StoreCallOptions): Promise<TokenPageResult> {
    this.#enter('list', filter?.subject, options);
    validateFilter(filter);
    const limit = normalizeLimit(page?.limit);
    const after = page?.cursor === undefined ? undefined : decodeCursor(page.cursor);
    return this.#run('list', filter.subject, () => pageFromSorted(this.#select(filter, options, after, limit + 1), limit));
  }

  async count(filter: TokenFilter, options?: StoreCallOptions): Promise<number> {
    this.#enter('count', filter?.subject, options);
    validateFilter(filter);
    return this.#run('count', filter.subject, () => {
      const now = callNow(options);
      const where = sqliteCondition(filter, now, now - this.#retentionMs);
      if (where.exact) return this.#stmt(`SELECT COUNT(*) FROM ${T} WHERE ${where.sql}`).pluck().get(...where.params) as number;
      return this.#select(filter, options).length;
    });
  }

  async revoke(id: string, reason?: string, options?: StoreCallOptions): Promise<RevokeResult> {
    this.#enter('revoke', id, options);
    if (!lookupable(id, 'id')) return { revoked: false, reason: 'not_found' };
    const now = callNow(options);
    return this.#run('revoke', id, () => {
      const horizon = now - this.#retentionMs;
      const changed = this.#stmt(`UPDATE ${T} SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ?`)
        .run(now, reason ?? null, id, horizon).changes;
      if (changed > 0) return { revoked: true, revokedAt: now };
      const revokedAt = this.#stmt(`SELECT revoked_at FROM ${T} WHERE id = ? AND expires_at > ?`).pluck().get(id, horizon) as number | null | undefined;
      if (revokedAt === undefined || revokedAt === null) return { revoked: false, reason: 'not_found' };
      return { revoked: false, reason: 'already_revoked', revokedAt };
    });
  }

  async isRevoked(id: string, options?: StoreCallOptions): Promise<boolean> {
    this.#enter('isRevoked', id, options);
    if (!lookupable(id, 'id')) return false;
    return this.#run('isRevoked', id, () =>
      this.#stmt(`SELECT 1 FROM ${T} WHERE id = ? AND expires_at > ? AND revoked_at IS NOT NULL`).pluck().get(id, this.#horizon(options)) === 1);
  }

  async revokeWhere(filter: TokenFilter, reason?: string, options?: StoreCallOptions): Promise<number> {
    this.#enter('revokeWhere', filter?.subject, options);
    validateFilter(filter);
    const now = callNow(options);
    return this.#run('revokeWhere', filter.subject, () => {
      const where = sqliteCondition(filter, now, now - this.#retentionMs);
      const setRevoked = `UPDATE ${T} SET revoked_at = ?, revoked_reason = ? WHERE`;
      const cutoff = cutoffOf(filter);
      if (cutoff !== undefined) {
        // Revoke-all of a subject or family is also one cutoff entry, in the same transaction.
        return this.#db.transaction(() => {
          const n = this.#stmt(`${setRevoked} ${where.sql} AND revoked_at IS NULL`).run(now, reason ?? null, ...where.params).changes;
          const column = cutoff.type === 'subject' ? 'subject' : 'family_id';
          this.#stmt(`INSERT INTO cjwt_revocation_log (kind, key, before, expires_at)
            SELECT ?, ?, ?, max(?, coalesce(max(expires_at), ?)) FROM ${T} WHERE ${column} = ?`)
            .run(ENTRY_KIND[cutoff.type], cutoff.key, now, now, now, cutoff.key);
          return n;
        }).immediate();
      }
      if (where.exact) {
        return this.#stmt(`${setRevoked} ${where.sql} AND revoked_at IS NULL`).run(now, reason ?? null, ...where.params).changes;
      }
      return this.#db.transaction(() => {
        const byId = this.#stmt(`${setRevoked} id = ? AND revoked_at IS NULL`);
        let n = 0;
        for (const record of this.#select(filter, options)) {
          if (record.revokedAt === undefined) n += byId.run(now, reason ?? null, record.id).changes;
        }
        return n;
      }).immediate();
    });
  }

  async addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, options?: StoreCallOptions): Promise<AddSessionResult> {
    this.#enter('addSession', record?.id, options);
    validateRecord(record);
    validateSessionLimit(max, policy);
    const now = callNow(options);
    return this.#run('addSession', record.id, () => this.#db.transaction((): AddSessionResult => {
      this.#checkHashFree(record, now);
      const live = this.#stmt(`SELECT id, issued_at AS issuedAt FROM ${T} WHERE subject = ? AND kind = ? AND revoked_at IS NULL AND expires_at > ? AND id != ?`)
        .all(record.subject, record.kind, now, record.id) as KeysetPosition[];
      const evicted: string[] = [];
      if (live.length >= max) {
        if (policy === 'reject') return { added: false, reason: 'max_sessions_exceeded', live: live.length };
        const evict = this.#stmt(`UPDATE ${T} SET revoked_at = ?, revoked_reason = 'session_limit' WHERE id = ?`);
        for (const old of sessionsToEvict(live, max)) {
          evict.run(now, old.id);
          evicted.push(old.id);
        }
      }
      this.#upsert(record);
      return { added: true, evicted };
    }).immediate());
  }

  async consume(hash: string, options?: StoreCallOptions): Promise<ConsumeResult> {
    this.#enter('consume', hashKey(hash), options);
    if (!lookupable(hash, 'hash')) return { consumed: false, reason: 'not_found' };
    const now = callNow(options);
    return this.#run('consume', hashKey(hash), () => {
      // One UPDATE is atomic across processes: only the first caller finds consumed_at NULL.
      const won = this.#stmt(`UPDATE ${T} SET consumed_at = ? WHERE hash = ? AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ? RETURNING ${SQLITE_READ_COLUMNS}`)
        .get(now, hash, now) as SqliteTokenRow | undefined;
      if (won !== undefined) return { consumed: true, record: rowToRecord(won) };
      const row = this.#stmt(`SELECT ${SQLITE_READ_COLUMNS} FROM ${T} WHERE hash = ? AND expires_at > ?`)
        .get(hash, now - this.#retentionMs) as SqliteTokenRow | undefined;
      if (row === undefined) return { consumed: false, reason: 'not_found' };
      const record = rowToRecord(row);
      return consumeRefusal(record, now) ?? { consumed: false, reason: 'not_found' };
    });
  }

  async cleanup(now?: number, options?: StoreCallOptions): Promise<number> {
    this.#enter('cleanup', undefined, options);
    const at = cleanupTime(now, options);
    return this.#run('cleanup', undefined, () => this.#cleanup(at));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    this.#statements.clear();
    this.#db.close();
  }

  #enter(op: string, key: string | undefined, options: StoreCallOptions | undefined): void {
    if (this.#closed) throw closedError(op, this.backend);
    throwIfAborted(op, key, options);
  }

  #run<R>(op: string, key: string | undefined, work: () => R): R {
    try {
      return work();
    } catch (err) {
      throw toStorageError(op, key === undefined ? undefined : idKey(key), err);
    }
  }

  #stmt(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #horizon(options: StoreCallOptions | undefined): number {
    return callNow(options) - this.#retentionMs;
  }

  #cleanup(now: number): number {
    // Log entries matter no longer than the revocations they report.
    this.#stmt('DELETE FROM cjwt_revocation_log WHERE expires_at <= ?').run(now - this.#retentionMs);
    return this.#stmt(`DELETE FROM ${T} WHERE expires_at <= ?`).run(now - this.#retentionMs).changes;
  }

  // Records matching the filter in list order; SQL narrows by the indexed fields, tags and
  // labels are checked on the decoded record.
  #select(filter: TokenFilter, options: StoreCallOptions | undefined, after?: KeysetPosition, want = Infinity): TokenRecord[] {
    const now = callNow(options);
    const where = sqliteCondition(filter, now, now - this.#retentionMs, after);
    const order = 'ORDER BY issued_at, id';
    if (where.exact && Number.isFinite(want)) {
      const rows = this.#stmt(`SELECT ${SQLITE_READ_COLUMNS} FROM ${T} WHERE ${where.sql} ${order} LIMIT ?`)
        .all(...where.params, want) as SqliteTokenRow[];
      return rows.map(rowToRecord);
    }
    const out: TokenRecord[] = [];
    for (const row of this.#stmt(`SELECT ${SQLITE_READ_COLUMNS} FROM ${T} WHERE ${where.sql} ${order}`).iterate(...where.params)) {
      const record = rowToRecord(row as SqliteTokenRow);
      if (where.exact || matchesFilter(record, filter, now)) out.push(record);
      if (out.length >= want) break;
    }
    return out;
  }

  #checkHashFree(record: TokenRecord, now: number): void {
    if (record.hash === undefined) return;
    const holder = this.#stmt(`SELECT id, expires_at AS expiresAt FROM ${T} WHERE hash = ?`).get(record.hash) as
      { id: string; expiresAt: number } | undefined;
    if (holder === undefined || holder.id === record.id) return;
    if (holder.expiresAt + this.#retentionMs <= now) {
      this.#stmt(`DELETE FROM ${T} WHERE id = ?`).run(holder.id);
      return;
    }
    throw new StoreConflict('another record already has this token hash');
  }

  // Callers check the hash with #checkHashFree first, in the same transaction.
  #upsert(record: TokenRecord): void {
    this.#stmt(`INSERT INTO ${T} (${COLUMNS}) VALUES (${VALUES}) ON CONFLICT (id) DO UPDATE SET ${UPDATES}`).run(recordParams(record));
  }
}
