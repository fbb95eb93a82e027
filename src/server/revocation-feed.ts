/**
 * The service's `revocation: 'feed'` mode: every service process keeps the store's revocations in
 * an in-memory mirror (cjwt/lifecycle/feed), so `/verify`, `/introspect` of access tokens and the
 * API's bearer checks cost no store round trip. The feed follows the service's own store (Redis
 * and Redis Cluster through the store URL); a mirror older than its staleness bound never answers.
 */
import { openRevocationFeed } from '../lifecycle/feed/open-feed.js';
import type { RevocationFeed } from '../lifecycle/feed/revocation-feed.js';
import type { TokenStore } from '../store/index.js';

/**
 * Opens and starts the feed following the service's store; resolves once the mirror holds every
 * revocation committed so far.
 * @throws {RevocationFeedUnsupported} for a store the feed cannot follow (an in-memory SQLite database, a custom store).
 * @throws {StorageError} when the initial load fails.
 */
export async function openServiceRevocationFeed(storeUrl: string | undefined, store: TokenStore, maxStalenessMs: number): Promise<RevocationFeed> {
  return openRevocationFeed(store, { maxStalenessMs, ...(storeUrl === undefined ? {} : { url: storeUrl }) });
}
