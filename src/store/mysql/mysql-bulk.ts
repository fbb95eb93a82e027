/**
 * Multi-row statements of {@link MySqlTokenStore}, each run in bounded batches so one statement
 * neither returns a huge result nor holds locks on a large part of the table: keyset scans of
 * the rows a filter selects, revocation of many records by id digest, and deletion of expired rows.
 */
import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import type { KeysetPosition } from '../record-codec.js';
import type { TokenRecord } from '../types.js';
import { READ_COLUMNS, bytes, rowToRecord, type SqlCondition, type TokenRowPacket } from './mysql-row.js';

/** Rows per batch of a scan that filters in JavaScript (a condition that is not exact). */
export const SCAN_BATCH = 500;
const IN_CHUNK = 64;
const CLEANUP_BATCH = 5000;

/**
 * Scans the rows of `table` matching `condition` in (issued_at, id) order, after `start` when
 * given, `batch` rows per statement, until `abort` fires; `visit` returns false to stop.
 */
export async function scanRows(conn: PoolConnection, abort: AbortSignal, table: string, condition: SqlCondition,
  start: KeysetPosition | undefined, batch: number, visit: (record: TokenRecord) => boolean): Promise<void> {
  let after = start;
  while (!abort.aborted) {
    const keyset = after === undefined ? '' : ' AND (issued_at > ? OR (issued_at = ? AND id > ?))';
    const params = after === undefined ? condition.params : [...condition.params, after.issuedAt, after.issuedAt, bytes(after.id)];
    const [rows] = await conn.execute<TokenRowPacket[]>(
      `SELECT ${READ_COLUMNS} FROM ${table} WHERE ${condition.sql}${keyset}
       ORDER BY issued_at, id LIMIT ${batch}`, params);
    for (const row of rows) {
      const record = rowToRecord(row);
      if (!visit(record)) return;
      after = { issuedAt: record.issuedAt, id: record.id };
    }
    if (rows.length < batch) return;
  }
}

/**
 * Revokes the unrevoked records of `table` whose id digests are `digests`, at `now` with
 * `reason` (already encoded); resolves to how many it revoked.
 */
export async function revokeDigests(conn: PoolConnection, table: string, digests: Buffer[], now: number,
  reason: Buffer | null): Promise<number> {
  let revoked = 0;
  for (let i = 0; i < digests.length; i += IN_CHUNK) {
    const chunk = digests.slice(i, i + IN_CHUNK);
    // Padded to a fixed width so the server keeps one prepared statement, not one per length.
    while (chunk.length < IN_CHUNK) chunk.push(chunk[0] as Buffer);
    const [result] = await conn.execute<ResultSetHeader>(
      `UPDATE ${table} SET revoked_at = ?, revoked_reason = ?
       WHERE id_digest IN (${chunk.map(() => '?').join(', ')}) AND revoked_at IS NULL`,
      [now, reason, ...chunk]);
    revoked += result.affectedRows;
  }
  return revoked;
}

/**
 * Deletes the rows of `table` (tokens or revocation log) that expired at or before `cutoff`,
 * until none is left or `abort` fires; resolves to how many it deleted.
 */
export async function deleteExpired(conn: PoolConnection, abort: AbortSignal, table: string, cutoff: number): Promise<number> {
  let removed = 0;
  // Batches keep each statement's lock footprint small on a large table.
  while (!abort.aborted) {
    const [result] = await conn.execute<ResultSetHeader>(
      `DELETE FROM ${table} WHERE expires_at <= ? LIMIT ${CLEANUP_BATCH}`, [cutoff]);
    removed += result.affectedRows;
    if (result.affectedRows < CLEANUP_BATCH) break;
  }
  return removed;
}
