/**
 * A mirror kept current by one backend's feed source: what a server holds for the life of the
 * process. `start` resolves once the initial load is in; the source reconnects by itself.
 */
import { RevocationMirror, type RevocationMirrorOptions } from './revocation-mirror.js';
import type { RevocationContext, RevocationFeedSource } from './types.js';

/** Options of {@link RevocationFeed.start}. */
export interface RevocationFeedOptions extends RevocationMirrorOptions {
  /** An existing mirror to keep current (its own options then apply). */
  mirror?: RevocationMirror;
}

/**
 * One feed source driving one {@link RevocationMirror}.
 * @example
 * const feed = await RevocationFeed.start(new MemoryRevocationSource(store));
 * feed.isRevoked('jti-1'); // true | false | 'unknown'
 */
export class RevocationFeed {
  readonly mirror: RevocationMirror;
  readonly source: RevocationFeedSource;

  private constructor(source: RevocationFeedSource, mirror: RevocationMirror) {
    this.source = source;
    this.mirror = mirror;
  }

  /** Starts `source` on a new (or the given) mirror; resolves after the initial load. */
  static async start(source: RevocationFeedSource, options: RevocationFeedOptions = {}): Promise<RevocationFeed> {
    const mirror = options.mirror ?? new RevocationMirror(options);
    await source.start(mirror);
    return new RevocationFeed(source, mirror);
  }

  /** See {@link RevocationMirror.isRevoked}. */
  isRevoked(id: string, context?: RevocationContext): boolean | 'unknown' {
    return this.mirror.isRevoked(id, context);
  }

  /**
   * Resolves once the mirror has been confirmed current at or after the moment of the call
   * (tests and orderly handovers), or rejects after `timeoutMs`.
   */
  async waitCurrent(timeoutMs = 5000): Promise<void> {
    const from = Date.now();
    while (this.mirror.currentAsOf < from) {
      if (Date.now() - from > timeoutMs) throw new Error(`revocation feed (${this.source.backend}) not current after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Stops the source; the mirror then goes stale within its bound. */
  async close(): Promise<void> {
    await this.source.close();
  }
}
