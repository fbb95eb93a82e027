/**
 * {@link MySqlTokenStore}: the TokenStore on MySQL 8 / MariaDB 10.6+ through mysql2's promise
 * pool. The driver is imported only inside {@link MySqlTokenStore.connect}.
 */
import type { Pool, PoolConnection, PoolOptions, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type * as MySql2Module from 'mysql2/promise';
import { StorageError, StoreInputInvalid } from '../../jose/errors.js';
import type {
  AddSessionResult, ConsumeResult, RevokeResult, SessionLimitPolicy, StoreCallOptions, TokenFilter,
  TokenPage, TokenPageResult, TokenRecord, TokenStore,
} from '../types.js';
import { executeRetrying, inTransaction, withDeadline, withPooledConnection } from './mysql-call.js';
import { MySqlPointReads } from './mysql-batch.js';
import { SCAN_BATCH, deleteExpired, revokeDigests, scanRows } from './mysql-bulk.js';
import { upsertRecord } from './mysql-upsert.js';
import { addSessionInTransaction } from './mysql-session.js';
import { cleanupTime } from '../store-call.js';
import { isWellFormedString, lookupable } from '../lookup-key.js';
import {
  READ_COLUMNS, bytes, digest, exactKey, filterCondition, rowToRecord, withoutLifecycleFields,
  type ExactKey, type TokenRowPacket,
} from './mysql-row.js';
import { mysqlTables, runMySqlMigrations } from './mysql-schema.js';
import { cutoffOf, ENTRY_KIND } from '../revocation-log.js';
import { migrateOrClose, startBackgroundSweep, validateSweepInterval, type BackgroundSweep, type SweepingStoreOptions } from '../store-lifecycle.js';
import {
  callNow, closedError, consumeRefusal, decodeCursor, encodeRecord, hashKey, idKey, matchesFilter,
  normalizeLimit, pageFromSorted, resolveStoreOptions, validateFilter, validateRecord, validateSessionLimit,
} from '../record-codec.js';

/** Options of `new MySqlTokenStore(...)`. */
export interface MySqlTokenStoreOptions extends SweepingStoreOptions {
  /** A mysql2/promise pool. The store does not end it on close unless `closePool` is true. */
  pool: Pool;
  /** Prefix of the store's tables (default `cjwt_`): `cjwt_tokens`, `cjwt_schema_migrations`, ... */
  tablePrefix?: string;
  /** End the pool in `close()` (default false; `connect()` sets it). */
  closePool?: boolean;
}

/** Options of {@link MySqlTokenStore.connect}. */
export interface MySqlConnectOptions extends SweepingStoreOptions {
  tablePrefix?: string;
  /** Extra mysql2 pool options; they win over the URL's query parameters and the store's defaults. */
  poolOptions?: PoolOptions;
}

type MySql2 = typeof MySql2Module;

/**
 * A TokenStore on MySQL or MariaDB. Strings are stored as binary so matching is byte-exact;
 * `addSession` serialises per subject with a row lock; `consume` is one conditional UPDATE.
 * Tables are created (and later migrated) on first use, safely from several processes at once.
 * @example
 * const store = await MySqlTokenStore.connect('mysql://app:secret@127.0.0.1:3306/app');
 * await store.put({ id: 'jti-1', kind: 'access', subject: 'alice', issuedAt: Date.now(), expiresAt: Date.now() + 60_000 });
 * await store.close();
 */
export class MySqlTokenStore implements TokenStore {
  readonly backend = 'mysql';
  readonly #pool: Pool;
  readonly #tables: ReturnType<typeof mysqlTables>;
  readonly #prefix: string;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #closePool: boolean;
  readonly #sessionReady = new WeakSet<object>();
  /** Point reads, batched into one `IN (...)` query per connection when they overlap. */
  readonly #reads: MySqlPointReads;
  #ready: Promise<void> | undefined;
  #closed = false;
  readonly #sweeper: BackgroundSweep;

  /**
   * Opens a pool for `mysql://user:pass@host:port/db` (or `mariadb://...`), creates or migrates
   * the tables, and resolves once the server answered. Rejects with StorageError otherwise.
   * @example
   * const store = await MySqlTokenStore.connect(process.env.DATABASE_URL!, { operationTimeoutMs: 2000 });
   */
  static async connect(url: string, options: MySqlConnectOptions = {}): Promise<MySqlTokenStore> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      throw new StoreInputInvalid(`not a valid URL (${(err as { code?: string }).code ?? 'parse error'})`);
    }
    if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
      throw new StoreInputInvalid(`unsupported scheme ${parsed.protocol} (want mysql: or mariadb:)`);
    }
    validateSweepInterval(options.sweepIntervalMs);
    let mysql: MySql2;
    try {
      mysql = await import('mysql2/promise');
    } catch (err) {
      throw new StorageError({ op: 'connect', detail: 'the optional dependency mysql2 is not installed (npm install mysql2)', cause: err });
    }
    const { operationTimeoutMs: timeoutMs } = resolveStoreOptions(options);
    const defaults: PoolOptions = {
      connectionLimit: 10,
      connectTimeout: timeoutMs,
      enableKeepAlive: true,
      supportBigNumbers: true,
      waitForConnections: true,
    };
    // mysql2 lets explicit options override URL parameters; we want the reverse.
    for (const key of parsed.searchParams.keys()) delete (defaults as Record<string, unknown>)[key];
    const pool = mysql.createPool({ ...defaults, ...options.poolOptions, uri: `mysql:${url.slice(parsed.protocol.length)}` });
    return migrateOrClose(new MySqlTokenStore({ ...options, pool, closePool: true }));
  }

  /**
   * Wraps an existing mysql2/promise pool. Tables are created on the first call (or call
   * {@link MySqlTokenStore.migrate} up front).
   */
  constructor(options: MySqlTokenStoreOptions) {
    this.#pool = options.pool;
    this.#prefix = options.tablePrefix ?? 'cjwt_';
    this.#tables = mysqlTables(this.#prefix);
    const resolved = resolveStoreOptions(options);
    this.#retentionMs = resolved.revocationRetentionMs;
    this.#timeoutMs = resolved.operationTimeoutMs;
    this.#closePool = options.closePool ?? false;
    this.#reads = new MySqlPointReads(this.#pool, this.#tables.tokens, this.#timeoutMs, this.#sessionReady,
      (conn) => this.#ensureSchema(conn));
    this.#sweeper = startBackgroundSweep(options.sweepIntervalMs, () => this.cleanup());
  }

  /**
   * The pool the store runs on and its table prefix, so a revocation feed can open a connection
   * of its own with the same settings (the pool's config holds the credentials: never log it).
   */
  get feedConnection(): { pool: Pool; tablePrefix: string } {
    return { pool: this.#pool, tablePrefix: this.#prefix };
  }

  /**
   * Creates or upgrades the tables; resolves to the schema versions applied now (empty when up to
   * date). Safe to call from many processes at once.
   */
  async migrate(options?: StoreCallOptions): Promise<number[]> {
    return this.#call('migrate', undefined, options, (conn) => this.#migrate(conn), false);
  }

  async put(record: TokenRecord, options?: StoreCallOptions): Promise<void> {
    validateRecord(record);
    const encoded = encodeRecord(withoutLifecycleFields(record));
    await this.#call('put', idKey(record.id), options, (conn) =>
      upsertRecord(conn, this.#tables.tokens, record, encoded, callNow(options) - this.#retentionMs));
  }

  async get(id: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    return this.#batchedCall('get', idKey(id), options, async () => {
      if (!lookupable(id, 'id')) return undefined;
      const row = await this.#reads.byId.load(id);
      return row ? rowToRecord(row) : undefined;
    });
  }

  async getByHash(hash: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    return this.#batchedCall('getByHash', hashKey(hash), options, async () => {
      if (!lookupable(hash, 'hash')) return undefined;
      const row = await this.#reads.byHash.load(hash);
      return row ? rowToRecord(row) : undefined;
    });
  }

  async delete(id: string, options?: StoreCallOptions): Promise<boolean> {
    return this.#call('delete', idKey(id), options, async (conn) => {
      if (!lookupable(id, 'id')) return false;
      const [result] = await conn.execute<ResultSetHeader>(
        `DELETE FROM ${this.#tables.tokens} WHERE id_digest = ? AND id = ?`, exactKey(id));
      return result.affectedRows > 0;
    });
  }

  async list(filter: TokenFilter, page: TokenPage = {}, options?: StoreCallOptions): Promise<TokenPageResult> {
    validateFilter(filter);
    return this.#call('list', filterKey(filter), options, async (conn, abort) => {
      const now = callNow(options);
      const limit = normalizeLimit(page?.limit);
      const after = page?.cursor === undefined ? undefined : decodeCursor(page.cursor);
      const condition = filterCondition(filter, now);
      const records: TokenRecord[] = [];
      // limit + 1 rows prove whether a next page exists.
      const batch = condition.exact ? limit + 1 : Math.max(limit + 1, SCAN_BATCH);
      await scanRows(conn, abort, this.#tables.tokens, condition, after, batch, (record) => {
        if (condition.exact || matchesFilter(record, filter, now)) records.push(record);
        return records.length <= limit;
      });
      return pageFromSorted(records, limit);
    });
  }

  async count(filter: TokenFilter, options?: StoreCallOptions): Promise<number> {
    validateFilter(filter);
    return this.#call('count', filterKey(filter), options, async (conn, abort) => {
      const now = callNow(options);
      const condition = filterCondition(filter, now);
      if (condition.exact) {
        const [rows] = await conn.execute<RowDataPacket[]>(
          `SELECT COUNT(*) AS n FROM ${this.#tables.tokens} WHERE ${condition.sql}`, condition.params);
        return Number(rows[0]?.n ?? 0);
      }
      let n = 0;
      await scanRows(conn, abort, this.#tables.tokens, condition, undefined, SCAN_BATCH, (record) => {
        if (matchesFilter(record, filter, now)) n += 1;
        return true;
      });
      return n;
    });
  }

  async revoke(id: string, reason?: string, options?: StoreCallOptions): Promise<RevokeResult> {
    checkReason(reason);
    return this.#call('revoke', idKey(id), options, async (conn, abort) => {
      if (!lookupable(id, 'id')) return { revoked: false, reason: 'not_found' };
      const now = callNow(options);
      const key = exactKey(id);
      const result = await executeRetrying<ResultSetHeader>(conn, abort,
        `UPDATE ${this.#tables.tokens} SET revoked_at = ?, revoked_reason = ? WHERE id_digest = ? AND id = ? AND revoked_at IS NULL`,
        [now, reason === undefined ? null : bytes(reason), ...key]);
      if (result.affectedRows > 0) return { revoked: true, revokedAt: now };
      const revokedAt = await this.#revokedAt(conn, key);
      // null: present and unrevoked, i.e. deleted and put again between our two statements.
      if (revokedAt === undefined || revokedAt === null) return { revoked: false, reason: 'not_found' };
      return { revoked: false, reason: 'already_revoked', revokedAt };
    });
  }

  async isRevoked(id: string, options?: StoreCallOptions): Promise<boolean> {
    return this.#batchedCall('isRevoked', idKey(id), options, async () => {
      if (!lookupable(id, 'id')) return false;
      const row = await this.#reads.byId.load(id);
      return row !== undefined && row.revoked_at !== null;
    });
  }

  async revokeWhere(filter: TokenFilter, reason?: string, options?: StoreCallOptions): Promise<number> {
    validateFilter(filter);
    checkReason(reason);
    return this.#call('revokeWhere', filterKey(filter), options, async (conn, abort) => {
      const now = callNow(options);
      const condition = filterCondition(filter, now);
      const reasonValue = reason === undefined ? null : bytes(reason);
      const cutoff = cutoffOf(filter);
      if (condition.exact && cutoff !== undefined) {
        // Revoke-all of a subject or family is also one cutoff entry, in the same transaction.
        const column = cutoff.type === 'subject' ? 'subject_digest' : 'family_digest';
        const outcome = await inTransaction(conn, abort, async () => {
          const [result] = await conn.execute<ResultSetHeader>(
            `UPDATE ${this.#tables.tokens} SET revoked_at = ?, revoked_reason = ? WHERE ${condition.sql} AND revoked_at IS NULL`,
            [now, reasonValue, ...condition.params]);
          await conn.execute(
            `INSERT INTO ${this.#tables.revocationLog} (kind, entry_key, before_at, expires_at)
             SELECT ?, ?, ?, GREATEST(?, COALESCE(MAX(expires_at), ?)) FROM ${this.#tables.tokens} WHERE ${column} = ?`,
            [ENTRY_KIND[cutoff.type], bytes(cutoff.key), now, now, now, digest(cutoff.key)]);
          return { added: true, n: result.affectedRows };
        });
        return outcome.n;
      }
      if (condition.exact) {
        const [result] = await conn.execute<ResultSetHeader>(
          `UPDATE ${this.#tables.tokens} SET revoked_at = ?, revoked_reason = ? WHERE ${condition.sql} AND revoked_at IS NULL`,
          [now, reasonValue, ...condition.params]);
        return result.affectedRows;
      }
      const ids: Buffer[] = [];
      await scanRows(conn, abort, this.#tables.tokens, condition, undefined, SCAN_BATCH, (record) => {
        if (record.revokedAt === undefined && matchesFilter(record, filter, now)) ids.push(digest(record.id));
        return true;
      });
      return revokeDigests(conn, this.#tables.tokens, ids, now, reasonValue);
    });
  }

  async addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, options?: StoreCallOptions): Promise<AddSessionResult> {
    validateRecord(record);
    validateSessionLimit(max, policy);
    const encoded = encodeRecord(withoutLifecycleFields(record));
    return this.#call('addSession', idKey(record.id), options, (conn, abort) =>
      inTransaction(conn, abort, async (): Promise<AddSessionResult> => {
        const now = callNow(options);
        return addSessionInTransaction(conn, this.#tables, record, encoded, max, policy, now, now - this.#retentionMs);
      }));
  }

  async consume(hash: string, options?: StoreCallOptions): Promise<ConsumeResult> {
    return this.#call('consume', hashKey(hash), options, async (conn, abort) => {
      if (!lookupable(hash, 'hash')) return { consumed: false, reason: 'not_found' };
      const now = callNow(options);
      const key = exactKey(hash);
      // One conditional UPDATE: InnoDB's row lock lets exactly one caller see affectedRows = 1.
      const result = await executeRetrying<ResultSetHeader>(conn, abort,
        `UPDATE ${this.#tables.tokens} SET consumed_at = ?
         WHERE hash_digest = ? AND hash = ? AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
        [now, ...key, now]);
      const row = await this.#rowByHash(conn, key);
      if (!row) return { consumed: false, reason: 'not_found' };
      const record = rowToRecord(row);
      if (result.affectedRows > 0) return { consumed: true, record };
      return consumeRefusal(record, now) ?? { consumed: false, reason: 'not_found' };
    });
  }

  async cleanup(now?: number, options?: StoreCallOptions): Promise<number> {
    const at = cleanupTime(now, options);
    return this.#call('cleanup', undefined, options, async (conn, abort) => {
      const cutoff = at - this.#retentionMs;
      const removed = await deleteExpired(conn, abort, this.#tables.tokens, cutoff);
      // Log entries matter no longer than the revocations they report.
      await deleteExpired(conn, abort, this.#tables.revocationLog, cutoff);
      return removed;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    if (this.#closePool) await this.#pool.end().catch(() => undefined);
  }

  // ---- plumbing ----
  // Input is validated before a call starts (in the async methods, so it still rejects rather
  // than throws) and before any I/O.

  /**
   * One call: deadline, one pooled connection for its statements, schema check, error mapping.
   * A connection is destroyed rather than returned when the deadline fires, so a hung statement
   * can never block a later call or keep row locks.
   */
  async #call<T>(op: string, key: string | undefined, options: StoreCallOptions | undefined,
    fn: (conn: PoolConnection, abort: AbortSignal) => Promise<T>, needsSchema = true): Promise<T> {
    if (this.#closed) throw closedError(op, this.backend);
    return withDeadline(op, key, options?.signal, this.#timeoutMs, (abort) =>
      withPooledConnection(this.#pool, abort, this.#sessionReady, async (conn) => {
        if (needsSchema) await this.#ensureSchema(conn);
        return fn(conn, abort);
      }));
  }

  /** As {@link #call}, for reads that go through a coalescer, whose batch takes its own connection. */
  async #batchedCall<T>(op: string, key: string, options: StoreCallOptions | undefined, load: () => Promise<T>): Promise<T> {
    if (this.#closed) throw closedError(op, this.backend);
    return withDeadline(op, key, options?.signal, this.#timeoutMs, load);
  }

  #migrate(conn: PoolConnection): Promise<number[]> {
    return runMySqlMigrations(conn, this.#prefix, this.#timeoutMs / 1000);
  }

  #ensureSchema(conn: PoolConnection): Promise<void> {
    // One migration per store; a failed attempt (server down) is retried by the next call.
    this.#ready ??= this.#migrate(conn).then(() => undefined, (err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  async #rowByHash(conn: PoolConnection, key: ExactKey): Promise<TokenRowPacket | undefined> {
    const [rows] = await conn.execute<TokenRowPacket[]>(
      `SELECT ${READ_COLUMNS} FROM ${this.#tables.tokens} WHERE hash_digest = ? AND hash = ?`, key);
    return rows[0];
  }

  /** undefined: no such record; null: present and not revoked; a number: revoked then. */
  async #revokedAt(conn: PoolConnection, key: ExactKey): Promise<number | null | undefined> {
    const [rows] = await conn.execute<RowDataPacket[]>(
      `SELECT revoked_at FROM ${this.#tables.tokens} WHERE id_digest = ? AND id = ?`, key);
    const row = rows[0];
    if (!row) return undefined;
    return row.revoked_at === null ? null : Number(row.revoked_at);
  }
}

function checkReason(reason: unknown): void {
  if (reason !== undefined && (typeof reason !== 'string' || !isWellFormedString(reason))) {
    throw new StoreInputInvalid('revocation reason must be a well-formed string');
  }
}

// Called after validateFilter, so subject is a string when present.
function filterKey(filter: TokenFilter): string | undefined {
  return filter.subject === undefined ? undefined : idKey(filter.subject);
}
