/**
 * Versioned schema of {@link PostgresTokenStore}. Migrations are applied in one transaction
 * under a transaction-scoped advisory lock, so processes starting together neither race on
 * `CREATE TABLE` nor apply a step twice; each applied version is recorded in
 * `<prefix>schema_migrations`.
 */
import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { StoreInputInvalid } from '../jose/errors.js';

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
];

/** Advisory-lock key of the migration step for a prefix (stable across processes). */
function migrationLockKey(prefix: string): string {
  return createHash('sha256').update(`cjwt-migrate:${prefix}`).digest().readBigInt64BE(0).toString();
}

/**
 * Brings the schema up to date on `client` and resolves to the versions it applied (empty when
 * the schema was current). Safe to call from many processes at once.
 */
export async function migratePostgres(client: PoolClient, tables: PostgresTableNames): Promise<number[]> {
  const latest = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1]?.version ?? 0;
  // Fast path without the lock: a current schema needs no transaction.
  const probe = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [tables.migrations]);
  if (probe.rows[0]?.exists) {
    const current = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${tables.migrations}`);
    if ((current.rows[0]?.v ?? 0) >= latest) return [];
  }
  const applied: number[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey(tables.prefix)]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tables.migrations} (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = await client.query<{ version: number }>(`SELECT version FROM ${tables.migrations}`);
    const have = new Set(done.rows.map((r) => r.version));
    for (const step of POSTGRES_MIGRATIONS) {
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
