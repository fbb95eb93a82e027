/**
 * The memory backend's feed: direct. Revocations reach the mirror synchronously, inside the
 * store call that made them, so the mirror is always current while the source runs.
 */
import type { MemoryTokenStore } from '../../store/index.js';
import type { RevocationFeedSource, RevocationSink } from './types.js';

/**
 * Feeds a mirror from a {@link MemoryTokenStore} in the same process.
 * @example
 * const feed = await RevocationFeed.start(new MemoryRevocationSource(store));
 */
export class MemoryRevocationSource implements RevocationFeedSource {
  readonly backend = 'memory';
  readonly #store: MemoryTokenStore;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: MemoryTokenStore) {
    this.#store = store;
  }

  async start(sink: RevocationSink): Promise<void> {
    this.#unsubscribe = this.#store.onRevocation((entries) => sink.apply(entries));
    sink.replace(this.#store.revokedEntries());
    // Nothing can be missed, so the mirror is current whenever it is asked; a cheap heartbeat
    // keeps `currentAsOf` fresh without hooking the read path.
    const beat = (): void => sink.current(Date.now());
    beat();
    this.#timer = setInterval(beat, 50);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#unsubscribe?.();
    clearInterval(this.#timer);
  }
}
