/**
 * The PostgreSQL store's fixed SQL: the upsert, point reads (one key, or a batch with `= ANY`),
 * revocation, session insert (a server function, see postgres-schema.ts) and consume.
 */
import { READ_COLUMNS, RECORD_COLUMNS, upsertSetList } from './postgres-row.js';
import type { PostgresTableNames } from './postgres-schema.js';

/** The store's fixed SQL, built once per table prefix. */
export interface PostgresStatements {
  upsert: string;
  /** Point reads: `one` takes a key digest, `many` an array of them and returns it as `k`. */
  lookups: Record<'by_id' | 'by_hash' | 'revoked', { one: string; many: string }>;
  delete: string;
  revoke: string;
  addSession: string;
  consume: string;
}

/** The statements of the tables named `tables`. */
export function buildStatements(tables: PostgresTableNames): PostgresStatements {
  const t = tables.tokens;
  const cols = RECORD_COLUMNS.join(', ');
  const values = RECORD_COLUMNS.map((c, i) => (c === 'tags' || c === 'labels' ? `$${i + 1}::jsonb` : `$${i + 1}`)).join(', ');
  return {
    upsert: `INSERT INTO ${t} AS t (${cols}) VALUES (${values}) ON CONFLICT (id_key) DO UPDATE SET ${upsertSetList('t')}`,
    lookups: {
      by_id: {
        one: `SELECT ${READ_COLUMNS} FROM ${t} WHERE id_key = $1`,
        many: `SELECT id_key AS k, ${READ_COLUMNS} FROM ${t} WHERE id_key = ANY($1::bytea[])`,
      },
      by_hash: {
        one: `SELECT ${READ_COLUMNS} FROM ${t} WHERE hash_key = $1`,
        many: `SELECT hash_key AS k, ${READ_COLUMNS} FROM ${t} WHERE hash_key = ANY($1::bytea[])`,
      },
      revoked: {
        one: `SELECT revoked_at FROM ${t} WHERE id_key = $1`,
        many: `SELECT id_key AS k, revoked_at FROM ${t} WHERE id_key = ANY($1::bytea[])`,
      },
    },
    delete: `DELETE FROM ${t} WHERE id_key = $1`,
    // The outer SELECT reads the statement's snapshot, i.e. the row before the UPDATE.
    revoke: `WITH upd AS (
        UPDATE ${t} SET revoked_at = $2, revoked_reason = $3 WHERE id_key = $1 AND revoked_at IS NULL RETURNING 1
      )
      SELECT EXISTS (SELECT 1 FROM upd) AS updated, EXISTS (SELECT 1 FROM ${t} WHERE id_key = $1) AS found,
        (SELECT revoked_at FROM ${t} WHERE id_key = $1) AS revoked_at`,
    addSession: `SELECT added, live, evicted FROM "${tables.prefix}add_session"(
      $1::int4, $2::int4, $3::int4, $4::bigint, $5::int4, $6::boolean, $7::text, $8::bytea, $9::bytea, $10::bytea,
      $11::bytea, $12::bytea, $13::bytea, $14::bytea, $15::bytea, $16::bigint, $17::bigint, $18::bigint, $19::text,
      $20::bigint, $21::jsonb, $22::jsonb, $23::text)`,
    consume: `WITH upd AS (
        UPDATE ${t} SET consumed_at = $2
        WHERE hash_key = $1 AND consumed_at IS NULL AND revoked_at IS NULL AND expires_at > $2
        RETURNING ${READ_COLUMNS}
      )
      SELECT true AS won, ${READ_COLUMNS} FROM upd
      UNION ALL
      SELECT false AS won, ${READ_COLUMNS} FROM ${t} WHERE hash_key = $1 AND NOT EXISTS (SELECT 1 FROM upd)`,
  };
}
