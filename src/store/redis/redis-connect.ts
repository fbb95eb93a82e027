/**
 * Opening an ioredis client from a store URL. ioredis is imported here, lazily, so importing
 * `cjwt/store` loads no driver.
 *
 * Client options are chosen so that no call can hang while the server is away: commands fail at
 * once when disconnected (no offline queue), in-flight commands fail when the connection drops
 * (no silent replay after the caller already got an error), every command has a timeout, and the
 * client keeps reconnecting in the background so the store serves again when the server returns.
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StorageError, StoreInputInvalid } from '../../jose/errors.js';

/** Options of {@link openRedisClient}. */
export interface RedisClientOpenOptions {
  /** How long the first connection may take (a cluster needs several round trips to be ready). */
  connectTimeoutMs: number;
  /** Extra ioredis options for a single server (merged over the safe defaults). */
  redisOptions?: RedisOptions;
  /** Extra ioredis options for a cluster; `redisOptions` apply to each node connection. */
  clusterOptions?: ClusterOptions;
}

/** Host and port list of a `redis+cluster://[user:pass@]h1:p1,h2:p2` URL. */
export interface ClusterUrl {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * Parses `redis+cluster://` and `rediss+cluster://` URLs (seed nodes separated by commas).
 * @example parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7000').nodes.length // 2
 */
export function parseClusterUrl(url: string): ClusterUrl {
  const match = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/.exec(url);
  if (!match) throw new StoreInputInvalid('redis cluster URL must look like redis+cluster://host:port,host:port');
  const [, scheme, userinfo, hostList] = match as unknown as [string, string, string | undefined, string];
  const nodes = hostList.split(',').map((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    if (!m) throw new StoreInputInvalid('redis cluster URL has a malformed host:port');
    const port = m[2] === undefined ? 6379 : Number(m[2]);
    if (port < 1 || port > 65535) throw new StoreInputInvalid('redis cluster URL has a port out of range');
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
  });
  const out: ClusterUrl = { nodes, tls: scheme === 'rediss' };
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
    if (colon >= 0) out.password = decodeURIComponent(userinfo.slice(colon + 1));
    if (user !== '') out.username = user;
  }
  return out;
}

function safeDefaults(connectTimeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: connectTimeoutMs,
    // Reconnect quickly and forever: the server coming back is the normal end of an outage.
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
  };
}

/** True for the URL schemes {@link openRedisClient} accepts. */
export function isRedisUrl(url: string): boolean {
  return /^(rediss?:\/\/|rediss?\+cluster:\/\/)/.test(url);
}

/**
 * Creates and connects a client for `redis://`, `rediss://`, `redis+cluster://` or
 * `rediss+cluster://`. Rejects with StorageError when the server does not answer in time.
 */
export async function openRedisClient(url: string, options: RedisClientOpenOptions): Promise<Redis | Cluster> {
  if (!isRedisUrl(url)) throw new StoreInputInvalid('redis URL must start with redis://, rediss:// or redis+cluster://');
  const { Redis, Cluster } = await import('ioredis');
  const defaults = safeDefaults(options.connectTimeoutMs);
  let client: Redis | Cluster;
  if (url.includes('+cluster://')) {
    const parsed = parseClusterUrl(url);
    const redisOptions: RedisOptions = { ...defaults, ...options.redisOptions };
    if (parsed.username !== undefined) redisOptions.username = parsed.username;
    if (parsed.password !== undefined) redisOptions.password = parsed.password;
    if (parsed.tls) redisOptions.tls = redisOptions.tls ?? {};
    client = new Cluster(parsed.nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRedirections: 16,
      clusterRetryStrategy: (times: number) => Math.min(100 * times, 1000),
      slotsRefreshTimeout: options.connectTimeoutMs,
      ...options.clusterOptions,
      redisOptions,
    });
  } else {
    client = new Redis(url, { ...defaults, ...options.redisOptions });
  }
  // Without a listener, ioredis prints every reconnect failure; failures surface per call instead.
  client.on('error', () => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not ready within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
      }),
    ]);
  } catch (err) {
    client.disconnect();
    const message = err instanceof Error ? err.message : String(err);
    throw new StorageError({ op: 'connect', detail: message.slice(0, 200), cause: err });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  return client;
}
