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
 * leaves at worst a dangling pointer, which reads treat as "not found".
 */
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { StorageError, StoreConflict } from '../../jose/errors.js';
import {
  callNow, closedError, compareIds, consumeRefusal, hashKey, idKey, keepLifecycle, matchesFilter, normalizeLimit,
  decodeCursor, pageFromSorted, resolveStoreOptions, runStoreCall, validateFilter, validateRecord,
  validateSessionLimit, type KeysetPosition,
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
  RedisKeys, decodeHashPointer, decodeMember, encodeHashPointer, encodeMember, tagDigest, validatePrefix,
} from './redis-keys.js';
import { recordFields, recordFromCore, recordFromHash, recordFromPairs } from './redis-record.js';
import { ReadCoalescer } from '../read-coalescer.js';
import {
  ADD_SESSION, ADD_SESSION_LOCAL, CLAIM_HASH, CLEANUP_RECORD, CONSUME, CONSUME_VIA_POINTER, DELETE_IF_EQUAL, DELETE_RECORD,
  INDEX_ADD, KEEP_LIFECYCLE, READ_POINTED, PUT_LOCAL, REVOKE_ONE, REVOKE_VIA_POINTER, REVOKE_WHERE, SET_GROW, SUBJECT_RANGE, WRITE_RECORD, ZADD_GROW,
  type LuaScript,
} from './redis-scripts.js';

/** Options of `new RedisTokenStore(...)`. */
export interface RedisTokenStoreOptions extends SweepingStoreOptions {
  /** An ioredis `Redis` or `Cluster` client. The store does not close it unless `closeClient` is true. */
  client: Redis | Cluster;
  /** Prefix of every key (default `cjwt:`); must not contain `{` or `}`. */
  prefix?: string;
  /** Quit the client in `close()` (default false; `connect()` sets it). */
  closeClient?: boolean;
}

/** Options of {@link RedisTokenStore.connect}. */
export interface RedisConnectOptions extends SweepingStoreOptions {
  prefix?: string;
  /** How long `connect` waits for the server (or cluster) to be ready, in ms (default: the larger of operationTimeoutMs and 10000). */
  connectTimeoutMs?: number;
  /** Extra ioredis options (for a cluster: per node). Defaults fail fast while disconnected. */
  redisOptions?: RedisOptions;
  /** Extra ioredis Cluster options. */
  clusterOptions?: ClusterOptions;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const SCAN_BATCH = 256;
const CLEANUP_BATCH = 500;
// Redis rejects expire times <= 0 and above what a signed 64-bit ms count holds.
const MAX_EXPIRE_AT = 8.64e15;

type RedisReply = unknown;
/** One standalone point read: a pointer key, its mode ('i' id, 'h' hash), and the id for mode 'i'. */
interface PointedRead { pointer: string; mode: 'i' | 'h'; id: string }
type Evaluator = (sha: string, numKeys: number, ...args: Array<string | number>) => Promise<RedisReply>;

/** One entry of an ordered index scan. */
interface IndexEntry {
  issuedAt: number;
  id: string;
  record: TokenRecord | undefined;
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

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
  readonly #evalsha: Evaluator;
  readonly #evalLua: Evaluator;
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
    this.#evalsha = this.#client.evalsha.bind(this.#client) as unknown as Evaluator;
    this.#evalLua = this.#client.eval.bind(this.#client) as unknown as Evaluator;
    this.#closeClient = options.closeClient === true;
    // Removes index entries as well as records past retention.
    this.#sweeper = startBackgroundSweep(options.sweepIntervalMs, () => this.cleanup(Date.now()));
  }

  // ---- plumbing -------------------------------------------------------------------------

  #call<T>(op: string, key: string | undefined, options: StoreCallOptions | undefined, run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(op, this.backend));
    return runStoreCall(op, key, options, this.#timeoutMs, run);
  }

  async #eval(script: LuaScript, keys: string[], args: Array<string | number>): Promise<RedisReply> {
    try {
      return await this.#evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      // After a restart or SCRIPT FLUSH the server no longer knows the script: send it once.
      return this.#evalLua(script.lua, keys.length, ...keys, ...args);
    }
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

