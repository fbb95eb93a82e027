/**
 * The revocation feed's vocabulary: what a store's log or stream carries, what a check may know
 * about the token, and the small interface a feed source implements per backend.
 */

import type { RevocationEntry } from '../../store/index.js';

export type { RevocationEntry };

/**
 * What the caller knows about the token besides its id, so per-subject and per-family cutoffs
 * can apply. Every field is optional: a check by id alone still sees every per-id entry.
 */
export interface RevocationContext {
  /** Epoch milliseconds (a JWT's `iat` times 1000). */
  issuedAt?: number;
  subject?: string;
  familyId?: string;
}

/** Where a feed source delivers what it reads. */
export interface RevocationSink {
  /** Applies entries (idempotent: an entry may arrive twice after a reconnect). */
  apply(entries: readonly RevocationEntry[]): void;
  /** Replaces the whole state (a full reload after the source lost its place). */
  replace(entries: readonly RevocationEntry[]): void;
  /**
   * Everything committed before `asOf` (epoch ms, this process's clock) has been applied. A source
   * calls it only once that is certain; the staleness bound is measured from the latest call.
   */
  current(asOf: number): void;
  /** A failure the source will retry by itself (reported for logs and metrics). */
  error(err: unknown): void;
}

/**
 * A backend's revocation feed: reads the store's log or stream and keeps a sink current. `start`
 * resolves once the initial load is applied and `current` was called; after that the source
 * reconnects by itself until `close`.
 */
export interface RevocationFeedSource {
  /** Backend name for logs, e.g. `postgres`. */
  readonly backend: string;
  start(sink: RevocationSink): Promise<void>;
  close(): Promise<void>;
}
