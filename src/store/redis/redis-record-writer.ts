/**
 * The multi-slot write steps of the Redis store: what a write does outside the record's own slot
 * (hash pointer claim, id pointer, index members), removing a record with everything pointing at
 * it, and undoing a refused session insert. On a cluster these run slot by slot around the
 * record's own script, pointers first, so a crash leaves at worst a dangling pointer. On a single
 * server they are one script with the record, whose arguments {@link RedisRecordWriter.localWrite} builds.
 */
import { StoreConflict } from '../../jose/errors.js';
import type { TokenRecord } from '../types.js';
import type { RedisAccess } from './redis-access.js';
import { decodeHashPointer, encodeHashPointer, encodeMember, tagDigest } from './redis-keys.js';
import { recordFields, recordFromPairs } from './redis-record.js';
import { DELETE_IF_EQUAL, DELETE_RECORD } from './redis-scripts.js';
import { CLAIM_HASH, INDEX_ADD, SET_GROW, ZADD_GROW } from './redis-cluster-scripts.js';

// Redis rejects expire times <= 0 and above what a signed 64-bit ms count holds.
const MAX_EXPIRE_AT = 8.64e15;

/** Record writes that span slots, for one store. */
export class RedisRecordWriter {
  readonly #redis: RedisAccess;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;

  /** @param timeoutMs the store's call deadline: a hash claim's lease outlives it. */
  constructor(redis: RedisAccess, retentionMs: number, timeoutMs: number) {
    this.#redis = redis;
    this.#retentionMs = retentionMs;
    this.#timeoutMs = timeoutMs;
  }

