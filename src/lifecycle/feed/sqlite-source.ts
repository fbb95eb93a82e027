/**
 * SQLite's feed: the revocation log written by triggers in the revoking transaction, read by
 * polling its position over a read-only connection to the same file.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { readSqliteRevocationLog } from '../../store/index.js';
import { LogFollower, type LogFollowerOptions, type LogReader } from './log-follower.js';
import { PositionCursor } from './position-cursor.js';
import type { RevocationEntry, RevocationFeedSource, RevocationSink } from './types.js';

/** Options of {@link SqliteRevocationSource}. */
export interface SqliteRevocationSourceOptions extends LogFollowerOptions {
  /** Poll interval in ms (default 20): SQLite has no wake-up, so this is the latency floor. */
  pollMs?: number;
}

const BATCH = 1000;

/**
 * Follows a SqliteTokenStore's revocation log in `path` (the store must have opened it once).
 * @example
 * const feed = await RevocationFeed.start(new SqliteRevocationSource('./tokens.db'));
 */
export class SqliteRevocationSource implements RevocationFeedSource {
  readonly backend = 'sqlite';
  readonly #follower: LogFollower;

  constructor(path: string, options: SqliteRevocationSourceOptions = {}) {
    this.#follower = new LogFollower(new SqliteLogReader(path), { ...options, heartbeatMs: options.pollMs ?? 20 });
  }

  start(sink: RevocationSink): Promise<void> { return this.#follower.start(sink); }
  close(): Promise<void> { return this.#follower.close(); }
}

class SqliteLogReader implements LogReader {
  readonly #path: string;
  readonly #cursor = new PositionCursor();
  #db: BetterSqlite3.Database | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  async connect(): Promise<void> {
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    this.#db = new Database(this.#path, { readonly: true, fileMustExist: true });
  }

  async read(): Promise<RevocationEntry[]> {
    const db = this.#db;
    if (db === undefined) throw new Error('revocation feed not connected');
    const out: RevocationEntry[] = [];
    for (;;) {
      const rows = readSqliteRevocationLog(db, this.#cursor.settled, BATCH);
      const before = this.#cursor.settled;
      out.push(...this.#cursor.accept(rows));
      if (rows.length < BATCH || this.#cursor.settled === before) return out;
    }
  }

  async disconnect(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}
