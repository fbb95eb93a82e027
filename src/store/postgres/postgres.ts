/**
 * {@link PostgresTokenStore}: the TokenStore on PostgreSQL (11+) through node-postgres' pool.
 * The driver is imported only when {@link PostgresTokenStore.connect} runs (see postgres-connection.ts).
 */
import type { Pool, PoolClient, PoolConfig } from 'pg';
import type {
  AddSessionResult, ConsumeResult, RevokeResult, SessionLimitPolicy, StoreCallOptions, TokenFilter,
  TokenPage, TokenPageResult, TokenRecord, TokenStore,
} from '../types.js';
import { StorageError, StoreInputInvalid } from '../../jose/errors.js';
import {
  consumeRefusal, decodeCursor, normalizeLimit, pageFromSorted, validateFilter, validateRecord, validateSessionLimit,
} from '../record-codec.js';
import { callNow, cleanupTime, closedError, hashKey, idKey, resolveStoreOptions } from '../store-call.js';
import { isHashConflict, runCall } from './postgres-call.js';
import {
  READ_COLUMNS, filterCondition, fromSortKey, recordParams, rowToRecord, sortKey, stringKey,
  type TokenRow,
} from './postgres-row.js';
import { PostgresPointReads } from './postgres-batch.js';
import { asError, openPool, PostgresConnections } from './postgres-connection.js';
import { migratePostgres, revocationChannel, tableNames, type PostgresTableNames } from './postgres-schema.js';
import { cutoffOf, ENTRY_KIND } from '../revocation-log.js';
import { buildStatements, type PostgresStatements } from './postgres-statements.js';
import {
  migrateOrClose, startBackgroundSweep, validateSweepInterval, type BackgroundSweep, type SweepingStoreOptions,
} from '../store-lifecycle.js';

/** Options of `new PostgresTokenStore(...)`. */
export interface PostgresTokenStoreOptions extends SweepingStoreOptions {
  /** A pg Pool. The store does not end it on close unless `closePool` is true. */
  pool: Pool;
  /** Prefix of the store's tables (default `cjwt_`): `cjwt_tokens`, `cjwt_schema_migrations`. */
  tablePrefix?: string;
  /** End the pool in `close()` (default false; `connect()` sets it). */
  closePool?: boolean;
}

/** Options of {@link PostgresTokenStore.connect}. */
export interface PostgresConnectOptions extends SweepingStoreOptions {
  tablePrefix?: string;
  /** Extra pg pool options (size, TLS, ...); the URL's parameters and the timeouts are set for you. */
  poolOptions?: PoolConfig;
}

// Key space of addSession's per-subject advisory locks; the low half is the subject's digest.
const SESSION_LOCK_CLASS = 0x636a7774; // 'cjwt'

/**
 * A TokenStore on PostgreSQL. Records live in one table (`cjwt_tokens`) with indexed digest
 * columns for exact, NUL-safe matching. `addSession` is one statement that serialises per
 * subject with a transaction-scoped advisory lock inside the server; `consume` is one
 * conditional UPDATE; so both are atomic across processes. Every call is one round trip in the
 * common case. The schema is created and migrated on connect, safely from several
 * processes at once.
 * @example
 * const store = await PostgresTokenStore.connect('postgres://app@127.0.0.1:5432/app');
 * await store.put({ id: 'jti-1', kind: 'access', subject: 'alice', issuedAt: Date.now(), expiresAt: Date.now() + 60_000 });
 * await store.close();
 */
export class PostgresTokenStore implements TokenStore {
  readonly backend = 'postgres';
  readonly #pool: Pool;
  readonly #tables: PostgresTableNames;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #closePool: boolean;
  readonly #sql: PostgresStatements;
  #ready: Promise<void> | undefined;
  readonly #sweeper: BackgroundSweep;
  /** Checked-out connections, each switched to READ COMMITTED once. */
  readonly #connections: PostgresConnections;
  /** Point reads, batched into one `= ANY($1)` query per connection when they overlap. */
  readonly #reads: PostgresPointReads;
  #closed = false;
  // An idle client lost its server; the pool drops it and connects anew on demand.
  readonly #onPoolError = (): void => {};

