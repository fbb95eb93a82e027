/**
 * The service's `revocation: 'feed'` mode: every service process keeps the store's revocations in
 * an in-memory mirror (cjwt/lifecycle/feed), so `/verify`, `/introspect` of access tokens and the
 * API's bearer checks cost no store round trip. The feed source follows the store named by the
 * service's store URL; a mirror older than its staleness bound never answers.
 */
import { StoreInputInvalid } from '../jose/errors.js';
import { RevocationFeed } from '../lifecycle/feed/revocation-feed.js';
import type { RevocationFeedSource } from '../lifecycle/feed/types.js';
import { MemoryTokenStore, sqlitePath, storeScheme, type TokenStore } from '../store/index.js';

/** How access tokens are checked for revocation: a store round trip per check, or the feed's mirror. */
export type ServiceRevocationMode = 'store' | 'feed';

async function sourceFor(storeUrl: string | undefined, store: TokenStore): Promise<RevocationFeedSource> {
  if (store instanceof MemoryTokenStore) {
    const { MemoryRevocationSource } = await import('../lifecycle/feed/memory-source.js');
    return new MemoryRevocationSource(store);
  }
  if (storeUrl === undefined) throw new StoreInputInvalid("revocation 'feed' needs the store URL (or a memory store) to follow its log");
  switch (storeScheme(storeUrl)) {
    case 'sqlite': {
      const path = sqlitePath(storeUrl);
      if (path === ':memory:') throw new StoreInputInvalid("revocation 'feed' cannot follow a private in-memory SQLite database");
      const { SqliteRevocationSource } = await import('../lifecycle/feed/sqlite-source.js');
      return new SqliteRevocationSource(path);
    }
    case 'postgres': {
      const { PostgresRevocationSource } = await import('../lifecycle/feed/postgres-source.js');
      return new PostgresRevocationSource(storeUrl);
    }
    case 'mysql': {
      const { MySqlRevocationSource } = await import('../lifecycle/feed/mysql-source.js');
      return new MySqlRevocationSource(storeUrl);
    }
    case 'redis': {
      const { RedisRevocationSource } = await import('../lifecycle/feed/redis-source.js');
      return new RedisRevocationSource(storeUrl, { store });
    }
    default:
      throw new StoreInputInvalid(`revocation 'feed' has no source for ${store.backend}`);
  }
}

/**
 * Opens and starts the feed following the service's store; resolves once the mirror holds every
 * revocation committed so far.
 * @throws {StoreInputInvalid} for a store the feed cannot follow.
 * @throws {StorageError} when the initial load fails.
 */
export async function openServiceRevocationFeed(storeUrl: string | undefined, store: TokenStore, maxStalenessMs: number): Promise<RevocationFeed> {
  return RevocationFeed.start(await sourceFor(storeUrl, store), { maxStalenessMs });
}
