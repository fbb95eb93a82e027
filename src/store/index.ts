/**
 * `cjwt/store`: the TokenStore interface and its backends. Each backend loads its driver only
 * when it connects, so importing this module loads none.
 * @packageDocumentation
 */
export type * from './types.js';
export { StorageError, StoreConflict, StoreInputInvalid } from '../jose/errors.js';
export { MemoryTokenStore } from './memory/memory.js';
export type { MemoryTokenStoreOptions } from './memory/memory.js';
export { SqliteTokenStore } from './sqlite/sqlite.js';
export type { SqliteTokenStoreOptions } from './sqlite/sqlite.js';
export { RedisTokenStore } from './redis/redis.js';
export type { RedisTokenStoreOptions, RedisConnectOptions } from './redis/redis.js';
export { PostgresTokenStore } from './postgres/postgres.js';
export type { PostgresTokenStoreOptions, PostgresConnectOptions } from './postgres/postgres.js';
export { MySqlTokenStore } from './mysql/mysql.js';
export type { MySqlTokenStoreOptions, MySqlConnectOptions } from './mysql/mysql.js';
export { createTokenStore, storeScheme, sqlitePath } from './create.js';
export type { CreateTokenStoreOptions, TokenStoreScheme } from './create.js';
// Building blocks for custom backends: the same helpers the bundled backends use, so a custom
// store gives filters, paging and status the identical meaning.
export {
  encodeRecord, decodeRecord, cloneRecord, validateRecord, recordStatus, isLive, matchesFilter,
  validateFilter, compareIds, compareRecords, encodeCursor, decodeCursor, normalizeLimit,
  pageOf, pageFromSorted, consumeRefusal, sessionsToEvict, validateSessionLimit,
  resolveStoreOptions, runStoreCall, toStorageError, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT,
  DEFAULT_REVOCATION_RETENTION_MS, DEFAULT_OPERATION_TIMEOUT_MS,
} from './record-codec.js';
export type { KeysetPosition, ResolvedStoreOptions } from './record-codec.js';
export type { SweepingStoreOptions } from './store-lifecycle.js';
export { cutoffOf, entryFromParts, ENTRY_KIND } from './revocation-log.js';
export type { RevocationEntry } from './revocation-log.js';
export { readPostgresRevocationLog, postgresRevocationLog } from './postgres/postgres-revocation-log.js';
export type { PostgresLogRead } from './postgres/postgres-revocation-log.js';
export { readRedisFeed, redisFeedStream, openRedisFeedClient } from './redis/redis-feed.js';
export type { RedisFeedRead, RedisFeedClientOptions } from './redis/redis-feed.js';
export { readSqliteRevocationLog } from './sqlite/sqlite-revocation-log.js';
export type { PositionedEntry } from './positioned-log.js';
export { readMySqlRevocationLog } from './mysql/mysql-revocation-log.js';
