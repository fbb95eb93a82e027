/**
 * The writes of a Redis Cluster store that span slots: put and addSession go slot by slot
 * (pointers and indexes before the record, see redis-record-writer.ts), and every revoking call
 * appends its feed entry before it revokes (feed first, see redis-cluster-feed.ts). Each
 * revoking script refuses to revoke what the feed does not carry yet and names it; the store
 * logs that and calls again, so whatever a crash interrupts, the feed is ahead of the store.
 */
import { randomUUID } from 'node:crypto';
import { StorageError } from '../../jose/errors.js';
import { keepLifecycle } from '../record-codec.js';
import { cutoffOf, type RevocationEntry } from '../revocation-log.js';
import type { AddSessionResult, RevokeResult, SessionLimitPolicy, TokenFilter, TokenRecord } from '../types.js';
import type { RedisAccess } from './redis-access.js';
import { ADD_SESSION, KEEP_LIFECYCLE, REVOKE_LOGGED, REVOKE_WHERE_LOGGED, WRITE_RECORD } from './redis-cluster-scripts.js';
import type { LoggedIds, RedisClusterFeed } from './redis-cluster-feed.js';
import { recordFields } from './redis-record.js';
import type { RedisRecordWriter } from './redis-record-writer.js';

/**
 * How many times a revoking script may name revocations it has not seen logged before the call
 * gives up (the store's operation timeout usually ends it first). Each round logs what the
 * previous one named, so only records changing under the call cause another: sessions added
 * and evicted by racing addSession calls, longer expiries. Every round that fails does so
 * because another call made progress. What a round logged, the next one revokes even if it is
 * no longer needed, so only a call that crashes or gives up leaves an entry the store lacks.
 */
const MAX_LOG_ROUNDS = 100;

/** One subject's share of a revokeWhere: its tag, and 'all' of its index or the given ids. */
export interface RevokeGroup {
  s: string;
  ids: 'all' | string[];
}

function tooManyRounds(op: string): StorageError {
  return new StorageError({ op, detail: 'records kept changing while their revocations were logged; retry' });
}

/** The cluster write path of one RedisTokenStore. */
export class RedisClusterWrites {
  readonly #redis: RedisAccess;
  readonly #writer: RedisRecordWriter;
  readonly #feed: RedisClusterFeed;
  readonly #claimLeaseMs: number;

  /** @param claimLeaseMs how long an addSession call's eviction claims last: the store's call deadline. */
  constructor(redis: RedisAccess, writer: RedisRecordWriter, feed: RedisClusterFeed, claimLeaseMs: number) {
    this.#redis = redis;
    this.#writer = writer;
    this.#feed = feed;
    this.#claimLeaseMs = Math.max(1, Math.ceil(claimLeaseMs));
  }