  /**
   * Wraps an existing pool. The schema is migrated on the first call (or by `connect`). Attach
   * your own `error` listener to the pool; the store adds one so an idle connection dropped by
   * the server cannot crash the process.
   */
  constructor(options: PostgresTokenStoreOptions) {
    const resolved = resolveStoreOptions(options);
    this.#pool = options.pool;
    this.#tables = tableNames(options.tablePrefix);
    this.#retentionMs = resolved.revocationRetentionMs;
    this.#timeoutMs = resolved.operationTimeoutMs;
    this.#closePool = options.closePool ?? false;
    this.#pool.on('error', this.#onPoolError);
    this.#sql = buildStatements(this.#tables);
    this.#connections = new PostgresConnections(this.#pool);
    this.#reads = new PostgresPointReads(this.#connections, this.#sql, this.#tables.prefix, this.#timeoutMs);
    this.#sweeper = startBackgroundSweep(validateSweepInterval(options.sweepIntervalMs), () => this.cleanup(Date.now()));
  }

  /**
   * Opens a pool on `url` (`postgres://user:pass@host:port/db?...`), migrates the schema, and
   * resolves to a store that ends the pool on `close()`. Connection, statement and query
   * timeouts follow `operationTimeoutMs`.
   * @example
   * const store = await PostgresTokenStore.connect(process.env.DATABASE_URL!, { operationTimeoutMs: 2000 });
   */
  static async connect(url: string, options: PostgresConnectOptions = {}): Promise<PostgresTokenStore> {
    if (typeof url !== 'string' || url.length === 0) throw new StoreInputInvalid('postgres URL must be a non-empty string');
    const timeoutMs = resolveStoreOptions(options).operationTimeoutMs;
    // Validated before a pool exists.
    tableNames(options.tablePrefix);
    validateSweepInterval(options.sweepIntervalMs);
    const pool = await openPool(url, options.poolOptions, timeoutMs);
    return migrateOrClose(new PostgresTokenStore({ ...options, pool, closePool: true }));
  }

