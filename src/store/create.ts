/**
 * {@link createTokenStore}: one entry point from a URL to a connected store. Each backend's
 * module (and so its driver) is loaded only when its scheme is used.
 */
import { StoreInputInvalid } from '../jose/errors.js';
import type { MemoryTokenStoreOptions } from './memory/memory.js';
import type { MySqlConnectOptions } from './mysql/mysql.js';
import type { PostgresConnectOptions } from './postgres/postgres.js';
import type { RedisConnectOptions } from './redis/redis.js';
import type { SqliteTokenStoreOptions } from './sqlite/sqlite.js';
import type { TokenStore } from './types.js';

/** Options of {@link createTokenStore}: the shared ones plus each backend's own (ignored by the others). */
export type CreateTokenStoreOptions = MemoryTokenStoreOptions & SqliteTokenStoreOptions & RedisConnectOptions &
  PostgresConnectOptions & MySqlConnectOptions;

/** The backend a store URL names. */
export type TokenStoreScheme = 'memory' | 'sqlite' | 'redis' | 'postgres' | 'mysql';

/**
 * Which backend a URL names; throws {@link StoreInputInvalid} for anything else.
 * @example storeScheme('postgresql://localhost/app') // 'postgres'
 */
export function storeScheme(url: string): TokenStoreScheme {
  if (typeof url !== 'string') throw new StoreInputInvalid('store URL must be a string');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'memory': return 'memory';
    case 'sqlite': return 'sqlite';
    case 'redis': case 'rediss': case 'redis+cluster': case 'rediss+cluster': return 'redis';
    case 'postgres': case 'postgresql': return 'postgres';
    case 'mysql': case 'mariadb': return 'mysql';
    default:
      throw new StoreInputInvalid('unsupported store URL scheme (want memory:, sqlite:, redis://, redis+cluster://, postgres://, mysql://)');
  }
}

/**
 * The file path of a `sqlite:` URL: `sqlite:data/tokens.db` (relative), `sqlite:/abs/tokens.db`
 * or `sqlite:///abs/tokens.db`, and `sqlite::memory:` for a private in-memory database.
 */
export function sqlitePath(url: string): string {
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('//')) path = path.slice(2);
  if (path.length === 0) throw new StoreInputInvalid('sqlite URL needs a path, e.g. sqlite:tokens.db or sqlite::memory:');
  return path;
}

/**
 * Opens the store a URL names, ready to use (schema migrated, server answered):
 * `memory:`, `sqlite:PATH` / `sqlite::memory:`, `redis://` / `rediss://`,
 * `redis+cluster://h1:p1,h2:p2`, `postgres://` / `postgresql://`, `mysql://` / `mariadb://`.
 * A bad URL rejects with {@link StoreInputInvalid}; an unreachable server with StorageError.
 *
 * @example
 * import { createTokenStore } from 'cjwt/store';
 * const store = await createTokenStore(process.env.TOKEN_STORE_URL ?? 'sqlite:tokens.db');
 */
export async function createTokenStore(url: string, options: CreateTokenStoreOptions = {}): Promise<TokenStore> {
  switch (storeScheme(url)) {
    case 'memory': {
      const { MemoryTokenStore } = await import('./memory/memory.js');
      return new MemoryTokenStore(options);
    }
    case 'sqlite': {
      const { SqliteTokenStore } = await import('./sqlite/sqlite.js');
      return SqliteTokenStore.open(sqlitePath(url), options);
    }
    case 'redis': {
      const { RedisTokenStore } = await import('./redis/redis.js');
      return RedisTokenStore.connect(url, options);
    }
    case 'postgres': {
      const { PostgresTokenStore } = await import('./postgres/postgres.js');
      return PostgresTokenStore.connect(url, options);
    }
    case 'mysql': {
      const { MySqlTokenStore } = await import('./mysql/mysql.js');
      return MySqlTokenStore.connect(url, options);
    }
  }
}
