/**
 * Batched point reads of {@link PostgresTokenStore} (get, getByHash, isRevoked): concurrent reads
 * of one kind are coalesced into one `= ANY($1)` query on one connection.
 */
import type { TokenRecord } from '../types.js';
import { ReadCoalescer } from '../read-coalescer.js';
import { asError, keepsConnection, type PostgresConnections } from './postgres-connection.js';
import { rowToRecord, stringKey } from './postgres-row.js';
import type { PostgresStatements } from './postgres-statements.js';

/** The store's point reads, each batched into one query per connection when they overlap. */
export class PostgresPointReads {
  readonly #connections: PostgresConnections;
  readonly #sql: PostgresStatements;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  /** Records by token hash. */
  readonly byHash = new ReadCoalescer<string, TokenRecord | undefined>(
    (hashes) => this.#selectMany('by_hash', hashes, rowToRecord));
  /** Records by id. */
  readonly byId = new ReadCoalescer<string, TokenRecord | undefined>(
    (ids) => this.#selectMany('by_id', ids, rowToRecord));
  /** Whether the record with an id is revoked (undefined: no such record). */
  readonly revoked = new ReadCoalescer<string, boolean | undefined>(
    (ids) => this.#selectMany('revoked', ids, (row: { revoked_at: string | null }) => row.revoked_at !== null));

  /**
   * Reads run `sql`'s lookups on connections from `connections`, as statements named after the
   * table `prefix`; each batch ends after `timeoutMs` at the latest.
   */
  constructor(connections: PostgresConnections, sql: PostgresStatements, prefix: string, timeoutMs: number) {
    this.#connections = connections;
    this.#sql = sql;
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Rows for `keys` (ids or token hashes, as the lookup says) in one query on one connection,
   * turned into values by `fromRow`; one entry per key, in order, undefined where no row. A lone
   * key uses the plain `=` statement: binding an array costs more than it saves. The batch
   * serves several callers, so no single caller's deadline may end it; it has its own, after
   * which its connection is destroyed, so a hung server cannot keep pool connections forever.
   */
  async #selectMany<R, T>(lookup: keyof PostgresStatements['lookups'], keys: string[], fromRow: (row: R) => T): Promise<Array<T | undefined>> {
    const one = keys.length === 1;
    const statement = this.#sql.lookups[lookup];
    const digests = keys.map(stringKey);
    const connection = await this.#connections.checkout();
    const deadline = setTimeout(() => connection.release(new Error('batch deadline passed')), this.#timeoutMs);
    let rows: Array<R & { k: Buffer }>;
    try {
      rows = (await connection.client.query<R & { k: Buffer }>({
        name: `${this.#prefix}${lookup}${one ? '' : '_many'}`,
        text: one ? statement.one : statement.many,
        values: [one ? digests[0] : digests],
      })).rows;
      connection.release();
    } catch (err) {
      connection.release(keepsConnection(err) ? undefined : asError(err));
      throw err;
    } finally {
      clearTimeout(deadline);
    }
    if (one) return [rows[0] === undefined ? undefined : fromRow(rows[0])];
    const found = new Map<string, T>();
    for (const row of rows) found.set(row.k.toString('latin1'), fromRow(row));
    return digests.map((key) => found.get(key.toString('latin1')));
  }
}
