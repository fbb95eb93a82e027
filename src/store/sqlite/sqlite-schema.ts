/**
 * The SQLite schema of {@link SqliteTokenStore} as numbered migrations, applied on open inside a
 * `BEGIN IMMEDIATE` transaction so two processes opening one file at once do not race.
 */
import type { Database } from 'better-sqlite3';

/** One schema step. Append only: never edit a released step. */
export interface SqliteMigration {
  version: number;
  name: string;
  sql: string;
}

/** Every schema version, oldest first. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'create cjwt_tokens',
    // Lifecycle fields live in columns only; `record` is the rest of the record as JSON. TEXT
    // compares with the BINARY collation: exact, case-sensitive, UTF-8 byte order.
    sql: `
      CREATE TABLE cjwt_tokens (
        id TEXT NOT NULL PRIMARY KEY,
        hash TEXT UNIQUE,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL,
        client_id TEXT,
        family_id TEXT,
        device_id TEXT,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER,
        revoked_reason TEXT,
        consumed_at INTEGER,
        record TEXT NOT NULL
      );
      CREATE INDEX cjwt_tokens_subject ON cjwt_tokens (subject, issued_at, id);
      CREATE INDEX cjwt_tokens_family ON cjwt_tokens (family_id) WHERE family_id IS NOT NULL;
      CREATE INDEX cjwt_tokens_expires ON cjwt_tokens (expires_at);
      CREATE INDEX cjwt_tokens_order ON cjwt_tokens (issued_at, id);
    `,
  },
];

/** The newest schema version this code knows. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1]?.version ?? 0;

/**
 * Brings the file to {@link SQLITE_SCHEMA_VERSION}. A file written by a newer cjwt (a version
 * this code does not know) is refused rather than misread.
 */
export function migrateSqlite(db: Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const apply = db.transaction(() => {
    const current = (db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
    if (current > SQLITE_SCHEMA_VERSION) {
      throw new Error(`database schema version ${current} is newer than this cjwt (${SQLITE_SCHEMA_VERSION})`);
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of SQLITE_MIGRATIONS) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
  });
  apply.immediate();
}