  /**
   * Pointers and indexes, then the record; an older version filed under another subject is
   * moved. A write that revokes (a record written revoked) is logged first.
   */
  async put(record: TokenRecord): Promise<void> {
    const { s, previous } = await this.#writer.prepareWrite(record);
    // The version filed under another subject, as it was when deleted: its lifecycle carries over.
    const moved = previous === undefined ? undefined : await this.#writer.removeRecord(previous, record.id);
    const write = [record.id, String(record.issuedAt), this.#writer.expireAt(record), ...recordFields(keepLifecycle(record, moved))];
    const logged: LoggedIds = new Map();
    for (let round = 0; round < MAX_LOG_ROUNDS; round++) {
      const reply = await this.#redis.eval(WRITE_RECORD, [this.#redis.keys.record(s, record.id), this.#redis.keys.subjectIndex(s)],
        [...this.#feed.loggedArgs(logged), ...write]) as unknown[];
      if (reply[0] !== 'L') return;
      await this.#feed.logMissing(reply.slice(1), logged, record.revokedAt ?? moved?.revokedAt ?? Date.now());
    }
    throw tooManyRounds('put');
  }

  /** Counts the subject's live sessions and inserts in one script; evictions are logged first. */
  async addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, now: number): Promise<AddSessionResult> {
    const { s, previous } = await this.#writer.prepareWrite(record);
    const before = previous === undefined ? undefined : await this.#redis.readRecord(previous, record.id);
    const logged: LoggedIds = new Map();
    const claimer = randomUUID();
    let reply: Array<string | number> | undefined;
    let existed = false;
    for (let round = 0; round < MAX_LOG_ROUNDS && reply === undefined; round++) {
      const answer = await this.#redis.eval(ADD_SESSION, [
        this.#redis.keys.subjectIndex(s), this.#redis.keys.record(s, record.id), this.#redis.keys.sessionClaims(s),
      ], [
        this.#redis.keys.recordPrefix(s), record.id, record.kind, String(now), max, policy, claimer, this.#claimLeaseMs,
        ...this.#feed.loggedArgs(logged),
        record.id, String(record.issuedAt), this.#writer.expireAt(record), ...recordFields(keepLifecycle(record, before)),
      ]) as Array<string | number>;
      const status = Number(answer[0]);
      if (status === 0 || status === 1) reply = answer;
      else {
        existed = Number(answer[1]) !== 0;
        // 3: a racing call holds every session this one could evict; it finishes within a few round trips.
        if (status === 3) await new Promise((resolve) => setTimeout(resolve, Math.min(20, 1 + round) * (0.5 + Math.random())));
        else await this.#feed.logMissing(answer.slice(2), logged, now);
      }
    }
    if (reply === undefined) {
      await this.#writer.undoRefusedWrite(record, s, previous, existed).catch(() => {});
      throw tooManyRounds('addSession');
    }
    if (Number(reply[0]) === 1) {
      if (previous !== undefined) {
        // A revocation or consumption of the old version since it was read still carries over.
        const moved = await this.#writer.removeRecord(previous, record.id);
        if (moved?.revokedAt !== undefined || moved?.consumedAt !== undefined) {
          await this.#redis.eval(KEEP_LIFECYCLE, [this.#redis.keys.record(s, record.id)], [
            moved.revokedAt === undefined ? '' : String(moved.revokedAt), moved.revokedReason === undefined ? '0' : '1',
            moved.revokedReason ?? '', moved.consumedAt === undefined ? '' : String(moved.consumedAt),
          ]);
        }
      }
      return { added: true, evicted: reply.slice(2).map(String) };
    }
    // Rejected: undo what prepareWrite changed (best effort), so the stored record reads as before.
    await this.#writer.undoRefusedWrite(record, s, previous, Number(reply[2]) !== 0).catch(() => {});
    return { added: false, reason: 'max_sessions_exceeded', live: Number(reply[1]) };
  }

  /** Revokes the record filed under subject tag `s`: its feed entry first, then the record. */
  async revoke(s: string, id: string, now: number, reason: string | undefined): Promise<RevokeResult> {
    const logged: LoggedIds = new Map();
    const head = [String(now), reason === undefined ? '0' : '1', reason ?? '', id];
    for (let round = 0; round < MAX_LOG_ROUNDS; round++) {
      const reply = await this.#redis.eval(REVOKE_LOGGED, [this.#redis.keys.record(s, id)], [...head, ...this.#feed.loggedArgs(logged)]) as [string, string?];
      if (reply[0] === 'N') return { revoked: false, reason: 'not_found' };
      if (reply[0] === 'A') return { revoked: false, reason: 'already_revoked', revokedAt: Number(reply[1]) };
      if (reply[0] === 'R') return { revoked: true, revokedAt: now };
      await this.#feed.logMissing([id, reply[1]], logged, now);
    }
    throw tooManyRounds('revoke');
  }

  /**
   * Revokes what matches `filter` in each group (atomic per subject). A first pass over every
   * group names the matches without revoking; their entries, and the filter's cutoff (a
   * subject-only or family-only filter) go to the feed; then each group revokes exactly what
   * is logged, logging first whatever started matching meanwhile.
   */
  async revokeWhere(filter: TokenFilter, groups: readonly RevokeGroup[], now: number, reason: string | undefined): Promise<number> {
    const head = [String(now), reason === undefined ? '0' : '1', reason ?? '', JSON.stringify(filter)];
    const run = (group: RevokeGroup, logged: LoggedIds): Promise<unknown[]> => this.#redis.eval(REVOKE_WHERE_LOGGED,
      [this.#redis.keys.subjectIndex(group.s)],
      [this.#redis.keys.recordPrefix(group.s), ...head, group.ids === 'all' ? 'all' : 'ids', ...this.#feed.loggedArgs(logged),
        ...(group.ids === 'all' ? [] : group.ids)]) as Promise<unknown[]>;
    let total = 0;
    const pending: Array<{ group: RevokeGroup; missing: unknown[] }> = [];
    for (const group of groups) {
      const reply = await run(group, new Map());
      if (reply[0] === 'R') total += Number(reply[1]);
      else pending.push({ group, missing: reply.slice(1) });
    }
    if (groups.length === 0) return total;
    // The cutoff outlives every record it revoked, as on a single server.
    let latest = now;
    for (const { missing } of pending) for (let i = 1; i < missing.length; i += 2) latest = Math.max(latest, Number(missing[i]));
    const cutoff = cutoffOf(filter);
    const first: RevocationEntry[] = [];
    if (cutoff !== undefined && this.#feed.enabled) {
      first.push(cutoff.type === 'subject'
        ? { type: 'subject', subject: cutoff.key, before: now, expiresAt: latest }
        : { type: 'family', familyId: cutoff.key, before: now, expiresAt: latest });
    }
    const loggedByGroup = pending.map(() => new Map() as LoggedIds);
    await this.#feed.logMissing(pending.flatMap((p) => p.missing), new Map(), now, first);
    for (const [index, { group, missing }] of pending.entries()) {
      const logged = loggedByGroup[index] as LoggedIds;
      for (let i = 0; i + 1 < missing.length; i += 2) logged.set(String(missing[i]), Number(missing[i + 1]));
      let done = false;
      for (let round = 0; round < MAX_LOG_ROUNDS && !done; round++) {
        const reply = await run(group, logged);
        if (reply[0] === 'R') {
          total += Number(reply[1]);
          done = true;
        } else {
          await this.#feed.logMissing(reply.slice(1), logged, now);
        }
      }
      if (!done) throw tooManyRounds('revokeWhere');
    }
    return total;
  }
}
