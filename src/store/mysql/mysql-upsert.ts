/**
 * The write of one record for {@link MySqlTokenStore} (`put`, and the insert of `addSession`).
 */
import type { PoolConnection, ResultSetHeader } from 'mysql2/promise';
import { StorageError, StoreConflict } from '../../jose/errors.js';
import { isDuplicateKey } from './mysql-call.js';
import { RECORD_COLUMNS, recordParams } from './mysql-row.js';
import { idKey } from '../record-codec.js';
import type { TokenRecord } from '../types.js';

const INSERT_COLUMNS = RECORD_COLUMNS.join(', ');
const INSERT_VALUES = RECORD_COLUMNS.map(() => '?').join(', ');
// Everything but the key columns (id_digest, id), which select the row. Revocation and
// consumption are one-way: a new version of a stored record keeps them. MySQL evaluates SET
// assignments left to right, each seeing the ones before, so revoked_reason is decided before
// revoked_at changes.
const KEPT_LIFECYCLE: Record<string, string> = {
  revoked_reason: 'IF(revoked_at IS NULL, ?, revoked_reason)',
  revoked_at: 'COALESCE(revoked_at, ?)',
  consumed_at: 'COALESCE(consumed_at, ?)',
};
const UPDATE_COLUMNS = ['revoked_reason', ...RECORD_COLUMNS.slice(2).filter((c) => c !== 'revoked_reason')];
const UPDATE_ASSIGNMENTS = UPDATE_COLUMNS.map((c) => `${c} = ${KEPT_LIFECYCLE[c] ?? '?'}`).join(', ');
const UPDATE_PARAM_INDEX = UPDATE_COLUMNS.map((c) => (RECORD_COLUMNS as readonly string[]).indexOf(c));

function hashTaken(): StoreConflict {
  return new StoreConflict('another record already has this token hash');
}

/**
 * Inserts `record` into `table`, or replaces the row with the same id; a hash owned by another
 * id is a {@link StoreConflict}, unless that record expired at or before `staleBefore` (now minus
 * retention): it is gone for every reader, so it is deleted and the hash handed over, as the
 * other backends do. Not `INSERT ... ON DUPLICATE KEY UPDATE`: with two unique keys that would
 * overwrite whichever row owns the hash. New records (the common case) cost one statement.
 * `encoded` is the record's JSON document without its lifecycle fields.
 */
export async function upsertRecord(conn: PoolConnection, table: string, record: TokenRecord, encoded: string, staleBefore: number): Promise<void> {
  const params = recordParams(record, encoded);
  try {
    await writeRecord(conn, table, record, params);
  } catch (err) {
    if (!(err instanceof StoreConflict) || record.hash === undefined) throw err;
    // The unique key is hash_digest alone, so the row that blocks is the one with that digest.
    const [freed] = await conn.execute<ResultSetHeader>(
      `DELETE FROM ${table} WHERE NOT (id_digest = ? AND id = ?) AND hash_digest = ? AND expires_at <= ?`,
      [...params.slice(0, 3), staleBefore]);
    if (freed.affectedRows === 0) throw err;
    await writeRecord(conn, table, record, params);
  }
}

async function writeRecord(conn: PoolConnection, table: string, record: TokenRecord, params: ReturnType<typeof recordParams>): Promise<void> {
  try {
    await conn.execute(`INSERT INTO ${table} (${INSERT_COLUMNS}) VALUES (${INSERT_VALUES})`, params);
    return;
  } catch (err) {
    if (isDuplicateKey(err, 'hash_digest')) throw hashTaken();
    if (!isDuplicateKey(err, 'PRIMARY')) throw err;
  }
  try {
    const [result] = await conn.execute<ResultSetHeader>(
      `UPDATE ${table} SET ${UPDATE_ASSIGNMENTS} WHERE id_digest = ? AND id = ?`,
      [...UPDATE_PARAM_INDEX.map((i) => params[i] ?? null), ...params.slice(0, 2)]);
    if (result.affectedRows === 0) {
      // Only a SHA-256 collision between two different ids (or a concurrent delete) gets here.
      throw new StorageError({ op: 'put', key: idKey(record.id), detail: 'record changed concurrently; retry' });
    }
  } catch (err) {
    if (isDuplicateKey(err, 'hash_digest')) throw hashTaken();
    throw err;
  }
}
