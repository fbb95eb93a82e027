/**
 * The managers' `revocation: 'feed'` mode: a revocation check answered by the in-process mirror
 * while it is current, by the store round trip (or a refusal) otherwise. One feed per store is
 * shared by every manager of the process that uses that store instance; it starts on the first
 * check (or `start()`), and closes when the last manager using it closes.
 */
import { NoRevocationStore, StorageError } from '../../jose/errors.js';
import type { TokenStore } from '../../store/index.js';
import { revocationSourceFor, type RevocationSourceOptions } from './open-feed.js';
import { RevocationFeed } from './revocation-feed.js';
import { DEFAULT_MAX_STALENESS_MS } from './revocation-mirror.js';
import type { RevocationContext } from './types.js';

/** How a manager checks revocation: a store round trip per check (default) or the feed's mirror. */
export type RevocationMode = 'store' | 'feed';

/** Settings of the feed mode (`revocationFeed` in the managers' options). */
export interface FeedModeOptions extends RevocationSourceOptions {
  /**
   * A feed you started and close yourself (share one per process). Default: the manager opens
   * the feed of its store, shared with the other managers on the same store instance (the
   * connection and timing options of the first of them apply).
   */
  feed?: RevocationFeed;
  /**
   * Oldest confirmation the mirror may answer from, in ms (default 1000, or the given feed's
   * bound). Past it a check goes by `whenStale`.
   */
  maxStalenessMs?: number;
  /**
   * A check the mirror cannot answer within the bound (stale, not started, failed to start):
   * `'store'` (default) asks the store, `'refuse'` rejects with a StorageError (HTTP 503).
   */
  whenStale?: 'store' | 'refuse';
}

/** Where the answers came from (for tests and metrics). */
export interface FeedCheckStats {
  mirror: number;
  store: number;
  refused: number;
}

/** Wait before trying again to start a feed whose start failed. */
const RESTART_AFTER_MS = 1000;

/** One store's feed, shared by the managers of this process that use the store. */
class SharedFeed {
  refs = 0;
  feed: RevocationFeed | undefined;
  #starting: Promise<RevocationFeed> | undefined;
  #failedAt = Number.NEGATIVE_INFINITY;
  readonly store: TokenStore;
  readonly #options: RevocationSourceOptions;

  constructor(store: TokenStore, options: RevocationSourceOptions) {
    this.store = store;
    this.#options = options;
  }

  /** True while a failed start is too recent to try again. */
  get coolingDown(): boolean {
    return this.#starting === undefined && this.feed === undefined && Date.now() - this.#failedAt < RESTART_AFTER_MS;
  }

  start(): Promise<RevocationFeed> {
    if (this.feed !== undefined) return Promise.resolve(this.feed);
    this.#starting ??= (async () => {
      // A fresh source per attempt: a failed start may leave a half-open connection behind.
      const source = revocationSourceFor(this.store, this.#options);
      try {
        this.feed = await RevocationFeed.start(source);
        return this.feed;
      } catch (err) {
        this.#failedAt = Date.now();
        await source.close().catch(() => {});
        throw err;
      } finally {
        this.#starting = undefined;
      }
    })();
    return this.#starting;
  }

  async close(): Promise<void> {
    await this.#starting?.catch(() => {});
    const feed = this.feed;
    this.feed = undefined;
    await feed?.close();
  }
}

const sharedFeeds = new WeakMap<TokenStore, SharedFeed>();

/**
 * A manager's revocation check in feed mode. `answer` is synchronous (the hot path); `resolve`
 * handles everything `answer` could not decide.
 */
export class FeedRevocationCheck {
  readonly whenStale: 'store' | 'refuse';
  readonly #bound: number;
  readonly #own: RevocationFeed | undefined;
  readonly #shared: SharedFeed | undefined;
  #feed: RevocationFeed | undefined;
  #closed = false;
  readonly #stats: FeedCheckStats = { mirror: 0, store: 0, refused: 0 };

  /**
   * @throws {RevocationFeedUnsupported} when no feed can follow `store` (see revocationSourceFor).
   * @throws {RangeError} for a bad `maxStalenessMs` or `whenStale`.
   */
  constructor(store: TokenStore, options: FeedModeOptions = {}) {
    const whenStale = options.whenStale ?? 'store';
    if (whenStale !== 'store' && whenStale !== 'refuse') throw new RangeError("whenStale must be 'store' or 'refuse'");
    this.whenStale = whenStale;
    const bound = options.maxStalenessMs ?? options.feed?.mirror.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    if (!Number.isFinite(bound) || bound < 0) throw new RangeError('maxStalenessMs must be a finite number >= 0');
    this.#bound = bound;
    if (options.feed !== undefined) {
      if (!(options.feed instanceof RevocationFeed)) throw new TypeError('revocationFeed.feed must be a RevocationFeed');
      this.#own = options.feed;
      this.#feed = options.feed;
      return;
    }
    // Built once here so a misconfiguration fails at construction, not on the first request.
    revocationSourceFor(store, options);
    let shared = sharedFeeds.get(store);
    if (shared === undefined) {
      shared = new SharedFeed(store, options);
      sharedFeeds.set(store, shared);
    }
    shared.refs++;
    this.#shared = shared;
  }

