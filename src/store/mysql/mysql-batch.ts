/**
 * Batched point reads of {@link MySqlTokenStore} (get, getByHash, isRevoked): concurrent reads
 * by id, or by token hash, are coalesced into one `IN (...)` query on one connection.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import { ReadCoalescer } from '../read-coalescer.js';
import { withPooledConnection } from './mysql-call.js';
import { READ_COLUMNS, digest, type TokenRowPacket } from './mysql-row.js';

/** The store's point reads, each batched into one query per connection when they overlap. */
export class MySqlPointReads {
  readonly #pool: Pool;
  readonly #table: string;
  readonly #timeoutMs: number;
  readonly #sessionReady: WeakSet<object>;
  readonly #ensureSchema: (conn: PoolConnection) => Promise<void>;
  /** Rows by id. */
  readonly byId = new ReadCoalescer<string, TokenRowPacket | undefined>((ids) => this.#selectMany('id', ids));
  /** Rows by token hash. */
  readonly byHash = new ReadCoalescer<string, TokenRowPacket | undefined>((hashes) => this.#selectMany('hash', hashes));

  /**
   * Reads `table` on connections of `pool` (prepared as tracked in `sessionReady`, the schema
   * brought up to date by `ensureSchema`); each batch ends after `timeoutMs` at the latest.
   */
  constructor(pool: Pool, table: string, timeoutMs: number, sessionReady: WeakSet<object>,
    ensureSchema: (conn: PoolConnection) => Promise<void>) {
    this.#pool = pool;
    this.#table = table;
    this.#timeoutMs = timeoutMs;
    this.#sessionReady = sessionReady;
    this.#ensureSchema = ensureSchema;
  }

  /**
   * Rows for `keys` (ids or token hashes) in one query on one connection; one entry per key, in
   * order. The digest index finds the candidates and the full value decides, as in the
   * single-key statement. The IN list is padded to a power of two (repeating a key) so the
   * server keeps a handful of prepared statements, not one per batch size. The batch serves
   * several callers, so its own deadline, not any caller's, may end it.
   */
  async #selectMany(by: 'id' | 'hash', keys: string[]): Promise<Array<TokenRowPacket | undefined>> {
    const width = keys.length === 1 ? 1 : 2 ** Math.ceil(Math.log2(keys.length));
    const digests = keys.map(digest);
    while (digests.length < width) digests.push(digests[0] as Buffer);
    const where = width === 1 ? `${by}_digest = ?` : `${by}_digest IN (${digests.map(() => '?').join(', ')})`;
    const [rows] = await withPooledConnection(this.#pool, AbortSignal.timeout(this.#timeoutMs), this.#sessionReady, async (conn) => {
      await this.#ensureSchema(conn);
      return conn.execute<Array<TokenRowPacket & { k: Buffer | string }>>(
        `SELECT ${by} AS k, ${READ_COLUMNS} FROM ${this.#table} WHERE ${where}`, digests);
    });
    const found = new Map<string, TokenRowPacket>();
    for (const row of rows) found.set(typeof row.k === 'string' ? row.k : row.k.toString('utf8'), row);
    return keys.map((key) => found.get(key));
  }
}
