/**
 * Redis's feed: the stream every revoking script appends to in the same script (single server),
 * or that the store appends to before it revokes (Redis Cluster: the stream has a slot of its
 * own, `<prefix>{feed}`). A dedicated connection waits with `XREAD BLOCK` from the last id, then
 * reads with a script that also detects trimming past that id; after a reconnect it resumes from
 * the same id, and when the stream was trimmed past it (or vanished) it reloads in full from the
 * store. On a cluster the feed entry is in the stream before the revocation completes, so a read
 * begun after a revocation completed sees it, which is what `current(asOf)` promises.
 */
import type { ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { openRedisFeedClient, readRedisFeed, redisFeedStream, type TokenStore } from '../../store/index.js';
import { revokedEntriesOf } from './store-reload.js';
import type { RevocationFeedSource, RevocationSink } from './types.js';

/** Options of {@link RedisRevocationSource}. */
export interface RedisRevocationSourceOptions {
  /** The store's key prefix (default `cjwt:`). */
  prefix?: string;
  /** The store to reload from when the stream no longer holds the reader's position. */
  store: TokenStore;
  /** Longest blocking wait (default 200 ms); bounds how old the confirmation gets while idle. */
  heartbeatMs?: number;
  /** Extra ioredis options for the feed's own connection (for a cluster: per node). */
  redisOptions?: RedisOptions;
  /** Extra ioredis Cluster options, for a `redis+cluster://` URL. */
  clusterOptions?: ClusterOptions;
}

const BATCH = 1000;

/**
 * Follows a RedisTokenStore's feed stream over a dedicated connection, on a single server
 * (`redis://`) or a cluster (`redis+cluster://h1:p1,h2:p2`, seed nodes as the store takes them).
 * @example
 * const feed = await RevocationFeed.start(new RedisRevocationSource(url, { store }));
 * const onCluster = new RedisRevocationSource('redis+cluster://10.0.0.1:7000,10.0.0.2:7000', { store });
 */
export class RedisRevocationSource implements RevocationFeedSource {
  readonly backend = 'redis';
  readonly #url: string;
  readonly #options: RedisRevocationSourceOptions;
  readonly #prefix: string;
  readonly #heartbeatMs: number;
  #client: Redis | undefined;
  #last = '0-0';
  #closed = false;
  #loop: Promise<void> | undefined;
  /** Full reloads done (the stream was trimmed past this reader). */
  reloads = 0;

  /** @param url the store's URL: `redis://`, `rediss://`, `redis+cluster://` or `rediss+cluster://`. */
  constructor(url: string, options: RedisRevocationSourceOptions) {
    this.#url = url;
    this.#options = options;
    this.#prefix = options.prefix ?? 'cjwt:';
    this.#heartbeatMs = options.heartbeatMs ?? 200;
  }

  /** Connects and catches up from the last position (a restarted source resumes where it stopped). */
  async start(sink: RevocationSink): Promise<void> {
    this.#closed = false;
    // Commands wait through a reconnect (bounded by commandTimeout), then resume from #last.
    // Cluster and Redis share the command API; the narrower type keeps overloads callable.
    this.#client = await openRedisFeedClient(this.#url, {
      commandTimeoutMs: this.#heartbeatMs + 2000,
      ...(this.#options.redisOptions ? { redisOptions: this.#options.redisOptions } : {}),
      ...(this.#options.clusterOptions ? { clusterOptions: this.#options.clusterOptions } : {}),
    }) as Redis;
    this.#client.on('error', (err) => sink.error(err));
    await this.#client.connect();
    const sentAt = Date.now();
    const entries = [];
    for (;;) {
      const read = await readRedisFeed(this.#client, this.#prefix, this.#last, BATCH);
      if (read.status === 'lost') {
        await this.#reload(sink, sentAt);
        break;
      }
      entries.push(...read.entries);
      this.#last = read.last;
      if (read.entries.length < BATCH) {
        sink.replace(entries);
        sink.current(sentAt);
        break;
      }
    }
    this.#loop = this.#follow(sink);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#client?.disconnect();
    await this.#loop?.catch(() => {});
  }

  async #follow(sink: RevocationSink): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const stream = redisFeedStream(this.#prefix);
    while (!this.#closed) {
      try {
        // Wake-up: returns at once when there is an entry after #last, else after the heartbeat.
        await client.xread('COUNT', 1, 'BLOCK', this.#heartbeatMs, 'STREAMS', stream, this.#last);
        for (;;) {
          const sentAt = Date.now();
          const read = await readRedisFeed(client, this.#prefix, this.#last, BATCH);
          if (read.status === 'lost') {
            await this.#reload(sink, sentAt);
            break;
          }
          if (read.entries.length > 0) sink.apply(read.entries);
          this.#last = read.last;
          if (read.entries.length < BATCH) {
            sink.current(sentAt);
            break;
          }
        }
      } catch (err) {
        if (this.#closed) return;
        sink.error(err);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  // Position first, then the store: what is revoked meanwhile is in the listing or after #last.
  async #reload(sink: RevocationSink, sentAt: number): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    const tip = await client.xinfo('STREAM', redisFeedStream(this.#prefix)).catch(() => undefined) as unknown[] | undefined;
    const at = tip?.indexOf('last-generated-id') ?? -1;
    const last = at >= 0 ? String(tip?.[at + 1]) : '0-0';
    sink.replace(await revokedEntriesOf(this.#options.store));
    this.#last = last;
    this.reloads++;
    sink.current(sentAt);
  }
}
