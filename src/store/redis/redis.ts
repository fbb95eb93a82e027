/**
 * {@link RedisTokenStore}: the TokenStore on Redis or a Redis Cluster through ioredis. The driver
 * is imported only inside {@link RedisTokenStore.connect}; a store built around an existing client
 * loads nothing.
 *
 * Records live in the slot of their subject (hash tag), so everything a subject's sessions need
 * (addSession with its limit, revokeWhere by subject) is one Lua script on one slot; consume is
 * one script on the record. Pointers by id and by token hash find a record without knowing its
 * subject. On a single server each call is one script that follows the pointer or writes record,
 * pointers and indexes together (keys of several slots: allowed outside cluster mode); on a
 * cluster the store goes slot by slot, writing pointers and indexes before the record, so a crash
 * leaves at worst a dangling pointer, which reads treat as "not found" (redis-cluster-writes.ts).
 *
 * The revocation feed stream `<prefix>{feed}`: on a single server every revoking script appends
 * to it itself; on a cluster the store appends first and revokes second (redis-cluster-feed.ts).
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StorageError, StoreConflict } from '../../jose/errors.js';
import {
  callNow, closedError, consumeRefusal, hashKey, idKey, matchesFilter, normalizeLimit,
  decodeCursor, pageFromSorted, resolveStoreOptions, runStoreCall, validateFilter, validateRecord,
  validateSessionLimit,
} from '../record-codec.js';
import { cleanupTime } from '../store-call.js';
import { filterCanMatch, lookupable } from '../lookup-key.js';
import type {
  AddSessionResult, ConsumeResult, RevokeResult, SessionLimitPolicy, StoreCallOptions, TokenFilter,
  TokenPage, TokenPageResult, TokenRecord, TokenStore,
} from '../types.js';
import { openRedisClient } from './redis-connect.js';
import { startBackgroundSweep, validateSweepInterval, type BackgroundSweep, type SweepingStoreOptions } from '../store-lifecycle.js';
import {
  RedisKeys, decodeHashPointer, tagDigest, validatePrefix,
} from './redis-keys.js';
import { recordFromCore, recordFromPairs } from './redis-record.js';
import { RedisClusterFeed } from './redis-cluster-feed.js';
import { RedisClusterWrites, type RevokeGroup } from './redis-cluster-writes.js';
import { ReadCoalescer } from '../read-coalescer.js';
import { RedisAccess } from './redis-access.js';
import { cleanupExpired } from './redis-cleanup.js';
import { membersBySubject, scanRecords } from './redis-scan.js';
import { RedisRecordWriter } from './redis-record-writer.js';
import {
  ADD_SESSION_LOCAL, CONSUME, CONSUME_VIA_POINTER, DELETE_IF_EQUAL, READ_POINTED, PUT_LOCAL, REVOKE_VIA_POINTER, REVOKE_WHERE,
  type LuaScript,
} from './redis-scripts.js';
import { DEFAULT_FEED_MAX_LENGTH } from './redis-feed-scripts.js';

/** Options of `new RedisTokenStore(...)`. */
export interface RedisTokenStoreOptions extends SweepingStoreOptions {
  /** An ioredis `Redis` or `Cluster` client. The store does not close it unless `closeClient` is true. */
  client: Redis | Cluster;
  /** Prefix of every key (default `cjwt:`); must not contain `{` or `}`. */
  prefix?: string;
  /** Quit the client in `close()` (default false; `connect()` sets it). */
  closeClient?: boolean;
  /**
   * The revocation feed stream `<prefix>{feed}`, capped near `maxLength` entries (default
   * 100,000); `false` turns it off. A single server appends in the revoking script itself; a
   * cluster appends first and revokes second, so a crash in between errs on "revoked".
   */
  revocationFeed?: boolean | { maxLength?: number };
}

