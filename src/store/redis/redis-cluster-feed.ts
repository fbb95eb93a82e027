/**
 * The revocation feed of a Redis Cluster store. One script cannot write a record's slot and the
 * feed stream's, so the cluster store appends the feed entry first (this file) and revokes
 * second (redis-cluster-scripts.ts): a crash in between leaves a feed entry for a token the store
 * has not revoked yet, which makes mirrors refuse it, the safe side.
 */
import { ENTRY_KIND, type RevocationEntry } from '../revocation-log.js';
import type { RedisAccess } from './redis-access.js';
import { FEED_APPEND } from './redis-feed-scripts.js';

/** Entries per append script: keeps each call's argument list small. */
const APPEND_BATCH = 500;

/** What runs after an append and before the revocation it announces. */
export type AfterFeedAppend = (entries: readonly RevocationEntry[]) => void | Promise<void>;

let afterAppend: AfterFeedAppend | undefined;

/**
 * Test hook, deliberately not exported from `cjwt/store`: `hook` runs after every cluster feed
 * append and before the revocation, so a fault test can kill a writer between the two steps.
 * `undefined` removes it. It can only delay a revocation, never skip one.
 * @example setAfterFeedAppendForTests(async () => { await new Promise(() => {}); });
 */
export function setAfterFeedAppendForTests(hook: AfterFeedAppend | undefined): void {
  afterAppend = hook;
}

/** The expiry an id was logged with, by id: what the revoking scripts accept as "in the feed". */
export type LoggedIds = Map<string, number>;

/** The feed stream writer of one cluster store (disabled when the store has no feed). */
export class RedisClusterFeed {
  readonly #redis: RedisAccess;
  readonly #maxLength: number | undefined;

  /** @param maxLength the stream's approximate cap; undefined turns the feed off. */
  constructor(redis: RedisAccess, maxLength: number | undefined) {
    this.#redis = redis;
    this.#maxLength = maxLength;
  }

  /** True when the store writes a feed. */
  get enabled(): boolean {
    return this.#maxLength !== undefined;
  }

  /**
   * Appends `entries` (resolves once the stream holds them), then runs the test hook. `at` is
   * the revocation time recorded beside id entries (cutoffs carry their own).
   */
  async append(entries: readonly RevocationEntry[], at: number): Promise<void> {
    if (this.#maxLength === undefined || entries.length === 0) return;
    const stream = this.#redis.keys.feedStream();
    for (let from = 0; from < entries.length; from += APPEND_BATCH) {
      const args: Array<string | number> = [this.#maxLength];
      for (const entry of entries.slice(from, from + APPEND_BATCH)) {
        if (entry.type === 'id') args.push(ENTRY_KIND.id, entry.id, String(at), String(entry.expiresAt));
        else if (entry.type === 'subject') args.push(ENTRY_KIND.subject, entry.subject, String(entry.before), String(entry.expiresAt));
        else args.push(ENTRY_KIND.family, entry.familyId, String(entry.before), String(entry.expiresAt));
      }
      await this.#redis.eval(FEED_APPEND, [stream], args);
    }
    await afterAppend?.(entries);
  }

  /**
   * The logged-list arguments of a revoking cluster script: a count, then id and expiry pairs;
   * a count of -1 when there is no feed (the script then revokes without checking).
   */
  loggedArgs(logged: LoggedIds): string[] {
    if (!this.enabled) return ['-1'];
    const out = [String(logged.size)];
    for (const [id, expiresAt] of logged) out.push(id, String(expiresAt));
    return out;
  }

  /**
   * Logs the id and expiry pairs a script refused to revoke unlogged (`flat`: id, expiry, ...),
   * then records them in `logged` for the retry.
   */
  async logMissing(flat: readonly unknown[], logged: LoggedIds, at: number, extra: readonly RevocationEntry[] = []): Promise<void> {
    const entries: RevocationEntry[] = [...extra];
    const found: Array<[string, number]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const id = String(flat[i]);
      const expiresAt = Number(flat[i + 1]);
      entries.push({ type: 'id', id, expiresAt });
      found.push([id, expiresAt]);
    }
    await this.append(entries, at);
    for (const [id, expiresAt] of found) logged.set(id, Math.max(expiresAt, logged.get(id) ?? expiresAt));
  }
}
