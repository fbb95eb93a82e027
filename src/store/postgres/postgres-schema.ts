/**
 * Versioned schema of {@link PostgresTokenStore}. Migrations are applied in one transaction
 * under a transaction-scoped advisory lock, so processes starting together neither race on
 * `CREATE TABLE` nor apply a step twice; each applied version is recorded in
 * `<prefix>schema_migrations`.
 */
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { StoreInputInvalid } from '../../jose/errors.js';

/** One schema step; `sql` receives the quoted table names. */
export interface PostgresMigration {
  version: number;
  name: string;
  sql(tables: PostgresTableNames): string[];
}

/** Quoted identifiers of the store's tables. */
export interface PostgresTableNames {
  tokens: string;
  migrations: string;
  /** Unquoted prefix, for index names. */
  prefix: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

/**
 * Table names for a prefix (default `cjwt_`). The prefix is an identifier, never a value, so it
 * is validated rather than bound.
 */
export function tableNames(prefix = 'cjwt_'): PostgresTableNames {
  if (typeof prefix !== 'string' || !IDENTIFIER.test(prefix)) throw new StoreInputInvalid('tablePrefix must match /^[a-z_][a-z0-9_]{0,40}$/');
  return { tokens: `"${prefix}tokens"`, migrations: `"${prefix}schema_migrations"`, prefix };
}

/**
 * The add_session function: addSession in one statement. The subject's advisory lock is taken
 * and released inside the server, never held across a network round trip, so racing sessions of
 * one subject serialise at server speed. A VOLATILE plpgsql function takes a fresh snapshot per
 * statement, so the count after the lock sees every session committed before it. lock_timeout
 * bounds the wait by the caller's deadline: a call that gave up cannot commit long after.
 * `setList` is what an insert over an existing id updates. Versions 2 and 3 are built from this
 * text and their own frozen SET lists: never edit either; a change is a new version.
 */
function addSessionFunction({ tokens, prefix }: PostgresTableNames, replace: boolean, setList: string): string {
  return `CREATE ${replace ? 'OR REPLACE ' : ''}FUNCTION "${prefix}add_session"(
        p_lock_class int4, p_lock_key int4, p_lock_timeout_ms int4, p_now bigint, p_max int4, p_evict boolean,
        p_reason text, p_id_key bytea, p_id_sort bytea, p_hash_key bytea, p_kind_key bytea, p_subject_key bytea,
        p_client_key bytea, p_family_key bytea, p_device_key bytea, p_issued_at bigint, p_expires_at bigint,
        p_revoked_at bigint, p_revoked_reason text, p_consumed_at bigint, p_tags jsonb, p_labels jsonb, p_doc text)
      RETURNS TABLE (added boolean, live integer, evicted bytea[])
      LANGUAGE plpgsql VOLATILE AS $fn$
      DECLARE
        v_keys bytea[];
        v_sorts bytea[];
        v_count integer;
        v_excess integer;
      BEGIN
        PERFORM set_config('lock_timeout', p_lock_timeout_ms::text || 'ms', true);
        PERFORM pg_advisory_xact_lock(p_lock_class, p_lock_key);
        SELECT coalesce(array_agg(t.id_key ORDER BY t.issued_at, t.id_sort), '{}'),
               coalesce(array_agg(t.id_sort ORDER BY t.issued_at, t.id_sort), '{}')
          INTO v_keys, v_sorts
          FROM ${tokens} t
         WHERE t.subject_key = p_subject_key AND t.kind_key = p_kind_key AND t.revoked_at IS NULL
           AND t.expires_at > p_now AND t.id_key <> p_id_key;
        v_count := cardinality(v_keys);
        v_excess := v_count - p_max + 1;
        IF v_excess > 0 AND NOT p_evict THEN
          RETURN QUERY SELECT false, v_count, '{}'::bytea[];
          RETURN;
        END IF;
        IF v_excess > 0 THEN
          UPDATE ${tokens} t SET revoked_at = p_now, revoked_reason = p_reason
           WHERE t.id_key = ANY (v_keys[1:v_excess]) AND t.revoked_at IS NULL;
        END IF;
        INSERT INTO ${tokens} AS t (id_key, id_sort, hash_key, kind_key, subject_key, client_key, family_key,
            device_key, issued_at, expires_at, revoked_at, revoked_reason, consumed_at, tags, labels, doc)
          VALUES (p_id_key, p_id_sort, p_hash_key, p_kind_key, p_subject_key, p_client_key, p_family_key,
            p_device_key, p_issued_at, p_expires_at, p_revoked_at, p_revoked_reason, p_consumed_at, p_tags,
            p_labels, p_doc)
          ON CONFLICT (id_key) DO UPDATE SET ${setList};
        RETURN QUERY SELECT true, v_count, CASE WHEN v_excess > 0 THEN v_sorts[1:v_excess] ELSE '{}'::bytea[] END;
      END
      $fn$`;
}

const V2_COLUMNS = ['id_sort', 'hash_key', 'kind_key', 'subject_key', 'client_key', 'family_key', 'device_key',
  'issued_at', 'expires_at', 'revoked_at', 'revoked_reason', 'consumed_at', 'tags', 'labels', 'doc'];
// Version 2's update list: every column from the new version, lifecycle fields included.
const V2_SET = V2_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
// Version 3's: the same, but revocation and consumption are one-way. Frozen here, not taken from
// the live upsert (postgres-row.ts upsertSetList), so a later change there cannot alter version 3.
const V3_KEPT: Record<string, string> = {
  revoked_at: 'COALESCE(t.revoked_at, EXCLUDED.revoked_at)',
  revoked_reason: 'CASE WHEN t.revoked_at IS NULL THEN EXCLUDED.revoked_reason ELSE t.revoked_reason END',
  consumed_at: 'COALESCE(t.consumed_at, EXCLUDED.consumed_at)',
};
const V3_SET = V2_COLUMNS.map((c) => `${c} = ${V3_KEPT[c] ?? `EXCLUDED.${c}`}`).join(', ');

/** Every schema step, in order. Append only: never edit a released step. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'tokens table',
    sql: ({ tokens, prefix }) => [
      `CREATE TABLE ${tokens} (
        id_key bytea PRIMARY KEY,
        id_sort bytea NOT NULL,
        hash_key bytea,
        kind_key bytea NOT NULL,
        subject_key bytea NOT NULL,
        client_key bytea,
        family_key bytea,
        device_key bytea,
        issued_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        revoked_at bigint,
        revoked_reason text,
        consumed_at bigint,
        tags jsonb,
        labels jsonb,
        doc text NOT NULL
      )`,
      `CREATE UNIQUE INDEX "${prefix}tokens_hash" ON ${tokens} (hash_key) WHERE hash_key IS NOT NULL`,
      `CREATE INDEX "${prefix}tokens_subject" ON ${tokens} (subject_key, issued_at)`,
      `CREATE INDEX "${prefix}tokens_family" ON ${tokens} (family_key, issued_at) WHERE family_key IS NOT NULL`,
      `CREATE INDEX "${prefix}tokens_expiry" ON ${tokens} (expires_at)`,
      `CREATE INDEX "${prefix}tokens_issued" ON ${tokens} (issued_at)`,
    ],
  },
  {
    version: 2,
    name: 'add_session function',
    sql: (tables) => [addSessionFunction(tables, false, V2_SET)],
  },
  {
    version: 3,
    name: 'add_session keeps revocation and consumption',
    sql: (tables) => [addSessionFunction(tables, true, V3_SET)],
  },
];

/** Advisory-lock key of the migration step for a prefix (stable across processes). */
function migrationLockKey(prefix: string): string {
  return createHash('sha256').update(`cjwt-migrate:${prefix}`).digest().readBigInt64BE(0).toString();
}

/**
 * Brings the schema up to date on `client` and resolves to the versions it applied (empty when
 * the schema was current). Safe to call from many processes at once. `migrations` is for tests
 * that upgrade from an older schema.
 */
export async function migratePostgres(
  client: PoolClient,
  tables: PostgresTableNames,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  // Fast path without the lock: a current schema needs no transaction.
  const probe = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [tables.migrations]);
  if (probe.rows[0]?.exists) {
    const current = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${tables.migrations}`);
    if ((current.rows[0]?.v ?? 0) >= latest) return [];
  }
  const applied: number[] = [];
  // READ COMMITTED whatever the database default: under REPEATABLE READ the snapshot predates
  // the lock wait, so a store that waited for another's migration would not see its tables.
  await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey(tables.prefix)]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tables.migrations} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await client.query<{ version: number }>(`SELECT version FROM ${tables.migrations}`);
    const have = new Set(done.rows.map((r) => r.version));
    for (const step of migrations) {
      if (have.has(step.version)) continue;
      for (const statement of step.sql(tables)) await client.query(statement);
      await client.query(`INSERT INTO ${tables.migrations} (version, name) VALUES ($1, $2)`, [step.version, step.name]);
      applied.push(step.version);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  return applied;
}
