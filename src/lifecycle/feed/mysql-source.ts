/**
 * MySQL's feed: the revocation log written by triggers in the revoking transaction, read by
 * polling its position on a dedicated connection, with a cursor that waits for positions taken
 * by transactions not yet committed (see position-cursor.ts).
 */
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { readMySqlRevocationLog } from '../../store/index.js';
import { LogFollower, type LogFollowerOptions, type LogReader } from './log-follower.js';
import { PositionCursor, DEFAULT_HOLE_TIMEOUT_MS } from './position-cursor.js';
import type { RevocationEntry, RevocationFeedSource, RevocationSink } from './types.js';

/** Options of {@link MySqlRevocationSource}. */
export interface MySqlRevocationSourceOptions extends LogFollowerOptions {
  /** The store's table prefix (default `cjwt_`). */
  tablePrefix?: string;
  /** Poll interval in ms (default 50): MySQL has no wake-up, so this is the latency floor. */
  pollMs?: number;
  /** How long a hole in the positions is waited for before it is taken for a rollback (default 60,000 ms). */
  holeTimeoutMs?: number;
}

const BATCH = 1000;

/**
 * Follows a MySqlTokenStore's revocation log (the store must have migrated; it does on connect).
 * @example
 * const feed = await RevocationFeed.start(new MySqlRevocationSource(process.env.MYSQL_URL!));
 */
export class MySqlRevocationSource implements RevocationFeedSource {
  readonly backend = 'mysql';
  readonly #follower: LogFollower;

  constructor(url: string | ConnectionOptions, options: MySqlRevocationSourceOptions = {}) {
    this.#follower = new LogFollower(new MySqlLogReader(url, options), { ...options, heartbeatMs: options.pollMs ?? 50 });
  }

  start(sink: RevocationSink): Promise<void> { return this.#follower.start(sink); }
  close(): Promise<void> { return this.#follower.close(); }
}

class MySqlLogReader implements LogReader {
  readonly #url: string | ConnectionOptions;
  readonly #prefix: string;
  readonly #cursor: PositionCursor;
  #conn: Connection | undefined;

  constructor(url: string | ConnectionOptions, options: MySqlRevocationSourceOptions) {
    this.#url = url;
    this.#prefix = options.tablePrefix ?? 'cjwt_';
    this.#cursor = new PositionCursor(0, options.holeTimeoutMs ?? DEFAULT_HOLE_TIMEOUT_MS);
  }

  async connect(_wake: () => void, fail: (err: unknown) => void): Promise<void> {
    const mysql = await import('mysql2/promise');
    const conn = typeof this.#url === 'string'
      ? await mysql.createConnection({ uri: this.#url, connectTimeout: 5000 })
      : await mysql.createConnection(this.#url);
    conn.on('error', fail);
    // Each read must see what committed before it: no snapshot kept across statements.
    await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
    this.#conn = conn;
  }

  async read(): Promise<RevocationEntry[]> {
    const conn = this.#conn;
    if (conn === undefined) throw new Error('revocation feed not connected');
    const out: RevocationEntry[] = [];
    for (;;) {
      const rows = await readMySqlRevocationLog(conn, this.#prefix, this.#cursor.settled, BATCH);
      const before = this.#cursor.settled;
      out.push(...this.#cursor.accept(rows));
      if (rows.length < BATCH || this.#cursor.settled === before) return out;
    }
  }

  async disconnect(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn === undefined) return;
    conn.removeAllListeners('error');
    conn.on('error', () => {});
    conn.destroy();
  }
}
