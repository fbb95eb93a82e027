/**
 * `withRevocationMirror(store, feed)`: a TokenStore whose `isRevoked` answers from the in-memory
 * mirror while it is current, and by the store round trip otherwise. Every manager that takes a
 * TokenStore gets the feed by being handed the wrapped store; nothing else changes.
 */
import { StorageError } from '../../jose/errors.js';
import type {
  AddSessionResult, ConsumeResult, RevokeResult, SessionLimitPolicy, StoreCallOptions, TokenFilter,
  TokenPage, TokenPageResult, TokenRecord, TokenStore,
} from '../../store/index.js';
import type { RevocationContext } from './types.js';

/** Anything that answers like {@link RevocationMirror.isRevoked} (a mirror or a feed). */
export interface RevocationAnswerer {
  isRevoked(id: string, context?: RevocationContext): boolean | 'unknown';
}

/** Options of {@link withRevocationMirror}. */
export interface MirroredStoreOptions {
  /**
   * What a check does when the mirror is older than its bound: `'store'` (default) asks the store,
   * `'refuse'` rejects with a StorageError, so the token is refused without a round trip.
   */
  whenStale?: 'store' | 'refuse';
  /** Called on each answer, for metrics: where it came from. */
  onAnswer?: (source: 'mirror' | 'store' | 'refused') => void;
}

/** `isRevoked` options: the store's, plus what the caller knows of the token for cutoffs. */
export interface MirroredCheckOptions extends StoreCallOptions {
  token?: RevocationContext;
}

/**
 * Wraps `store` so `isRevoked` reads the mirror. Every other operation goes to the store
 * unchanged; the feed brings the store's revocations back to every process's mirror.
 * @example
 * const feed = await RevocationFeed.start(new RedisRevocationSource(url));
 * const store = withRevocationMirror(await RedisTokenStore.connect(url), feed);
 * await store.isRevoked('jti-1'); // no round trip while the feed is current
 */
export function withRevocationMirror(store: TokenStore, mirror: RevocationAnswerer, options: MirroredStoreOptions = {}): TokenStore {
  return new MirroredTokenStore(store, mirror, options);
}

class MirroredTokenStore implements TokenStore {
  readonly #store: TokenStore;
  readonly #mirror: RevocationAnswerer;
  readonly #refuse: boolean;
  readonly #onAnswer: MirroredStoreOptions['onAnswer'];

  constructor(store: TokenStore, mirror: RevocationAnswerer, options: MirroredStoreOptions) {
    this.#store = store;
    this.#mirror = mirror;
    this.#refuse = options.whenStale === 'refuse';
    this.#onAnswer = options.onAnswer;
  }

  get backend(): string { return this.#store.backend; }

  async isRevoked(id: string, options?: MirroredCheckOptions): Promise<boolean> {
    const answer = typeof id === 'string' ? this.#mirror.isRevoked(id, options?.token) : 'unknown';
    if (answer !== 'unknown') {
      this.#onAnswer?.('mirror');
      return answer;
    }
    if (this.#refuse) {
      this.#onAnswer?.('refused');
      throw new StorageError({ op: 'isRevoked', detail: 'revocation mirror is older than maxStalenessMs' });
    }
    this.#onAnswer?.('store');
    return this.#store.isRevoked(id, options);
  }

  put(record: TokenRecord, options?: StoreCallOptions): Promise<void> { return this.#store.put(record, options); }
  get(id: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> { return this.#store.get(id, options); }
  getByHash(hash: string, options?: StoreCallOptions): Promise<TokenRecord | undefined> { return this.#store.getByHash(hash, options); }
  delete(id: string, options?: StoreCallOptions): Promise<boolean> { return this.#store.delete(id, options); }
  list(filter: TokenFilter, page?: TokenPage, options?: StoreCallOptions): Promise<TokenPageResult> { return this.#store.list(filter, page, options); }
  count(filter: TokenFilter, options?: StoreCallOptions): Promise<number> { return this.#store.count(filter, options); }
  revoke(id: string, reason?: string, options?: StoreCallOptions): Promise<RevokeResult> { return this.#store.revoke(id, reason, options); }
  revokeWhere(filter: TokenFilter, reason?: string, options?: StoreCallOptions): Promise<number> { return this.#store.revokeWhere(filter, reason, options); }
  addSession(record: TokenRecord, max: number, policy: SessionLimitPolicy, options?: StoreCallOptions): Promise<AddSessionResult> {
    return this.#store.addSession(record, max, policy, options);
  }
  consume(hash: string, options?: StoreCallOptions): Promise<ConsumeResult> { return this.#store.consume(hash, options); }
  cleanup(now?: number, options?: StoreCallOptions): Promise<number> { return this.#store.cleanup(now, options); }
  close(): Promise<void> { return this.#store.close(); }
}
