/**
 * The session-limited insert of {@link MySqlTokenStore.addSession}: counting a subject's live
 * sessions, evicting or refusing at the limit, and writing the new record, all in one
 * transaction under a per-subject lock row.
 */
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { sessionsToEvict } from '../record-codec.js';
import type { AddSessionResult, SessionLimitPolicy, TokenRecord } from '../types.js';
import { revokeDigests } from './mysql-bulk.js';
import { bytes, digest, exactKey, text } from './mysql-row.js';
import type { mysqlTables } from './mysql-schema.js';
import { upsertRecord } from './mysql-upsert.js';

/**
 * Adds `record` (its JSON document without lifecycle fields is `encoded`) as one of its
 * subject's at most `max` live sessions of its kind at `now`, following `policy` at the limit;
 * a hash held by a record expired at or before `staleBefore` is handed over. Runs inside the
 * caller's transaction on `conn`; a result with `added: false` is meant to be rolled back.
 */
export async function addSessionInTransaction(conn: PoolConnection, tables: ReturnType<typeof mysqlTables>, record: TokenRecord,
  encoded: string, max: number, policy: SessionLimitPolicy, now: number, staleBefore: number): Promise<AddSessionResult> {
  const [subjectDigest, subject] = exactKey(record.subject);
  // The subject's lock row serialises concurrent addSession calls for that subject across
  // processes; it is held until COMMIT/ROLLBACK.
  await conn.execute(
    `INSERT INTO ${tables.sessionLocks} (subject_digest) VALUES (?) ON DUPLICATE KEY UPDATE subject_digest = subject_digest`,
    [subjectDigest]);
  // A locking read sees every commit made before we got the lock, whatever the snapshot.
  const [rows] = await conn.execute<RowDataPacket[]>(
    `SELECT id, issued_at FROM ${tables.tokens} WHERE subject_digest = ? AND subject = ? AND kind = ?
       AND revoked_at IS NULL AND expires_at > ? AND id_digest <> ? FOR UPDATE`,
    [subjectDigest, subject, bytes(record.kind), now, digest(record.id)]);
  const live = rows.map((row) => ({ id: text(row.id as Buffer | string), issuedAt: Number(row.issued_at) }));
  const evicted: string[] = [];
  if (live.length >= max) {
    if (policy === 'reject') return { added: false, reason: 'max_sessions_exceeded', live: live.length };
    for (const session of sessionsToEvict(live, max)) evicted.push(session.id);
    await revokeDigests(conn, tables.tokens, evicted.map(digest), now, bytes('session_limit'));
  }
  await upsertRecord(conn, tables.tokens, record, encoded, staleBefore);
  return { added: true, evicted };
}