  /** Counts of answers by where they came from. */
  stats(): FeedCheckStats {
    return { ...this.#stats };
  }

  /** The feed, once started. */
  get feed(): RevocationFeed | undefined {
    return this.#feed ?? this.#shared?.feed;
  }

  /**
   * The mirror's answer when it has one within the bound: true (revoked), false (current and not
   * revoked), or undefined (not started, or stale: call {@link resolve}).
   */
  answer(id: string, context?: RevocationContext): boolean | undefined {
    const feed = this.#feed;
    if (feed === undefined) return undefined;
    const answer = feed.mirror.isRevoked(id, context, this.#bound);
    if (answer === 'unknown') return undefined;
    this.#stats.mirror++;
    return answer;
  }

  /**
   * Decides what {@link answer} could not: starts the feed when it is not running (awaited),
   * answers from it when current, else asks the store (`roundTrip`) or refuses per `whenStale`.
   *
   * @throws {StorageError} when refusing (stale mirror, feed not started) or when the store fails.
   */
  async resolve(id: string, context: RevocationContext | undefined, roundTrip: () => Promise<boolean>): Promise<boolean> {
    let startError: unknown;
    if (this.#feed === undefined && !this.#closed && this.#shared !== undefined && !this.#shared.coolingDown) {
      try {
        await this.start();
      } catch (err) {
        startError = err;
      }
    }
    const answer = this.answer(id, context);
    if (answer !== undefined) return answer;
    if (this.whenStale === 'refuse') {
      this.#stats.refused++;
      const detail = startError === undefined ? 'revocation mirror is older than maxStalenessMs' : 'revocation feed could not start';
      throw new StorageError({ op: 'isRevoked', detail, ...(startError === undefined ? {} : { cause: startError }) });
    }
    this.#stats.store++;
    return roundTrip();
  }

  /** Starts (or joins) the store's feed; resolves once its initial load is in. */
  async start(): Promise<RevocationFeed> {
    if (this.#feed !== undefined) return this.#feed;
    if (this.#closed || this.#shared === undefined) throw new StorageError({ op: 'isRevoked', detail: 'the revocation feed is closed' });
    const feed = await this.#shared.start();
    if (!this.#closed) this.#feed = feed;
    return feed;
  }

  /**
   * Starts the feed in the background when it is not running (a path that does a round trip
   * anyway warms it up this way); a failure is retried later, never thrown here.
   */
  prestart(): void {
    if (this.#feed !== undefined || this.#closed || this.#shared === undefined || this.#shared.coolingDown) return;
    this.start().catch(() => {});
  }

  /**
   * Applies a revocation this process just made to the mirror at once (read-your-writes), before
   * the feed brings it back. Safe: the store has committed it, and revocations are one-way.
   */
  noteRevoked(id: string, expiresAt: number): void {
    this.feed?.mirror.apply([{ type: 'id', id, expiresAt }]);
  }

  /**
   * Like {@link noteRevoked} for a whole refresh family this process just revoked: a family
   * cutoff at `before` (epoch ms), kept until `expiresAt`.
   */
  noteFamilyRevoked(familyId: string, before: number, expiresAt: number): void {
    this.feed?.mirror.apply([{ type: 'family', familyId, before, expiresAt }]);
  }

  /** Releases the shared feed (closed with its last user); a feed given as an option stays open. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#feed = this.#own;
    const shared = this.#shared;
    if (shared === undefined) return;
    shared.refs--;
    if (shared.refs > 0) return;
    if (sharedFeeds.get(shared.store) === shared) sharedFeeds.delete(shared.store);
    await shared.close();
  }
}

/**
 * The check a manager's options ask for: undefined in the round-trip mode (the default).
 *
 * @throws {RangeError} for a mode other than 'store' or 'feed'.
 * @throws {NoRevocationStore} for the feed mode without a store.
 * @throws {RevocationFeedUnsupported} when no feed can follow the store.
 */
export function feedCheckFor(store: TokenStore | undefined, mode: RevocationMode | undefined, options: FeedModeOptions | undefined): FeedRevocationCheck | undefined {
  if (mode === undefined || mode === 'store') return undefined;
  if (mode !== 'feed') throw new RangeError("revocation must be 'store' or 'feed'");
  if (store === undefined) throw new NoRevocationStore("revocation: 'feed' needs a store");
  return new FeedRevocationCheck(store, options);
}