  /** When the record's keys expire: its expiry plus the retention window, within what Redis accepts. */
  expireAt(record: Pick<TokenRecord, 'expiresAt'>): number {
    return Math.max(1, Math.min(MAX_EXPIRE_AT, Math.ceil(record.expiresAt + this.#retentionMs)));
  }

  /**
   * KEYS and ARGV of the standalone write scripts (PUT_LOCAL, ADD_SESSION_LOCAL): the record,
   * its pointers and its index entries in one call. `session` is kind, now, max, policy.
   */
  localWrite(record: TokenRecord, session: string[]): [string[], string[]] {
    const s = tagDigest(record.subject);
    const idPointer = this.#redis.keys.idPointer(record.id);
    const keys = [
      this.#redis.keys.record(s, record.id), this.#redis.keys.subjectIndex(s), idPointer, this.#redis.keys.globalIndex(), this.#redis.keys.expiryIndex(),
      record.hash === undefined ? idPointer : this.#redis.keys.hashPointer(record.hash),
      record.familyId === undefined ? idPointer : this.#redis.keys.familyIndex(record.familyId),
    ];
    const args = [
      this.#redis.keys.prefix, s, encodeMember(record.id, s), encodeMember(record.id, ''), record.hash ?? '',
      encodeHashPointer(s, record.id), record.familyId === undefined ? '0' : '1', String(record.expiresAt),
      ...session,
      record.id, String(record.issuedAt), String(this.expireAt(record)), ...recordFields(record),
    ];
    return [keys, args];
  }

  /**
   * Everything a write does before the record itself (cluster): claims the hash pointer, points the id at
   * the subject, adds the index members. Returns the subject tag and, when the id was filed under
   * another subject, that subject: the caller removes the older version once its write stands.
   */
  async prepareWrite(record: TokenRecord): Promise<{ s: string; previous: string | undefined }> {
    const s = tagDigest(record.subject);
    const expireAt = this.expireAt(record);
    if (record.hash !== undefined) await this.claimHash(record, s, expireAt);
    const member = encodeMember(record.id, s);
    const [previous] = await Promise.all([
      this.#redis.eval(SET_GROW, [this.#redis.keys.idPointer(record.id)], [s, expireAt]) as Promise<string | null>,
      this.#redis.eval(INDEX_ADD, [this.#redis.keys.globalIndex(), this.#redis.keys.expiryIndex()], [member, String(record.issuedAt), String(record.expiresAt)]),
      record.familyId === undefined ? undefined
        : this.#redis.eval(ZADD_GROW, [this.#redis.keys.familyIndex(record.familyId)], [String(record.issuedAt), member, expireAt]),
    ]);
    return { s, previous: previous !== null && previous !== s ? previous : undefined };
  }

  /** Points the token hash at this record, unless a live record already has it (StoreConflict). */
  async claimHash(record: TokenRecord, s: string, expireAt: number): Promise<void> {
    const hash = record.hash as string;
    const key = this.#redis.keys.hashPointer(hash);
    const value = encodeHashPointer(s, record.id);
    let expected = '';
    // The lease outlives this call's deadline, by which the record is written or the call failed.
    const leaseMs = Math.max(1, Math.ceil(this.#timeoutMs));
    for (let attempt = 0; attempt < 3; attempt++) {
      const holder = await this.#redis.eval(CLAIM_HASH, [key, this.#redis.keys.hashClaimLease(hash)], [value, record.id.length, expireAt, expected, leaseMs]);
      if (holder === null) return;
      if (holder === 'L') throw new StoreConflict('token hash is being claimed concurrently');
      const other = decodeHashPointer(String(holder));
      // A pointer whose record is gone or carries another hash now is stale: take it over.
      const otherRecord = other === undefined ? undefined : await this.#redis.readRecord(other.s, other.id);
      if (otherRecord !== undefined && otherRecord.hash === hash) {
        throw new StoreConflict('another record already has this token hash');
      }
      expected = String(holder);
    }
    throw new StoreConflict('token hash is being claimed concurrently');
  }

  /** Deletes the record filed under subject tag `s` and its index entries; returns it. */
  async removeRecord(s: string, id: string): Promise<TokenRecord | undefined> {
    const pairs = await this.#redis.eval(DELETE_RECORD, [this.#redis.keys.record(s, id), this.#redis.keys.subjectIndex(s)], [id]);
    const old = recordFromPairs(pairs);
    const member = encodeMember(id, s);
    await Promise.all([
      this.#redis.client.zrem(this.#redis.keys.globalIndex(), member),
      this.#redis.client.zrem(this.#redis.keys.expiryIndex(), member),
      old?.familyId === undefined ? undefined : this.#redis.client.zrem(this.#redis.keys.familyIndex(old.familyId), member),
      old?.hash === undefined ? undefined
        : this.#redis.eval(DELETE_IF_EQUAL, [this.#redis.keys.hashPointer(old.hash)], [encodeHashPointer(s, id)]),
    ]);
    return old;
  }

  /**
   * After a refused addSession (cluster): drops the pointers and index entries the refused record
   * added, points the id back to the subject it is still filed under, and restores the index
   * scores and hash pointer of the record that stays.
   */
  async undoRefusedWrite(record: TokenRecord, s: string, previous: string | undefined, existed: boolean): Promise<void> {
    if (!existed) await this.dropPointers(record, s, previous === undefined);
    const keptAt = existed ? s : previous;
    if (keptAt === undefined) return;
    // expireAt 1: the pointer keeps the later expiry it has (set-grow), or stays gone if deleted meanwhile.
    if (previous !== undefined) await this.#redis.eval(SET_GROW, [this.#redis.keys.idPointer(record.id)], [keptAt, 1]);
    const kept = await this.#redis.readRecord(keptAt, record.id);
    if (kept === undefined) return;
    const member = encodeMember(record.id, keptAt);
    const expireAt = this.expireAt(kept);
    await Promise.all([
      this.#redis.eval(INDEX_ADD, [this.#redis.keys.globalIndex(), this.#redis.keys.expiryIndex()], [member, String(kept.issuedAt), String(kept.expiresAt)]),
      existed && record.familyId !== undefined && record.familyId !== kept.familyId
        ? this.#redis.client.zrem(this.#redis.keys.familyIndex(record.familyId), member) : undefined,
      existed && record.hash !== undefined && record.hash !== kept.hash
        ? this.#redis.eval(DELETE_IF_EQUAL, [this.#redis.keys.hashPointer(record.hash)], [encodeHashPointer(keptAt, record.id)]) : undefined,
      kept.hash === undefined ? undefined
        : this.#redis.client.set(this.#redis.keys.hashPointer(kept.hash), encodeHashPointer(keptAt, record.id), 'PXAT', expireAt, 'NX'),
    ]);
  }

  /** Removes the pointers and index entries of `record` filed under `s`; the id pointer only when `dropIdPointer`. */
  async dropPointers(record: TokenRecord, s: string, dropIdPointer = true): Promise<void> {
    const member = encodeMember(record.id, s);
    await Promise.all([
      dropIdPointer ? this.#redis.eval(DELETE_IF_EQUAL, [this.#redis.keys.idPointer(record.id)], [s]) : undefined,
      record.hash === undefined ? undefined
        : this.#redis.eval(DELETE_IF_EQUAL, [this.#redis.keys.hashPointer(record.hash)], [encodeHashPointer(s, record.id)]),
      this.#redis.client.zrem(this.#redis.keys.globalIndex(), member),
      this.#redis.client.zrem(this.#redis.keys.expiryIndex(), member),
      record.familyId === undefined ? undefined : this.#redis.client.zrem(this.#redis.keys.familyIndex(record.familyId), member),
    ]);
  }
}
