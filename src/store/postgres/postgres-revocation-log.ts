/**
 * Reading PostgreSQL's revocation log (migration 4) in commit order, for the revocation feed.
 *
 * A log ordered by a sequence would not do: sequence values commit out of order (a transaction
 * that took position 10 can commit after one that took 11), so a reader that kept "the last
 * position I saw" would skip 10 for ever. So the cursor is a transaction horizon instead: the `xmin` of the
 * reading statement's own snapshot, below which every transaction has finished (committed or
 * rolled back). A read returns every visible row with `tx >= cursor`, and the next cursor is that
 * `xmin`: rows of transactions still running are at or above it and will be read once they
 * commit. Rows of finished transactions above `xmin` are returned again by the next read, which is
 * harmless (entries are idempotent) and bounded by how long the oldest running transaction lasts.
 */
import type { ClientBase } from 'pg';
import { entryFromParts, type RevocationEntry } from '../revocation-log.js';
import { fromSortKey } from './postgres-row.js';
import { revocationChannel, tableNames } from './postgres-schema.js';

/** One read of the log: the entries and the cursor to pass next time. */
export interface PostgresLogRead {
  entries: RevocationEntry[];
  /** Every transaction below this id has finished; pass it as the next `cursor`. */
  cursor: string;
}

/** The NOTIFY channel and log table of a store's table prefix (default `cjwt_`). */
export function postgresRevocationLog(prefix = 'cjwt_'): { channel: string; table: string } {
  const tables = tableNames(prefix);
  return { channel: revocationChannel(tables.prefix), table: tables.revocationLog };
}

/**
 * Reads the log from `cursor` (`'0'` for everything) in one statement, whose single snapshot
 * both selects the rows and yields the next cursor.
 */
export async function readPostgresRevocationLog(client: ClientBase, prefix: string, cursor: string): Promise<PostgresLogRead> {
  const { table } = postgresRevocationLog(prefix);
  const { rows } = await client.query<{ horizon: string; kind: string | null; key_sort: Buffer | null; before: string; expires_at: string }>(
    `SELECT h.horizon::text AS horizon, l.kind, l.key_sort, l.before, l.expires_at
       FROM (SELECT txid_snapshot_xmin(txid_current_snapshot()) AS horizon) h
       LEFT JOIN ${table} l ON l.tx >= $1::bigint
      ORDER BY l.tx`,
    [cursor],
  );
  const entries: RevocationEntry[] = [];
  for (const row of rows) {
    if (row.kind === null || row.key_sort === null) continue;
    const entry = entryFromParts(row.kind, fromSortKey(row.key_sort), Number(row.before), Number(row.expires_at));
    if (entry !== undefined) entries.push(entry);
  }
  return { entries, cursor: rows[0]?.horizon ?? cursor };
}
