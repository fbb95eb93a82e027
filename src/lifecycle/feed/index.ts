/**
 * The revocation feed: an in-memory mirror of a store's revocations in every process, kept
 * current by the store's log or stream, so revocation checks cost no round trip.
 * @packageDocumentation
 */
export { RevocationMirror, DEFAULT_MAX_STALENESS_MS } from './revocation-mirror.js';
export type { RevocationMirrorOptions } from './revocation-mirror.js';
export { RevocationFeed } from './revocation-feed.js';
export type { RevocationFeedOptions } from './revocation-feed.js';
export { withRevocationMirror } from './mirrored-store.js';
export type { MirroredStoreOptions, MirroredCheckOptions, RevocationAnswerer } from './mirrored-store.js';
export { MemoryRevocationSource } from './memory-source.js';
export type { RevocationContext, RevocationEntry, RevocationFeedSource, RevocationSink } from './types.js';
export { PostgresRevocationSource } from './postgres-source.js';
export type { PostgresRevocationSourceOptions } from './postgres-source.js';
export type { LogFollowerOptions } from './log-follower.js';
export { RedisRevocationSource } from './redis-source.js';
export type { RedisRevocationSourceOptions } from './redis-source.js';
export { revokedEntriesOf } from './store-reload.js';
export { SqliteRevocationSource } from './sqlite-source.js';
export type { SqliteRevocationSourceOptions } from './sqlite-source.js';
export { PositionCursor, DEFAULT_HOLE_TIMEOUT_MS } from './position-cursor.js';
export { MySqlRevocationSource } from './mysql-source.js';
export type { MySqlRevocationSourceOptions } from './mysql-source.js';
export { openRevocationFeed, revocationSourceFor, RevocationFeedUnsupported } from './open-feed.js';
export type { RevocationSourceOptions } from './open-feed.js';
export { FeedRevocationCheck, feedCheckFor } from './feed-check.js';
export type { FeedCheckStats, FeedModeOptions, RevocationMode } from './feed-check.js';
