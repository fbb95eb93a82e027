/**
 * The MySQL/MariaDB schema of {@link MySqlTokenStore} as numbered migrations, and the runner that
 * applies the missing ones under a server-wide named lock so that two processes starting at once
 * do not race.
 *
 * Strings are stored as binary (`MEDIUMBLOB`) so matching is byte-exact and case-sensitive
 * whatever the server's collation. Strings that are looked up (id, hash, subject, family) are
 * indexed through a SHA-256 digest in a `BINARY(32)` column, because a 10 KB id would exceed
 * InnoDB's index key limit; queries compare the digest and then the full value.
 */
import type { PoolConnection, RowDataPacket } from 'mysql2/promise';
import { StoreInputInvalid } from '../../jose/errors.js';

/** One schema step. `statements` are DDL run in order; each is safe to re-run. */
export interface MySqlMigration {
  version: number;
  name: string;
  statements(prefix: string): string[];
}

/** Every schema version, oldest first. Append only: never edit a released step. */
export const MYSQL_MIGRATIONS: readonly MySqlMigration[] = [
  {
    version: 1,
    name: 'tokens and session locks',
    statements: (p) => [
      `CREATE TABLE IF NOT EXISTS \`${p}tokens\` (
        id_digest BINARY(32) NOT NULL,
        id MEDIUMBLOB NOT NULL,
        hash_digest BINARY(32) NULL,
        hash MEDIUMBLOB NULL,
        kind MEDIUMBLOB NOT NULL,
        subject_digest BINARY(32) NOT NULL,
        subject MEDIUMBLOB NOT NULL,
        client_id MEDIUMBLOB NULL,
        family_digest BINARY(32) NULL,
        family_id MEDIUMBLOB NULL,
        device_id MEDIUMBLOB NULL,
        issued_at DOUBLE NOT NULL,
        expires_at DOUBLE NOT NULL,
        revoked_at DOUBLE NULL,
        revoked_reason MEDIUMBLOB NULL,
        consumed_at DOUBLE NULL,
        record LONGBLOB NOT NULL,
        PRIMARY KEY (id_digest),
        UNIQUE KEY hash_digest (hash_digest),
        KEY subject_issued (subject_digest, issued_at),
        KEY family_issued (family_digest, issued_at),
        KEY expires_at (expires_at),
        KEY issued_at (issued_at)
      ) ENGINE=InnoDB`,
      // One row per subject that ever had a session: addSession locks it (FOR UPDATE semantics
      // via INSERT ... ON DUPLICATE KEY UPDATE) so count-then-insert is serialised per subject.
      `CREATE TABLE IF NOT EXISTS \`${p}session_locks\` (
        subject_digest BINARY(32) NOT NULL,
        PRIMARY KEY (subject_digest)
      ) ENGINE=InnoDB`,
    ],
  },
];

const PREFIX_PATTERN = /^[A-Za-z0-9_]{1,40}$/;

/** Throws unless `prefix` is a safe identifier fragment (it is spliced into table names). */
export function assertTablePrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new StoreInputInvalid(`tablePrefix must match ${PREFIX_PATTERN.source}`);
  }
}

/** The table names for a prefix. */
export function mysqlTables(prefix: string): { tokens: string; sessionLocks: string; migrations: string } {
  assertTablePrefix(prefix);
  return { tokens: `\`${prefix}tokens\``, sessionLocks: `\`${prefix}session_locks\``, migrations: `\`${prefix}schema_migrations\`` };
}

/**
 * Applies the migrations not yet recorded in `<prefix>schema_migrations` and returns the versions
 * it applied. Holds a named lock (per database and prefix) meanwhile, so concurrent callers wait
 * and then find nothing left to do.
 */
export async function runMySqlMigrations(conn: PoolConnection, prefix: string, lockWaitSeconds: number): Promise<number[]> {
  const tables = mysqlTables(prefix);
  const [lockRows] = await conn.execute<RowDataPacket[]>(
    "SELECT GET_LOCK(SHA2(CONCAT('cjwt-migrate:', IFNULL(DATABASE(), ''), ':', ?), 256), ?) AS got",
    [prefix, Math.max(1, Math.ceil(lockWaitSeconds))],
  );
  if (Number(lockRows[0]?.got) !== 1) throw new Error('timed out waiting for the migration lock');
  try {
    await conn.query(`CREATE TABLE IF NOT EXISTS ${tables.migrations} (
      version INT NOT NULL PRIMARY KEY,
      name VARCHAR(200) NOT NULL,
      applied_at BIGINT NOT NULL
    ) ENGINE=InnoDB`);
    const [rows] = await conn.execute<RowDataPacket[]>(`SELECT version FROM ${tables.migrations}`);
    const applied = new Set(rows.map((r) => Number(r.version)));
    const done: number[] = [];
    for (const migration of MYSQL_MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements(prefix)) await conn.query(statement);
      await conn.execute(
        `INSERT INTO ${tables.migrations} (version, name, applied_at) VALUES (?, ?, ?)`,
        [migration.version, migration.name, Date.now()],
      );
      done.push(migration.version);
    }
    return done;
  } finally {
    await conn.execute("SELECT RELEASE_LOCK(SHA2(CONCAT('cjwt-migrate:', IFNULL(DATABASE(), ''), ':', ?), 256))", [prefix]);
  }
}
