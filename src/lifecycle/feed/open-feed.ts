/**
 * The feed source for a given TokenStore: `revocationSourceFor(store)` picks the backend's source
 * from `store.backend` and takes the connection from the store itself (its file, its pool's
 * settings), so a manager configured with `revocation: 'feed'` needs nothing more. Redis is the
 * exception: the store does not expose its URL, so the caller passes it (`url`).
 *
 * Building a source connects nothing; `openRevocationFeed` starts it and resolves after the
 * initial load. Configuration problems (a store of unknown kind, an in-memory SQLite database, a
 * Redis store without its URL) throw {@link RevocationFeedUnsupported} at once. A Redis Cluster
 * (`redis+cluster://` URL) is followed like a single server: its store writes the feed first.
 */
import type { ConnectionOptions } from 'mysql2/promise';
import type { ClientConfig } from 'pg';
import { MemoryTokenStore, MySqlTokenStore, PostgresTokenStore, SqliteTokenStore, type TokenStore } from '../../store/index.js';
import type { LogFollowerOptions } from './log-follower.js';
import { MemoryRevocationSource } from './memory-source.js';
import { MySqlRevocationSource } from './mysql-source.js';
import { PostgresRevocationSource } from './postgres-source.js';
import { RedisRevocationSource } from './redis-source.js';
import { RevocationFeed, type RevocationFeedOptions } from './revocation-feed.js';
import { SqliteRevocationSource } from './sqlite-source.js';
import type { RevocationFeedSource } from './types.js';

/**
 * No feed source can be built for this store as configured. A configuration error, thrown when
 * the source is built (a manager's constructor), never while a token is checked.
 */
export class RevocationFeedUnsupported extends Error {
  readonly code = 'ERR_REVOCATION_FEED_UNSUPPORTED';
  /** `store.backend` of the store in question. */
  readonly backend: string;

  constructor(backend: string, message: string) {
    super(message);
    this.name = 'RevocationFeedUnsupported';
    this.backend = backend;
  }
}

/** Options of {@link revocationSourceFor} and {@link openRevocationFeed}. */
export interface RevocationSourceOptions extends LogFollowerOptions {
  /**
   * The store's URL. Required for Redis (the store keeps its client private); for PostgreSQL and
   * MySQL it replaces the connection settings read from the store's pool.
   */
  url?: string;
  /** Redis: the store's key prefix (default `cjwt:`); it must be the one the store was given. */
  prefix?: string;
  /** Poll interval of the log-polling backends (SQLite default 20 ms, MySQL 50 ms). */
  pollMs?: number;
}

function unsupported(backend: string, message: string): never {
  throw new RevocationFeedUnsupported(backend, message);
}

/** pg's pool options as a client config (the feed opens one dedicated connection). */
function postgresConnection(store: PostgresTokenStore, url: string | undefined): string | ClientConfig {
  if (url !== undefined) return url;
  const options = store.feedConnection.pool.options as ClientConfig;
  return { ...options };
}

/** mysql2's pool settings as connection options, read from the pool it was created with. */
function mysqlConnection(store: MySqlTokenStore, url: string | undefined): string | ConnectionOptions {
  if (url !== undefined) return url;
  // A promise pool wraps a callback pool whose config holds the parsed connection settings.
  const inner = (store.feedConnection.pool as unknown as { pool?: { config?: { connectionConfig?: ConnectionOptions } } }).pool;
  const config = inner?.config?.connectionConfig;
  if (config === undefined) unsupported('mysql', 'cannot read the connection settings of this mysql2 pool: pass the store URL as `url`');
  const { host, port, user, password, database, ssl, socketPath, connectTimeout } = config;
  const out: ConnectionOptions = { host, port, user, password, database, connectTimeout: connectTimeout ?? 5000 };
  if (ssl !== undefined && ssl !== null) out.ssl = ssl;
  if (socketPath !== undefined) out.socketPath = socketPath;
  return out;
}

/**
 * Builds (does not start) the feed source for `store`, dispatching on `store.backend`.
 *
 * @throws {RevocationFeedUnsupported} for a store this function cannot follow: a custom backend,
 * an in-memory SQLite database (no second connection can see it), or a Redis store without `url`.
 * @example
 * const source = revocationSourceFor(store);            // memory, SQLite, PostgreSQL, MySQL
 * const redisSource = revocationSourceFor(redisStore, { url: process.env.REDIS_URL });
 */
export function revocationSourceFor(store: TokenStore, options: RevocationSourceOptions = {}): RevocationFeedSource {
  const backend = typeof store?.backend === 'string' ? store.backend : 'unknown';
  const timing: LogFollowerOptions = {};
  if (options.heartbeatMs !== undefined) timing.heartbeatMs = options.heartbeatMs;
  if (options.maxBackoffMs !== undefined) timing.maxBackoffMs = options.maxBackoffMs;
  switch (backend) {
    case 'memory':
      if (!(store instanceof MemoryTokenStore)) break;
      return new MemoryRevocationSource(store);
    case 'sqlite': {
      if (!(store instanceof SqliteTokenStore)) break;
      const path = store.path;
      if (path === '' || path === ':memory:' || path.startsWith('file::memory:')) {
        unsupported(backend, 'an in-memory SQLite database cannot be followed by a second connection: use a file, or the round-trip mode');
      }
      return new SqliteRevocationSource(path, { ...timing, ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }) });
    }
    case 'postgres':
      if (!(store instanceof PostgresTokenStore)) break;
      return new PostgresRevocationSource(postgresConnection(store, options.url), { ...timing, tablePrefix: store.feedConnection.tablePrefix });
    case 'mysql':
      if (!(store instanceof MySqlTokenStore)) break;
      return new MySqlRevocationSource(mysqlConnection(store, options.url), {
        ...timing, tablePrefix: store.feedConnection.tablePrefix, ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      });
    case 'redis': {
      const url = options.url;
      if (url === undefined || url === '') unsupported(backend, 'the Redis feed needs the store URL (`url`): a RedisTokenStore does not expose its client');
      return new RedisRevocationSource(url, {
        store, ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
        ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      });
    }
    default:
      break;
  }
  return unsupported(backend, `no revocation feed source for a store of backend '${backend}' (${store?.constructor?.name ?? typeof store})`);
}

/**
 * Builds the source for `store` and starts a feed on it; resolves once the initial load is in.
 * The caller closes the feed.
 *
 * @throws {RevocationFeedUnsupported} see {@link revocationSourceFor}.
 * @throws {Error} when the first connection or load fails (the source is closed again).
 * @example
 * const feed = await openRevocationFeed(store);
 * const jwt = JWTManager.withHMAC(secret, { store, revocation: 'feed', revocationFeed: { feed } });
 */
export async function openRevocationFeed(store: TokenStore, options: RevocationSourceOptions & RevocationFeedOptions = {}): Promise<RevocationFeed> {
  const source = revocationSourceFor(store, options);
  try {
    return await RevocationFeed.start(source, options);
  } catch (err) {
    await source.close().catch(() => {});
    throw err;
  }
}