  #expireAt(record: Pick<TokenRecord, 'expiresAt'>): number {
    return Math.max(1, Math.min(MAX_EXPIRE_AT, Math.ceil(record.expiresAt + this.#retentionMs)));
  }

  async #readRecord(s: string, id: string): Promise<TokenRecord | undefined> {
    const hash = await this.#client.hgetall(this.#keys.record(s, id));
    const record = recordFromHash(hash);
    return record !== undefined && record.id === id ? record : undefined;
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
        const written = await this.#eval(PUT_LOCAL, ...this.#localWrite(record, ['', '', '', '']));
        if (Number(written) !== 1) throw new StoreConflict('another record already has this token hash');
        return;
      }
      const { s, previous } = await this.#prepareWrite(record);
      // The version filed under another subject, as it was when deleted: its lifecycle carries over.
      const moved = previous === undefined ? undefined : await this.#removeRecord(previous, record.id);
      await this.#eval(WRITE_RECORD, [this.#keys.record(s, record.id), this.#keys.subjectIndex(s)],
        [record.id, String(record.issuedAt), this.#expireAt(record), ...recordFields(keepLifecycle(record, moved))]);
    });
  }

  /**
   * KEYS and ARGV of the standalone write scripts (PUT_LOCAL, ADD_SESSION_LOCAL): the record,
   * its pointers and its index entries in one call. `session` is kind, now, max, policy.
   */
  #localWrite(record: TokenRecord, session: string[]): [string[], string[]] {
    const s = tagDigest(record.subject);
    const idPointer = this.#keys.idPointer(record.id);
    const keys = [
      this.#keys.record(s, record.id), this.#keys.subjectIndex(s), idPointer, this.#keys.globalIndex(), this.#keys.expiryIndex(),
      record.hash === undefined ? idPointer : this.#keys.hashPointer(record.hash),
      record.familyId === undefined ? idPointer : this.#keys.familyIndex(record.familyId),
    ];
    const args = [
      this.#keys.prefix, s, encodeMember(record.id, s), encodeMember(record.id, ''), record.hash ?? '',
      encodeHashPointer(s, record.id), record.familyId === undefined ? '0' : '1', String(record.expiresAt),
      ...session,
      record.id, String(record.issuedAt), String(this.#expireAt(record)), ...recordFields(record),
    ];
    return [keys, args];
  }

  /**
   * Everything a write does before the record itself (cluster): claims the hash pointer, points the id at
   * the subject, adds the index members. Returns the subject tag and, when the id was filed under
   * another subject, that subject: the caller removes the older version once its write stands.
   */
  async #prepareWrite(record: TokenRecord): Promise<{ s: string; previous: string | undefined }> {
    const s = tagDigest(record.subject);
    const expireAt = this.#expireAt(record);
    if (record.hash !== undefined) await this.#claimHash(record, s, expireAt);
    const member = encodeMember(record.id, s);
    const [previous] = await Promise.all([
      this.#eval(SET_GROW, [this.#keys.idPointer(record.id)], [s, expireAt]) as Promise<string | null>,
      this.#eval(INDEX_ADD, [this.#keys.globalIndex(), this.#keys.expiryIndex()], [member, String(record.issuedAt), String(record.expiresAt)]),
      record.familyId === undefined ? undefined
        : this.#eval(ZADD_GROW, [this.#keys.familyIndex(record.familyId)], [String(record.issuedAt), member, expireAt]),
    ]);
    return { s, previous: previous !== null && previous !== s ? previous : undefined };
  }

  async #claimHash(record: TokenRecord, s: string, expireAt: number): Promise<void> {
    const hash = record.hash as string;
    const key = this.#keys.hashPointer(hash);
    const value = encodeHashPointer(s, record.id);
    let expected = '';
    // The lease outlives this call's deadline, by which the record is written or the call failed.
    const leaseMs = Math.max(1, Math.ceil(this.#timeoutMs));
    for (let attempt = 0; attempt < 3; attempt++) {
      const holder = await this.#eval(CLAIM_HASH, [key, this.#keys.hashClaimLease(hash)], [value, record.id.length, expireAt, expected, leaseMs]);
      if (holder === null) return;
      if (holder === 'L') throw new StoreConflict('token hash is being claimed concurrently');
      const other = decodeHashPointer(String(holder));
      // A pointer whose record is gone or carries another hash now is stale: take it over.
      const otherRecord = other === undefined ? undefined : await this.#readRecord(other.s, other.id);
      if (otherRecord !== undefined && otherRecord.hash === hash) {
        throw new StoreConflict('another record already has this token hash');
      }
      expected = String(holder);
    }
    throw new StoreConflict('token hash is being claimed concurrently');
  }

  /** Deletes the record filed under subject tag `s` and its index entries; returns it. */
  async #removeRecord(s: string, id: string): Promise<TokenRecord | undefined> {
    const pairs = await this.#eval(DELETE_RECORD, [this.#keys.record(s, id), this.#keys.subjectIndex(s)], [id]);
    const old = recordFromPairs(pairs);
    const member = encodeMember(id, s);
    await Promise.all([
      this.#client.zrem(this.#keys.globalIndex(), member),
      this.#client.zrem(this.#keys.expiryIndex(), member),
      old?.familyId === undefined ? undefined : this.#client.zrem(this.#keys.familyIndex(old.familyId), member),
      old?.hash === undefined ? undefined
        : this.#eval(DELETE_IF_EQUAL, [this.#keys.hashPointer(old.hash)], [encodeHashPointer(s, id)]),
    ]);
    return old;
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
      const old = await this.#removeRecord(s, id);
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
      await this.#scan(filter, after, (record) => {
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
      await this.#scan(filter, undefined, (record) => {
        if (matchesFilter(record, filter, now)) n++;
        return true;
      });
      return n;
    });
  }

  /**
   * Visits records in list order after `after`, through the narrowest index the filter allows:
   * the subject's, the family's, or the global one. `visit` returns false to stop.
   */
  async #scan(filter: TokenFilter, after: KeysetPosition | undefined, visit: (record: TokenRecord) => boolean): Promise<void> {
    const min = after === undefined ? '-inf' : String(after.issuedAt);
    for (let offset = 0; ; offset += SCAN_BATCH) {
      const batch = await this.#indexBatch(filter, min, offset);
      for (const entry of batch.entries) {
        if (after !== undefined && entry.issuedAt === after.issuedAt && compareIds(entry.id, after.id) <= 0) continue;
        if (entry.record !== undefined && !visit(entry.record)) return;
      }
      if (batch.size < SCAN_BATCH) return;
    }
  }

  /** One batch of index entries; `size` counts index members, readable or not. */
  async #indexBatch(filter: TokenFilter, min: string, offset: number): Promise<{ entries: IndexEntry[]; size: number }> {
    if (filter.subject !== undefined) {
      const s = tagDigest(filter.subject);
      const reply = await this.#eval(SUBJECT_RANGE, [this.#keys.subjectIndex(s)], [this.#keys.recordPrefix(s), min, offset, SCAN_BATCH]) as unknown[];
      const out: IndexEntry[] = [];
      for (let i = 0; i + 2 < reply.length; i += 3) {
        const id = String(reply[i]);
        const record = recordFromPairs(reply[i + 2]);
        out.push({ id, issuedAt: Number(reply[i + 1]), record: record?.id === id ? record : undefined });
      }
      return { entries: out, size: out.length };
    }
    const key = filter.familyId !== undefined ? this.#keys.familyIndex(filter.familyId) : this.#keys.globalIndex();
    const page = await this.#client.zrange(key, min, '+inf', 'BYSCORE', 'LIMIT', offset, SCAN_BATCH, 'WITHSCORES');
    const entries: Array<{ id: string; s: string; issuedAt: number }> = [];
    for (let i = 0; i + 1 < page.length; i += 2) {
      const member = decodeMember(page[i] as string);
      if (member !== undefined) entries.push({ ...member, issuedAt: Number(page[i + 1]) });
    }
    const records = await Promise.all(entries.map((e) => this.#readRecord(e.s, e.id)));
    return {
      entries: entries.map((e, i) => ({ id: e.id, issuedAt: e.issuedAt, record: records[i] })),
      size: page.length / 2,
    };
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
        reply = await this.#eval(REVOKE_ONE, [this.#keys.record(s, id)], tail) as [string, string?];
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
      if (filter.subject !== undefined) {
        const s = tagDigest(filter.subject);
        return Number(await this.#eval(REVOKE_WHERE, [this.#keys.subjectIndex(s)], [this.#keys.recordPrefix(s), ...head, 'all']));
      }
      const bySubject = new Map<string, string[]>();
      const indexKey = filter.familyId !== undefined ? this.#keys.familyIndex(filter.familyId) : this.#keys.globalIndex();
      for (let offset = 0; ; offset += CLEANUP_BATCH) {
        const members = await this.#client.zrange(indexKey, String(offset), String(offset + CLEANUP_BATCH - 1));
        for (const raw of members) {
          const member = decodeMember(raw);
          if (member === undefined) continue;
          const ids = bySubject.get(member.s) ?? [];
          ids.push(member.id);
          bySubject.set(member.s, ids);
        }
        if (members.length < CLEANUP_BATCH) break;
      }
      let total = 0;
      for (const [s, ids] of bySubject) {
        total += Number(await this.#eval(REVOKE_WHERE, [this.#keys.subjectIndex(s)], [this.#keys.recordPrefix(s), ...head, 'ids', ...ids]));
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
        const reply = await this.#eval(ADD_SESSION_LOCAL, ...this.#localWrite(record, [record.kind, String(now), String(max), policy])) as number[];
        if (Number(reply[0]) === -1) throw new StoreConflict('another record already has this token hash');
        if (Number(reply[0]) === 0) return { added: false, reason: 'max_sessions_exceeded', live: Number(reply[1]) };
        return { added: true, evicted: reply.slice(1).map(String) };
      }
      const { s, previous } = await this.#prepareWrite(record);
      const before = previous === undefined ? undefined : await this.#readRecord(previous, record.id);
      const reply = await this.#eval(ADD_SESSION, [this.#keys.subjectIndex(s), this.#keys.record(s, record.id)], [
        this.#keys.recordPrefix(s), record.id, record.kind, String(now), max, policy,
        record.id, String(record.issuedAt), this.#expireAt(record), ...recordFields(keepLifecycle(record, before)),
      ]) as Array<string | number>;
      if (Number(reply[0]) === 1) {
        if (previous !== undefined) {
          // A revocation or consumption of the old version since it was read still carries over.
          const moved = await this.#removeRecord(previous, record.id);
          if (moved?.revokedAt !== undefined || moved?.consumedAt !== undefined) {
            await this.#eval(KEEP_LIFECYCLE, [this.#keys.record(s, record.id)], [
              moved.revokedAt === undefined ? '' : String(moved.revokedAt), moved.revokedReason === undefined ? '0' : '1',
              moved.revokedReason ?? '', moved.consumedAt === undefined ? '' : String(moved.consumedAt),
            ]);
          }
        }
        return { added: true, evicted: reply.slice(2).map(String) };
      }
      // Rejected: undo what #prepareWrite changed (best effort), so the stored record reads as before.
      await this.#undoRefusedWrite(record, s, previous, Number(reply[2]) !== 0).catch(() => {});
      return { added: false, reason: 'max_sessions_exceeded', live: Number(reply[1]) };
    });
  }

  /**
   * After a refused addSession (cluster): drops the pointers and index entries the refused record
   * added, points the id back to the subject it is still filed under, and restores the index
   * scores and hash pointer of the record that stays.
   */
  async #undoRefusedWrite(record: TokenRecord, s: string, previous: string | undefined, existed: boolean): Promise<void> {
    if (!existed) await this.#dropPointers(record, s, previous === undefined);
    const keptAt = existed ? s : previous;
    if (keptAt === undefined) return;
    // expireAt 1: the pointer keeps the later expiry it has (set-grow), or stays gone if deleted meanwhile.
    if (previous !== undefined) await this.#eval(SET_GROW, [this.#keys.idPointer(record.id)], [keptAt, 1]);
    const kept = await this.#readRecord(keptAt, record.id);
    if (kept === undefined) return;
    const member = encodeMember(record.id, keptAt);
    const expireAt = this.#expireAt(kept);
    await Promise.all([
      this.#eval(INDEX_ADD, [this.#keys.globalIndex(), this.#keys.expiryIndex()], [member, String(kept.issuedAt), String(kept.expiresAt)]),
      existed && record.familyId !== undefined && record.familyId !== kept.familyId
        ? this.#client.zrem(this.#keys.familyIndex(record.familyId), member) : undefined,
      existed && record.hash !== undefined && record.hash !== kept.hash
        ? this.#eval(DELETE_IF_EQUAL, [this.#keys.hashPointer(record.hash)], [encodeHashPointer(keptAt, record.id)]) : undefined,
      kept.hash === undefined ? undefined
        : this.#client.set(this.#keys.hashPointer(kept.hash), encodeHashPointer(keptAt, record.id), 'PXAT', expireAt, 'NX'),
    ]);
  }

  /** Removes the pointers and index entries of `record` filed under `s`; the id pointer only when `dropIdPointer`. */
  async #dropPointers(record: TokenRecord, s: string, dropIdPointer = true): Promise<void> {
    const member = encodeMember(record.id, s);
    await Promise.all([
      dropIdPointer ? this.#eval(DELETE_IF_EQUAL, [this.#keys.idPointer(record.id)], [s]) : undefined,
      record.hash === undefined ? undefined
        : this.#eval(DELETE_IF_EQUAL, [this.#keys.hashPointer(record.hash)], [encodeHashPointer(s, record.id)]),
      this.#client.zrem(this.#keys.globalIndex(), member),
      this.#client.zrem(this.#keys.expiryIndex(), member),
      record.familyId === undefined ? undefined : this.#client.zrem(this.#keys.familyIndex(record.familyId), member),
    ]);
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
    return this.#call('cleanup', undefined, options, () => this.#cleanup(at));
  }

  async #cleanup(now: number): Promise<number> {
    const threshold = now - this.#retentionMs;
    let removed = 0;
    // Each pass removes what it visits, except records that live on (skipped), so the range shrinks.
    let skip = 0;
    for (;;) {
      const members = await this.#client.zrangebyscore(this.#keys.expiryIndex(), '-inf', String(threshold), 'LIMIT', skip, CLEANUP_BATCH);
      if (members.length === 0) return removed;
      const outcomes = await Promise.all(members.map((raw) => this.#cleanupMember(raw, threshold)));
      for (const outcome of outcomes) {
        if (outcome === 'removed') removed++;
        else if (outcome === 'kept') skip++;
      }
    }
  }

  /**
   * Removes one record past retention and everything that points at it. A record Redis's own TTL
   * removed already counts as removed too: cleanup removes what is left of it.
   */
  async #cleanupMember(raw: string, threshold: number): Promise<'removed' | 'kept' | 'malformed'> {
    const dropIndexEntries = (): Promise<unknown> => Promise.all([
      this.#client.zrem(this.#keys.expiryIndex(), raw),
      this.#client.zrem(this.#keys.globalIndex(), raw),
    ]);
    const member = decodeMember(raw);
    if (member === undefined) {
      await dropIndexEntries();
      return 'malformed';
    }
    const reply = await this.#eval(CLEANUP_RECORD, [this.#keys.record(member.s, member.id), this.#keys.subjectIndex(member.s)],
      [member.id, String(threshold)]) as [number, string?, string?];
    if (Number(reply[0]) === 2) return 'kept';
    if (Number(reply[0]) === 1) {
      await Promise.all([
        this.#eval(DELETE_IF_EQUAL, [this.#keys.idPointer(member.id)], [member.s]),
        reply[1] ? this.#eval(DELETE_IF_EQUAL, [this.#keys.hashPointer(reply[1])], [encodeHashPointer(member.s, member.id)]) : undefined,
        reply[2] ? this.#client.zrem(this.#keys.familyIndex(reply[2]), raw) : undefined,
      ]);
    }
    await dropIndexEntries();
    return 'removed';
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
