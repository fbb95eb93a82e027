/**
 * PostgreSQL's feed: the revocation log written by a trigger in the revoking transaction,
 * `LISTEN` for the wake-up (NOTIFY is delivered at commit), and catch-up by a commit-ordered
 * cursor (see src/store/postgres/postgres-revocation-log.ts) after a reconnect. The driver (pg)
 * is imported only when the source starts.
 */
import type { Client, ClientConfig } from 'pg';
import { postgresRevocationLog, readPostgresRevocationLog } from '../../store/index.js';
import { LogFollower, type LogFollowerOptions, type LogReader } from './log-follower.js';
import type { RevocationFeedSource, RevocationSink } from './types.js';

/** Options of {@link PostgresRevocationSource}. */
export interface PostgresRevocationSourceOptions extends LogFollowerOptions {
  /** The store's table prefix (default `cjwt_`). */
  tablePrefix?: string;
  /** Per-query timeout in ms (default 2000): a silent network fails the read, not hangs it. */
  queryTimeoutMs?: number;
}

/**
 * Follows a PostgresTokenStore's revocation log over a dedicated connection. The store must have
 * migrated its schema (it does on connect).
 * @example
 * const feed = await RevocationFeed.start(new PostgresRevocationSource(process.env.DATABASE_URL!));
 */
export class PostgresRevocationSource implements RevocationFeedSource {
  readonly backend = 'postgres';
  readonly #follower: LogFollower;

  constructor(url: string | ClientConfig, options: PostgresRevocationSourceOptions = {}) {
    this.#follower = new LogFollower(new PostgresLogReader(url, options), options);
  }

  start(sink: RevocationSink): Promise<void> { return this.#follower.start(sink); }
  close(): Promise<void> { return this.#follower.close(); }
}

class PostgresLogReader implements LogReader {
  readonly #config: ClientConfig;
  readonly #prefix: string;
  #client: Client | undefined;
  #cursor = '0';

  constructor(url: string | ClientConfig, options: PostgresRevocationSourceOptions) {
    const base: ClientConfig = typeof url === 'string' ? { connectionString: url } : url;
    this.#config = { ...base, query_timeout: options.queryTimeoutMs ?? 2000, keepAlive: true, application_name: 'cjwt-revocation-feed' };
    this.#prefix = options.tablePrefix ?? 'cjwt_';
  }

  async connect(wake: () => void, fail: (err: unknown) => void): Promise<void> {
    const { default: pg } = await import('pg');
    const client = new pg.Client(this.#config);
    client.on('error', fail);
    client.on('end', () => fail(new Error('revocation feed connection ended')));
    client.on('notification', wake);
    this.#client = client;
    await client.connect();
    // LISTEN before the first read: a commit after the read's snapshot then always wakes us.
    await client.query(`LISTEN "${postgresRevocationLog(this.#prefix).channel}"`);
  }

  async read() {
    const client = this.#client;
    if (client === undefined) throw new Error('revocation feed not connected');
    const { entries, cursor } = await readPostgresRevocationLog(client, this.#prefix, this.#cursor);
    this.#cursor = cursor;
    return entries;
  }

  async disconnect(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined) return;
    client.removeAllListeners('end');
    client.removeAllListeners('notification');
    // Keep an error listener: a late socket error on a dropped client must not crash the process.
    client.on('error', () => {});
    await client.end().catch(() => {});
  }
}