/** Options of {@link RedisTokenStore.connect}. */
export interface RedisConnectOptions extends SweepingStoreOptions, Pick<RedisTokenStoreOptions, 'prefix' | 'revocationFeed'> {
  /** How long `connect` waits for the server (or cluster) to be ready, in ms (default: the larger of operationTimeoutMs and 10000). */
  connectTimeoutMs?: number;
  /** Extra ioredis options (for a cluster: per node). Defaults fail fast while disconnected. */
  redisOptions?: RedisOptions;
  /** Extra ioredis Cluster options. */
  clusterOptions?: ClusterOptions;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

type RedisReply = unknown;
/** One standalone point read: a pointer key, its mode ('i' id, 'h' hash), and the id for mode 'i'. */
interface PointedRead { pointer: string; mode: 'i' | 'h'; id: string }

/**
 * A TokenStore on Redis (single server or Cluster). TTL on every key is the record's
 * `expiresAt + revocationRetentionMs`; multi-step operations are Lua scripts on one slot.
 * @example
 * const store = await RedisTokenStore.connect('redis://127.0.0.1:6379', { prefix: 'app:' });
 * await store.put({ id: 'jti-1', kind: 'access', subject: 'alice', issuedAt: Date.now(), expiresAt: Date.now() + 60_000 });
 * console.log(await store.isRevoked('jti-1')); // false
 * await store.close();
 */
export class RedisTokenStore implements TokenStore {
  readonly backend = 'redis';
  readonly #client: Redis;
  readonly #keys: RedisKeys;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #closeClient: boolean;
  readonly #cluster: boolean;
  readonly #redis: RedisAccess;
  readonly #writer: RedisRecordWriter;
  /** The cluster's slot-by-slot writes and feed-first revocations (unused on a single server). */
  readonly #clusterWrites: RedisClusterWrites;
  #closed = false;
  readonly #sweeper: BackgroundSweep;
  /** Standalone point reads, batched into one READ_POINTED call when they overlap. */
  readonly #pointedReads = new ReadCoalescer<PointedRead, unknown>((reads) => this.#readPointedMany(reads));

  /**
   * Connects to `redis://[user:pass@]host:port[/db]`, `rediss://...` (TLS), or a cluster given as
   * `redis+cluster://[user:pass@]h1:p1,h2:p2` (seed nodes). Resolves once the server answered;
   * rejects with StorageError otherwise. The store owns the client and quits it on close.
   * @example
   * const store = await RedisTokenStore.connect('redis+cluster://10.0.0.1:7000,10.0.0.2:7000');
   */
  static async connect(url: string, options: RedisConnectOptions = {}): Promise<RedisTokenStore> {
    const resolved = resolveStoreOptions(options);
    const prefix = validatePrefix(options.prefix ?? 'cjwt:');
    validateSweepInterval(options.sweepIntervalMs);
    const client = await openRedisClient(url, {
      connectTimeoutMs: options.connectTimeoutMs ?? Math.max(resolved.operationTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
      ...(options.redisOptions ? { redisOptions: options.redisOptions } : {}),
      ...(options.clusterOptions ? { clusterOptions: options.clusterOptions } : {}),
    });
    return new RedisTokenStore({
      ...options, ...resolved, client, prefix, closeClient: true,
    });
  }

  /**
   * Wraps an existing ioredis client (a `Redis` or a `Cluster`). Nothing is loaded or connected.
   * For fail-fast behaviour while the server is away, create the client with
   * `enableOfflineQueue: false` and `maxRetriesPerRequest: 0`; otherwise calls still end at
   * `operationTimeoutMs` with a StorageError.
   * @example
   * import { Redis } from 'ioredis';
   * const store = new RedisTokenStore({ client: new Redis(6379, '127.0.0.1'), prefix: 'tokens:' });
   */
  constructor(options: RedisTokenStoreOptions) {
    const resolved = resolveStoreOptions(options);
    this.#retentionMs = resolved.revocationRetentionMs;
    this.#timeoutMs = resolved.operationTimeoutMs;
    this.#keys = new RedisKeys(validatePrefix(options.prefix ?? 'cjwt:'));
    // Cluster and Redis share the command API; the narrower type keeps overloads callable.
    this.#client = options.client as unknown as Redis;
    this.#cluster = (options.client as { isCluster?: boolean }).isCluster === true;
    const feed = options.revocationFeed ?? true;
    const feedMaxLength = feed === false ? undefined : (feed === true ? undefined : feed.maxLength) ?? DEFAULT_FEED_MAX_LENGTH;
    // A cluster's scripts keep their no-op feed stub: its feed is appended beside them.
    this.#redis = new RedisAccess(this.#client, this.#keys, this.#cluster ? undefined : feedMaxLength);
    this.#writer = new RedisRecordWriter(this.#redis, this.#retentionMs, this.#timeoutMs);
    this.#clusterWrites = new RedisClusterWrites(this.#redis, this.#writer, new RedisClusterFeed(this.#redis, this.#cluster ? feedMaxLength : undefined), this.#timeoutMs);
    this.#closeClient = options.closeClient === true;
    // Removes index entries as well as records past retention.
    this.#sweeper = startBackgroundSweep(options.sweepIntervalMs, () => this.cleanup(Date.now()));
  }

  // ---- plumbing -------------------------------------------------------------------------

  #call<T>(op: string, key: string | undefined, options: StoreCallOptions | undefined, run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(op, this.backend));
    return runStoreCall(op, key, options, this.#timeoutMs, run);
  }

  #eval(script: LuaScript, keys: string[], args: Array<string | number>): Promise<RedisReply> {
    return this.#redis.eval(script, keys, args);
  }

