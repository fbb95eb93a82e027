/**
 * Reading MySQL's revocation log (migration 2) for the revocation feed.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { entryFromParts } from '../revocation-log.js';
import type { PositionedEntry } from '../positioned-log.js';
import { mysqlTables } from './mysql-schema.js';

/** Up to `limit` log rows after `position`, in position order, for the tables of `prefix`. */
export async function readMySqlRevocationLog(conn: Connection, prefix: string, position: number, limit: number): Promise<PositionedEntry[]> {
  // A timeout, so a connection that went silent fails the read instead of hanging it.
  const [rows] = await conn.query<RowDataPacket[]>({
    sql: `SELECT position, kind, entry_key, before_at, expires_at FROM ${mysqlTables(prefix).revocationLog}
      WHERE position > ? ORDER BY position LIMIT ?`,
    values: [position, limit],
    timeout: 5000,
  });
  return rows.map((r) => ({
    position: Number(r.position),
    entry: entryFromParts(String(r.kind), (r.entry_key as Buffer).toString('utf8'), Number(r.before_at), Number(r.expires_at)),
  }));
}
