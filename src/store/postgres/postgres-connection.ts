/**
 * Pooled connections of {@link PostgresTokenStore}: opening the pool (the only place the pg
 * driver is imported, so it stays an optional dependency), checking a connection out (READ COMMITTED, with an
 * `error` listener for its whole life), holding it for one call, and deciding whether a failed
 * statement left it fit to return to the pool.
 */
import type { Pool, PoolClient, PoolConfig } from 'pg';
import type * as PgModule from 'pg';
import { CjwtError, StorageError } from '../../jose/errors.js';
import type { CallContext } from './postgres-call.js';

/**
 * Imports pg and opens a pool on `url` (`postgres://user:pass@host:port/db?...`) with
 * `poolOptions`; connection, statement and query timeouts not set there follow `timeoutMs`.
 * Rejects with StorageError when the pg package is not installed.
 */
export async function openPool(url: string, poolOptions: PoolConfig | undefined, timeoutMs: number): Promise<Pool> {
  let pg: typeof PgModule;
  try {
    pg = (await import('pg')).default as unknown as typeof PgModule;
  } catch (err) {
    throw new StorageError({ op: 'connect', detail: 'the pg package is not installed (npm install pg)', cause: err });
  }
  return new pg.Pool({
    max: 10,
    idleTimeoutMillis: 30_000,
    ...poolOptions,
    connectionString: url,
    connectionTimeoutMillis: poolOptions?.connectionTimeoutMillis ?? timeoutMs,
    statement_timeout: poolOptions?.statement_timeout ?? timeoutMs,
    query_timeout: poolOptions?.query_timeout ?? timeoutMs + 1000,
    idle_in_transaction_session_timeout: poolOptions?.idle_in_transaction_session_timeout ?? timeoutMs * 2,
    application_name: poolOptions?.application_name ?? 'cjwt',
  });
}

/** A connection checked out for one call. */
export interface CheckedOut {
  client: PoolClient;
  /** Returns the connection, or destroys it when `err` is given. Releasing twice is harmless. */
  release(err?: Error): void;
}

/** The `error` listener every checked-out connection keeps for good (see {@link PostgresConnections.checkout}). */
const ignoreConnectionError = (): void => {};

/** `err` as an Error, for `release(err)`, which destroys the connection. */
export const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * True when a failed statement left its connection usable: a plain SQL error (constraint,
 * statement or lock timeout). Every call runs autocommit statements, so none leaves a
 * transaction open. Connection and shutdown errors (SQLSTATE classes 08 and 57P) and anything
 * else discard the connection.
 */
export function keepsConnection(err: unknown): boolean {
  if (err instanceof CjwtError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57P');
}

/** Hands out the store's pooled connections, each prepared once for the store's statements. */
export class PostgresConnections {
  readonly #pool: Pool;
  /** Connections already switched to READ COMMITTED (see {@link PostgresConnections.checkout}). */
  readonly #readCommitted = new WeakSet<PoolClient>();

  /** Connections come from `pool`; the caller keeps owning (and ends) the pool. */
  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /**
   * Checks a connection out of the pool. While checked out, pg-pool no longer listens for the
   * connection's `error` event, and an unheard `error` (server gone between two statements, or
   * while a connection released with an error is still being torn down) would crash the
   * process: every connection gets a listener of ours for its whole life. Releasing twice is
   * harmless, so the deadline and the finishing work may both release.
   *
   * Each connection is switched to READ COMMITTED once: add_session counts a subject's sessions
   * after waiting for its advisory lock, which is only correct when that count takes a fresh
   * snapshot. A database or role defaulting to REPEATABLE READ (or SERIALIZABLE) would take the
   * snapshot before the wait and miss sessions other processes just committed.
   */
  async checkout(): Promise<CheckedOut> {
    const client = await this.#pool.connect();
    if (!this.#readCommitted.has(client)) {
      // The statement in flight, or the next one, rejects and the call reports StorageError.
      client.on('error', ignoreConnectionError);
      try {
        await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED');
      } catch (err) {
        client.release(asError(err));
        throw err;
      }
      this.#readCommitted.add(client);
    }
    let released = false;
    return {
      client,
      release: (err?: Error) => {
        if (released) return;
        released = true;
        // With an error the pool destroys the connection (pg ends even a busy socket at once).
        client.release(err);
      },
    };
  }

  /**
   * Runs `work` on one checked-out connection for the call `ctx`. When the call is cancelled
   * (deadline or caller abort) the connection is destroyed rather than returned, so a hung
   * statement never holds a pool slot past its call.
   */
  async forCall<T>(ctx: CallContext, work: (db: PoolClient) => Promise<T>): Promise<T> {
    const connection = await this.checkout();
    if (ctx.cancelled) {
      connection.release();
      throw new Error('call ended while waiting for a connection');
    }
    ctx.onCancel = () => connection.release(new Error('call deadline passed'));
    try {
      const result = await work(connection.client);
      connection.release();
      return result;
    } catch (err) {
      connection.release(keepsConnection(err) ? undefined : asError(err));
      throw err;
    } finally {
      ctx.onCancel = undefined;
    }
  }
}