  async #readPointedMany(reads: PointedRead[]): Promise<unknown[]> {
    const args: string[] = [this.#keys.prefix];
    for (const read of reads) args.push(read.mode, read.id);
    const reply = await this.#eval(READ_POINTED, reads.map((read) => read.pointer), args);
    return Array.isArray(reply) ? reply : [];
  }

  /** Standalone: the `[j, ra, rr, ca]` of the record a pointer names (empty when none). */
  #readPointed(pointer: string, mode: 'i' | 'h', id: string): Promise<unknown> {
    return this.#pointedReads.load({ pointer, mode, id });
  }

  #readRecord(s: string, id: string): Promise<TokenRecord | undefined> {
    return this.#redis.readRecord(s, id);
  }

  async #subjectOfId(id: string): Promise<string | undefined> {
    const s = await this.#client.get(this.#keys.idPointer(id));
    return s ?? undefined;
  }

  async #locateHash(hash: string): Promise<{ s: string; id: string } | undefined> {
    const value = await this.#client.get(this.#keys.hashPointer(hash));
    return value === null ? undefined : decodeHashPointer(value);
  }

  // ---- plain access ---------------------------------------------------------------------

  /** Inserts or replaces a record by id; a different live record with the same hash is a StoreConflict. */
  async put(record: TokenRecord, options?: StoreCallOptions): Promise<void> {
    validateRecord(record);
    return this.#call('put', idKey(record.id), options, async () => {
      if (!this.#cluster) {
        const written = await this.#eval(PUT_LOCAL, ...this.#writer.localWrite(record, ['', '', '', '']));
        if (Number(written) !== 1) throw new StoreConflict('another record already has this token hash');
        return;
      }
      await this.#clusterWrites.put(record);
    });
  }

  /** The record with this id (live, expired or revoked), or undefined. */
  async get(id: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    return this.#call('get', idKey(id), options, async () => (lookupable(id, 'id') ? this.#get(id) : undefined));
  }

  async #get(id: string): Promise<TokenRecord | undefined> {
    if (!this.#cluster) {
      const record = recordFromCore(await this.#readPointed(this.#keys.idPointer(id), 'i', id));
      return record !== undefined && record.id === id ? record : undefined;
    }
    const s = await this.#subjectOfId(id);
    return s === undefined ? undefined : this.#readRecord(s, id);
  }

  /** The record with this token hash, or undefined. One round trip on a single server. */
  async getByHash(hash: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> {
    return this.#call('getByHash', hashKey(hash), options, async () => {
      if (!lookupable(hash, 'hash')) return undefined;
      if (!this.#cluster) {
        const record = recordFromCore(await this.#readPointed(this.#keys.hashPointer(hash), 'h', ''));
        return record !== undefined && record.hash === hash ? record : undefined;
      }
      const at = await this.#locateHash(hash);
      if (at === undefined) return undefined;
      const record = await this.#readRecord(at.s, at.id);
      return record !== undefined && record.hash === hash ? record : undefined;
    });
  }

  /** Removes the record; resolves true when it existed. */
  async delete(id: string, options?: StoreCallOptions): Promise<boolean> {
    return this.#call('delete', idKey(id), options, async () => {
      if (!lookupable(id, 'id')) return false;
      const s = await this.#subjectOfId(id);
      if (s === undefined) return false;
      const old = await this.#writer.removeRecord(s, id);
      await this.#eval(DELETE_IF_EQUAL, [this.#keys.idPointer(id)], [s]);
      return old !== undefined;
    });
  }

  // ---- listing --------------------------------------------------------------------------

  /** Records matching the filter in `issuedAt`, `id` order, one page at a time. */
  async list(filter: TokenFilter, page: TokenPage = {}, options?: StoreCallOptions): Promise<TokenPageResult> {
    validateFilter(filter);
    const limit = normalizeLimit(page?.limit);
    const after = page?.cursor === undefined ? undefined : decodeCursor(page.cursor);
    return this.#call('list', undefined, options, async () => {
      if (!filterCanMatch(filter)) return { records: [] };
      const now = callNow(options);
      const found: TokenRecord[] = [];
      await scanRecords(this.#redis, filter, after, (record) => {
        if (matchesFilter(record, filter, now)) found.push(record);
        return found.length <= limit;
      });
      return pageFromSorted(found, limit);
    });
  }

  /** Number of records matching the filter. */
  async count(filter: TokenFilter, options?: StoreCallOptions): Promise<number> {
    validateFilter(filter);
    return this.#call('count', undefined, options, async () => {
      if (!filterCanMatch(filter)) return 0;
      const now = callNow(options);
      let n = 0;
      await scanRecords(this.#redis, filter, undefined, (record) => {
        if (matchesFilter(record, filter, now)) n++;
        return true;
      });
      return n;
    });
  }

  // ---- revocation -----------------------------------------------------------------------

  /** Marks the record revoked at `options.now`; a second call reports `already_revoked`. */
  async revoke(id: string, reason?: string, options?: StoreCallOptions): Promise<RevokeResult> {
    return this.#call('revoke', idKey(id), options, async () => {
      if (!lookupable(id, 'id')) return { revoked: false, reason: 'not_found' };
      const now = callNow(options);
      const tail = [String(now), reason === undefined ? '0' : '1', reason ?? ''];
      let reply: [string, string?];
      if (!this.#cluster) {
        reply = await this.#eval(REVOKE_VIA_POINTER, [this.#keys.idPointer(id)], [this.#keys.prefix, id, ...tail]) as [string, string?];
      } else {
        const s = await this.#subjectOfId(id);
        if (s === undefined) return { revoked: false, reason: 'not_found' };
        return this.#clusterWrites.revoke(s, id, now, reason);
      }
      if (reply[0] === 'N') return { revoked: false, reason: 'not_found' };
      if (reply[0] === 'A') return { revoked: false, reason: 'already_revoked', revokedAt: Number(reply[1]) };
      return { revoked: true, revokedAt: now };
    });
  }

  /** True when the record is revoked; false for live and unknown ids. Rejects on any failure. */
  async isRevoked(id: string, options?: StoreCallOptions): Promise<boolean> {
    return this.#call('isRevoked', idKey(id), options, async () => {
      if (!lookupable(id, 'id')) return false;
      if (!this.#cluster) {
        // The record key embeds the id, so the pointer leads to this id's record only.
        const core = await this.#readPointed(this.#keys.idPointer(id), 'i', id);
        // A reply of another shape must not read as "not revoked".
        if (!Array.isArray(core)) throw new StorageError({ op: 'isRevoked', key: idKey(id), detail: 'unexpected script reply' });
        return core[1] != null;
      }
      const s = await this.#subjectOfId(id);
      if (s === undefined) return false;
      const ra = await this.#client.hget(this.#keys.record(s, id), 'ra');
      return ra !== null;
    });
  }

  /**
   * Revokes every not-yet-revoked record matching the filter. By subject: one script on the
   * subject's slot. Otherwise the family or global index names the candidates, and one script
   * per subject revokes them (atomic per subject, not across subjects).
   */
  async revokeWhere(filter: TokenFilter, reason?: string, options?: StoreCallOptions): Promise<number> {
    validateFilter(filter);
    return this.#call('revokeWhere', filter.subject === undefined ? undefined : idKey(filter.subject), options, async () => {
      if (!filterCanMatch(filter)) return 0;
      const now = String(callNow(options));
      const head = [now, reason === undefined ? '0' : '1', reason ?? '', JSON.stringify(filter)];
      const groups: RevokeGroup[] = [];
      if (filter.subject !== undefined) groups.push({ s: tagDigest(filter.subject), ids: 'all' });
      else {
        const indexKey = filter.familyId !== undefined ? this.#keys.familyIndex(filter.familyId) : this.#keys.globalIndex();
        for (const [s, ids] of await membersBySubject(this.#redis, indexKey)) groups.push({ s, ids });
      }
      if (this.#cluster) return this.#clusterWrites.revokeWhere(filter, groups, Number(now), reason);
      let total = 0;
      for (const { s, ids } of groups) {
        const tail = ids === 'all' ? ['all'] : ['ids', ...ids];
        total += Number(await this.#eval(REVOKE_WHERE, [this.#keys.subjectIndex(s)], [this.#keys.recordPrefix(s), ...head, ...tail]));
      }
      return total;
    });
  }

  // ---- atomic lifecycle -----------------------------------------------------------------

  /** Counts the subject's live sessions of `record.kind` and inserts, in one script on the subject's slot. */
  async addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, options?: StoreCallOptions): Promise<AddSessionResult> {
    validateRecord(record);
    validateSessionLimit(max, policy);
    return this.#call('addSession', idKey(record.id), options, async () => {
      const now = callNow(options);
      if (!this.#cluster) {
        const reply = await this.#eval(ADD_SESSION_LOCAL, ...this.#writer.localWrite(record, [record.kind, String(now), String(max), policy])) as number[];
        if (Number(reply[0]) === -1) throw new StoreConflict('another record already has this token hash');
        if (Number(reply[0]) === 0) return { added: false, reason: 'max_sessions_exceeded', live: Number(reply[1]) };
        return { added: true, evicted: reply.slice(1).map(String) };
      }
      return this.#clusterWrites.addSession(record, max, policy, now);
    });
  }

  /** Marks the record with this hash consumed; exactly one concurrent caller wins. */
  async consume(hash: string, options?: StoreCallOptions): Promise<ConsumeResult> {
    return this.#call('consume', hashKey(hash), options, async () => {
      if (!lookupable(hash, 'hash')) return { consumed: false, reason: 'not_found' };
      const now = callNow(options);
      let reply: [string, unknown];
      if (!this.#cluster) {
        reply = await this.#eval(CONSUME_VIA_POINTER, [this.#keys.hashPointer(hash)], [this.#keys.prefix, hash, String(now)]) as [string, unknown];
      } else {
        const at = await this.#locateHash(hash);
        if (at === undefined) return { consumed: false, reason: 'not_found' };
        reply = await this.#eval(CONSUME, [this.#keys.record(at.s, at.id)], [hash, String(now)]) as [string, unknown];
      }
      const [status, pairs] = reply;
      const record = recordFromPairs(pairs);
      if (status === 'N' || record === undefined) return { consumed: false, reason: 'not_found' };
      if (status === 'OK') return { consumed: true, record };
      return consumeRefusal(record, now) ?? { consumed: false, reason: 'not_found' };
    });
  }

  // ---- expiry ---------------------------------------------------------------------------

  /** Removes records whose `expiresAt + revocationRetentionMs <= now`; resolves to how many. */
  async cleanup(now?: number, options?: StoreCallOptions): Promise<number> {
    const at = cleanupTime(now, options);
    return this.#call('cleanup', undefined, options, () => cleanupExpired(this.#redis, at, this.#retentionMs));
  }

  /** Stops the sweep timer and, when the store owns the client, quits it. Later calls reject. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweeper.stop();
    if (!this.#closeClient) return;
    try {
      await Promise.race([
        this.#client.quit(),
        new Promise((resolve) => setTimeout(resolve, this.#timeoutMs).unref()),
      ]);
    } catch {
      // Quitting a client whose server is gone fails; disconnecting below is all that is left.
    }
    this.#client.disconnect();
  }
}
