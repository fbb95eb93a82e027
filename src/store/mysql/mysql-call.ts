/**
 * Call plumbing specific to {@link MySqlTokenStore}. The shared `runStoreCall` settles a call at
 * its deadline but cannot stop the I/O; a MySQL transaction must also be stopped, or it would
 * keep its row locks until the server notices. {@link withDeadline} therefore hands the work an
 * AbortSignal that fires at the deadline, so it can destroy the connection (the server then
 * rolls back and releases the locks).
 */
import type { ExecuteValues, Pool, PoolConnection, QueryResult } from 'mysql2/promise';
import { runStoreCall } from '../record-codec.js';

/** Driver errors whose documented remedy is to retry the whole transaction. */
export function isRetryableTransactionError(err: unknown): boolean {
  const errno = (err as { errno?: unknown } | null)?.errno;
  return errno === 1213 /* ER_LOCK_DEADLOCK */ || errno === 1205 /* ER_LOCK_WAIT_TIMEOUT */;
}

/** True for MySQL's duplicate-key error, optionally on the named index. */
export function isDuplicateKey(err: unknown, index?: string): boolean {
  const e = err as { errno?: unknown; message?: unknown } | null;
  if (e?.errno !== 1062) return false;
  if (index === undefined) return true;
  // MariaDB says "for key 'hash_digest'", MySQL 8 "for key 'table.hash_digest'".
  const message = typeof e.message === 'string' ? e.message : '';
  return message.endsWith(`'${index}'`) || message.endsWith(`.${index}'`);
}

/**
 * Runs `work` under the caller's signal, or under `timeoutMs` when there is none, with the
 * shared `runStoreCall` (which also wraps failures with `toStorageError`). `work` gets a signal
 * that fires, with the call's StorageError as reason, when the call fails; if `work` is still
 * running (deadline or caller abort) it frees what it holds, and after `work` ended nothing listens.
 */
export function withDeadline<T>(
  op: string, key: string | undefined, signal: AbortSignal | undefined, timeoutMs: number,
  work: (abort: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  return runStoreCall(op, key, signal === undefined ? undefined : { signal }, timeoutMs, () => work(controller.signal))
    .catch((err: unknown) => {
      controller.abort(err);
      throw err;
    });
}

// BLOB columns sort on their first max_sort_length bytes only (default 1024). 64 KiB keeps ids up
// to that size in exact order while the default 2 MiB sort buffer still fits a page; larger
// values make the server fail the sort (ER_OUT_OF_SORTMEMORY).
const SORT_LENGTH = 64 * 1024;
const MAX_TX_ATTEMPTS = 5;

/**
 * Runs `fn` on one connection of `pool`, prepared once per connection (tracked in `prepared`)
 * for exact BLOB ordering. When `abort` fires mid-call the connection is destroyed, never
 * returned: closing the socket makes the server roll back and drop any locks it held, and a hung
 * statement cannot block the next caller.
 */
export async function withPooledConnection<T>(pool: Pool, abort: AbortSignal, prepared: WeakSet<object>,
  fn: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  if (abort.aborted) {
    // The call gave up while waiting for a free connection; the connection itself is fine.
    conn.release();
    throw abort.reason;
  }
  let broken = false;
  const onAbort = (): void => {
    broken = true;
    conn.destroy();
  };
  abort.addEventListener('abort', onAbort, { once: true });
  try {
    const core = (conn as unknown as { connection: object }).connection;
    if (!prepared.has(core)) {
      await conn.query(`SET SESSION max_sort_length = ${SORT_LENGTH}`);
      prepared.add(core);
    }
    return await fn(conn);
  } catch (err) {
    if ((err as { fatal?: unknown } | null)?.fatal === true && !broken) {
      broken = true;
      conn.destroy();
    }
    throw err;
  } finally {
    abort.removeEventListener('abort', onAbort);
    if (!broken) conn.release();
  }
}

/**
 * One autocommit statement, retried when InnoDB chose it as a deadlock victim (or its lock wait
 * timed out): the server rolled the statement back, so running it again is the documented remedy,
 * and nothing of it took effect. Row locks taken by the revocation log's triggers make such
 * deadlocks possible between a consume and a concurrent family revocation.
 */
export async function executeRetrying<T extends QueryResult>(conn: PoolConnection, abort: AbortSignal, sql: string, params: ExecuteValues): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const [result] = await conn.execute<T>(sql, params);
      return result;
    } catch (err) {
      if (attempt >= MAX_TX_ATTEMPTS || abort.aborted || !isRetryableTransactionError(err)) throw err;
    }
  }
}

/**
 * `START TRANSACTION` ... `COMMIT` around `fn` on `conn`; a result with `added: false` or a throw
 * rolls back. Deadlocks and lock-wait timeouts retry the whole transaction a few times.
 */
export async function inTransaction<T extends { added: boolean }>(conn: PoolConnection, abort: AbortSignal,
  fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await conn.query('START TRANSACTION');
    try {
      const result = await fn();
      await conn.query(result.added ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      if (attempt >= MAX_TX_ATTEMPTS || abort.aborted || !isRetryableTransactionError(err)) throw err;
    }
  }
}
