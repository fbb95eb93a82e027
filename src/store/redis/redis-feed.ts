/**
 * Reading the Redis revocation feed stream (see redis-feed-scripts.ts) for the revocation feed,
 * and opening the reader's own connection to a server or a cluster.
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StoreInputInvalid } from '../../jose/errors.js';
import { isRedisUrl, parseClusterUrl } from './redis-connect.js';
import { entryFromParts, type RevocationEntry } from '../revocation-log.js';
import { RedisAccess } from './redis-access.js';
import { RedisKeys, validatePrefix } from './redis-keys.js';
import { READ_FEED } from './redis-feed-scripts.js';

/** One read of the stream: entries after `last` and the id to read from next, or `lost`. */
export type RedisFeedRead =
  | { status: 'ok'; entries: RevocationEntry[]; last: string }
  | { status: 'lost' };

/** The stream key of a store's key prefix (default `cjwt:`). */
export function redisFeedStream(prefix = 'cjwt:'): string {
  return new RedisKeys(validatePrefix(prefix)).feedStream();
}

/**
 * Reads up to `count` entries after stream id `last` (`'0-0'` for the start) in one script that
 * also checks trimming has not passed `last`; `lost` means the caller must reload in full.
 */
export async function readRedisFeed(client: Redis | Cluster, prefix: string, last: string, count: number): Promise<RedisFeedRead> {
  const keys = new RedisKeys(validatePrefix(prefix));
  // Cluster and Redis share the command API; the narrower type keeps overloads callable.
  const reply = await new RedisAccess(client as Redis, keys).eval(READ_FEED, [keys.feedStream()], [last, count]) as unknown[];
  if (reply[0] !== 'ok') return { status: 'lost' };
  const entries: RevocationEntry[] = [];
  let next = last;
  for (const raw of reply.slice(1) as Array<[string, string[]]>) {
    next = raw[0];
    const f: Record<string, string> = {};
    for (let i = 0; i + 1 < raw[1].length; i += 2) f[raw[1][i] as string] = raw[1][i + 1] as string;
    const entry = entryFromParts(f.k ?? '', f.v ?? '', Number(f.b), Number(f.e));
    if (entry !== undefined) entries.push(entry);
  }
  return { status: 'ok', entries, last: next };
}

/** Options of {@link openRedisFeedClient}. */
export interface RedisFeedClientOptions {
  /** Longest a command may wait, through reconnects included, before it fails (ms). */
  commandTimeoutMs: number;
  /** Extra ioredis options (for a cluster: per node). */
  redisOptions?: RedisOptions;
  /** Extra ioredis Cluster options (cluster URLs only). */
  clusterOptions?: ClusterOptions;
}

/**
 * A not-yet-connected client for a feed reader on `redis://`, `rediss://`, `redis+cluster://` or
 * `rediss+cluster://`. Unlike a store's client it waits through a reconnect instead of failing
 * at once (the reader resumes from its last id either way), and keeps reconnecting forever:
 * for a cluster, to each node too, so a restarted node is found again on its address.
 * @example
 * const client = await openRedisFeedClient('redis+cluster://10.0.0.1:7000', { commandTimeoutMs: 2200 });
 * await client.connect();
 */
export async function openRedisFeedClient(url: string, options: RedisFeedClientOptions): Promise<Redis | Cluster> {
  if (!isRedisUrl(url)) throw new StoreInputInvalid('redis URL must start with redis://, rediss:// or redis+cluster://');
  const { Redis, Cluster } = await import('ioredis');
  const retry = (times: number): number => Math.min(50 * times, 1000);
  const base: RedisOptions = {
    lazyConnect: true, maxRetriesPerRequest: null, commandTimeout: options.commandTimeoutMs,
    retryStrategy: retry, connectionName: 'cjwt-revocation-feed',
  };
  if (!url.includes('+cluster://')) return new Redis(url, { ...base, ...options.redisOptions });
  const parsed = parseClusterUrl(url);
  const redisOptions: RedisOptions = { ...base, ...options.redisOptions };
  if (parsed.username !== undefined) redisOptions.username = parsed.username;
  if (parsed.password !== undefined) redisOptions.password = parsed.password;
  if (parsed.tls) redisOptions.tls = redisOptions.tls ?? {};
  return new Cluster(parsed.nodes, {
    lazyConnect: true, maxRedirections: 16, clusterRetryStrategy: retry, clusterNodeRetryStrategy: retry,
    retryDelayOnFailover: 100, retryDelayOnClusterDown: 100, ...options.clusterOptions, redisOptions,
  });
}