  /**
   * The pool the store runs on and its table prefix, so a revocation feed can open a connection
   * of its own with the same settings (`pool.options` holds the credentials: never log it).
   */
  get feedConnection(): { pool: Pool; tablePrefix: string } {
    return { pool: this.#pool, tablePrefix: this.#tables.prefix };
  }

  /**
   * Creates or upgrades the schema now (otherwise done on the first call). Resolves when it is
   * current; concurrent processes wait for each other under an advisory lock.
   */
  async migrate(options?: StoreCallOptions): Promise<void> {
    return this.#call('migrate', undefined, options, async () => {
      // #call has brought the schema up to date before handing out the connection.
    });
  }

  async put(record: TokenRecord, options?: StoreCallOptions): Promise<void> {
    validateRecord(record);
    const now = callNow(options);
    return this.#call('put', idKey(record.id), options, async (db) => {
      await this.#handingOverStaleHash(db, record, now, () => db.query(this.#sql.upsert, recordParams(record)));
    });
  }

  async get(id: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    requireString(id, 'id');
    return this.#batchedCall('get', idKey(id), options, () => this.#reads.byId.load(id));
  }

  async getByHash(hash: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    requireString(hash, 'hash');
    return this.#batchedCall('getByHash', hashKey(hash), options, () => this.#reads.byHash.load(hash));
  }

  async delete(id: string, options?: StoreCallOptions): Promise<boolean> {
    requireString(id, 'id');
    return this.#call('delete', idKey(id), options, async (db) => {
      const result = await db.query(this.#sql.delete, [stringKey(id)]);
      return (result.rowCount ?? 0) > 0;
    });
  }

  async list(filter: TokenFilter, page: TokenPage = {}, options?: StoreCallOptions): Promise<TokenPageResult> {
    validateFilter(filter);
    const limit = normalizeLimit(page?.limit);
    const after = page?.cursor === undefined ? undefined : decodeCursor(page.cursor);
    const now = callNow(options);
    return this.#call('list', undefined, options, async (db) => {
      const { sql, params } = filterCondition(filter, now);
      let where = sql;
      if (after !== undefined) {
        params.push(after.issuedAt, sortKey(after.id));
        where += ` AND (issued_at, id_sort) > ($${params.length - 1}, $${params.length})`;
      }
      params.push(limit + 1);
      const result = await db.query<TokenRow>(
        `SELECT ${READ_COLUMNS} FROM ${this.#tables.tokens} WHERE ${where} ORDER BY issued_at, id_sort LIMIT $${params.length}`,
        params,
      );
      return pageFromSorted(result.rows.map(rowToRecord), limit);
    });
  }

  async count(filter: TokenFilter, options?: StoreCallOptions): Promise<number> {
    validateFilter(filter);
    const now = callNow(options);
    return this.#call('count', undefined, options, async (db) => {
      const { sql, params } = filterCondition(filter, now);
      const result = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${this.#tables.tokens} WHERE ${sql}`, params);
      return Number(result.rows[0]?.n ?? 0);
    });
  }

  async revoke(id: string, reason?: string, options?: StoreCallOptions): Promise<RevokeResult> {
    requireString(id, 'id');
    if (reason !== undefined) requireString(reason, 'reason');
    const now = callNow(options);
    return this.#call('revoke', idKey(id), options, async (db) => {
      const key = stringKey(id);
      // One round trip: the UPDATE, and the row as it was before it.
      const { rows } = await db.query<{ updated: boolean; found: boolean; revoked_at: string | null }>({
        name: `${this.#tables.prefix}revoke`, text: this.#sql.revoke, values: [key, now, reasonParam(reason)],
      });
      const row = rows[0];
      if (row?.updated) return { revoked: true, revokedAt: now };
      if (!row?.found) return { revoked: false, reason: 'not_found' };
      if (row.revoked_at !== null) return { revoked: false, reason: 'already_revoked', revokedAt: Number(row.revoked_at) };
      // The statement's snapshot predates a concurrent revoke that won the row lock: read again.
      const again = await db.query<{ revoked_at: string | null }>(this.#sql.lookups.revoked.one, [key]);
      const current = again.rows[0];
      if (current === undefined) return { revoked: false, reason: 'not_found' };
      if (current.revoked_at === null) {
        throw new StorageError({ op: 'revoke', key: idKey(id), detail: 'record changed concurrently; retry' });
      }
      return { revoked: false, reason: 'already_revoked', revokedAt: Number(current.revoked_at) };
    });
  }

  async isRevoked(id: string, options?: StoreCallOptions): Promise<boolean> {
    requireString(id, 'id');
    return this.#batchedCall('isRevoked', idKey(id), options, async () => (await this.#reads.revoked.load(id)) === true);
  }

  async revokeWhere(filter: TokenFilter, reason?: string, options?: StoreCallOptions): Promise<number> {
    validateFilter(filter);
    if (reason !== undefined) requireString(reason, 'reason');
    const now = callNow(options);
    return this.#call('revokeWhere', filter.subject !== undefined ? idKey(filter.subject) : undefined, options, async (db) => {
      const params: unknown[] = [now, reasonParam(reason)];
      const { sql } = filterCondition(filter, now, params);
      const update = `UPDATE ${this.#tables.tokens} SET revoked_at = $1, revoked_reason = $2 WHERE revoked_at IS NULL AND ${sql}`;
      const cutoff = cutoffOf(filter);
      if (cutoff === undefined) {
        const result = await db.query(update, params);
        return result.rowCount ?? 0;
      }
      // Revoke-all of a subject or family is also one cutoff entry in the log, written by the
      // same statement (so in the same transaction) as the per-record revocations.
      params.push(ENTRY_KIND[cutoff.type], sortKey(cutoff.key));
      const kind = `$${params.length - 1}`;
      const key = `$${params.length}`;
      const { rows } = await db.query<{ n: string }>(
        `WITH upd AS (${update} RETURNING expires_at),
         ins AS (INSERT INTO ${this.#tables.revocationLog} (kind, key_sort, before, expires_at)
           SELECT ${kind}, ${key}, $1, GREATEST($1, COALESCE(max(expires_at), $1)) FROM upd)
         SELECT count(*) AS n, pg_notify('${revocationChannel(this.#tables.prefix)}', '') AS notified FROM upd`,
        params,
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  async addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, options?: StoreCallOptions): Promise<AddSessionResult> {
    validateRecord(record);
    validateSessionLimit(max, policy);
    const now = callNow(options);
    const started = Date.now();
    return this.#call('addSession', idKey(record.subject), options, async (db) => {
      // The lock wait may use what is left of this call's deadline, and at least a moment.
      const lockTimeoutMs = Math.max(50, Math.min(this.#timeoutMs - (Date.now() - started), 2 ** 31 - 1));
      const result = await this.#handingOverStaleHash(db, record, now, () => db.query<{ added: boolean; live: number; evicted: Buffer[] }>({
        name: `${this.#tables.prefix}add_session`,
        text: this.#sql.addSession,
        values: [
          SESSION_LOCK_CLASS, stringKey(record.subject).readInt32BE(0), Math.floor(lockTimeoutMs), now, max,
          policy === 'evict-oldest', JSON.stringify('session_limit'), ...recordParams(record),
        ],
      }));
      const row = result.rows[0];
      if (row === undefined) throw new StorageError({ op: 'addSession', key: idKey(record.subject), detail: 'add_session returned no row' });
      if (!row.added) return { added: false, reason: 'max_sessions_exceeded', live: row.live };
      return { added: true, evicted: row.evicted.map(fromSortKey) };
    });
  }

  async consume(hash: string, options?: StoreCallOptions): Promise<ConsumeResult> {
    requireString(hash, 'hash');
    const now = callNow(options);
    return this.#call('consume', hashKey(hash), options, async (db) => {
      const key = stringKey(hash);
      // The row lock of the UPDATE serialises racing callers: a loser re-checks `consumed_at IS
      // NULL` after the winner commits and updates nothing. The same statement returns the row
      // as it was, so a refusal costs no second round trip.
      const { rows } = await db.query<TokenRow & { won: boolean }>({
        name: `${this.#tables.prefix}consume`, text: this.#sql.consume, values: [key, now],
      });
      const row = rows[0];
      if (row === undefined) return { consumed: false, reason: 'not_found' };
      if (row.won) return { consumed: true, record: rowToRecord(row) };
      const refusal = consumeRefusal(rowToRecord(row), now);
      if (refusal !== undefined) return refusal;
      // The snapshot predates the winner's commit: read the row as it is now.
      const again = await db.query<TokenRow>({ name: `${this.#tables.prefix}by_hash`, text: this.#sql.lookups.by_hash.one, values: [key] });
      const current = again.rows[0];
      if (current === undefined) return { consumed: false, reason: 'not_found' };
      const late = consumeRefusal(rowToRecord(current), now);
      if (late === undefined) {
        throw new StorageError({ op: 'consume', key: hashKey(hash), detail: 'record changed concurrently; retry' });
      }
      return late;
    });
  }

  async cleanup(now?: number, options?: StoreCallOptions): Promise<number> {
    const at = cleanupTime(now, options);
    return this.#call('cleanup', undefined, options, async (db) => {
      const result = await db.query(`DELETE FROM ${this.#tables.tokens} WHERE expires_at <= $1`, [at - this.#retentionMs]);
      // Log entries matter no longer than the revocations they report.
      await db.query(`DELETE FROM ${this.#tables.revocationLog} WHERE expires_at <= $1`, [at - this.#retentionMs]);
      return result.rowCount ?? 0;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    if (this.#closePool) await this.#pool.end();
    else this.#pool.off('error', this.#onPoolError);
  }

  /**
   * Runs a write; when another record holds the hash but expired at or before `now` minus
   * retention (gone for every reader), deletes it and runs the write once more, handing the hash
   * over as the other backends do. Each statement runs on its own, so the failed one left nothing.
   */
  async #handingOverStaleHash<T>(db: PoolClient, record: TokenRecord, now: number, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (record.hash === undefined || !isHashConflict(err)) throw err;
      const freed = await db.query(`DELETE FROM ${this.#tables.tokens} WHERE hash_key = $1 AND id_key <> $2 AND expires_at <= $3`,
        [stringKey(record.hash), stringKey(record.id), now - this.#retentionMs]);
      if ((freed.rowCount ?? 0) === 0) throw err;
      return write();
    }
  }

  /** As {@link #call}, for reads that go through a coalescer, whose batch takes its own connection. */
  #batchedCall<T>(op: string, key: string, options: StoreCallOptions | undefined, load: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(op, this.backend));
    return runCall(op, key, this.#timeoutMs, options?.signal, async () => {
      // Also when a migration is under way: a call arriving meanwhile must wait for it.
      await this.#ensureSchema();
      return load();
    });
  }

  /**
   * Runs one call: closed check, schema, deadline, error translation, and one pooled connection
   * for the call. At the deadline the connection is destroyed rather than returned, so a hung
   * statement never holds a pool slot past its call.
   */
  #call<T>(
    op: string,
    key: string | undefined,
    options: StoreCallOptions | undefined,
    work: (db: PoolClient) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(op, this.backend));
    return runCall(op, key, this.#timeoutMs, options?.signal, async (ctx) => {
      // Also when a migration is under way: a call arriving meanwhile must wait for it.
      await this.#ensureSchema();
      return this.#connections.forCall(ctx, work);
    });
  }

  #ensureSchema(): Promise<void> {
    if (this.#ready === undefined) {
      const ready = (async () => {
        const connection = await this.#connections.checkout();
        try {
          await migratePostgres(connection.client, this.#tables);
          connection.release();
        } catch (err) {
          connection.release(asError(err));
          throw err;
        }
      })();
      this.#ready = ready;
      // A failed migration (server down) is retried by the next call.
      ready.catch(() => {
        if (this.#ready === ready) this.#ready = undefined;
      });
    }
    return this.#ready;
  }
}

function requireString(value: unknown, name: string): void {
  if (typeof value !== 'string') throw new StoreInputInvalid(`${name} must be a string`);
}

const reasonParam = (reason: string | undefined): string | null => (reason === undefined ? null : JSON.stringify(reason));
