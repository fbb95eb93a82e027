/**
 * The in-memory mirror of a store's revocations: revoked not-yet-expired ids, and per-subject and
 * per-family cutoffs, so a revoke-all or a family revocation is one entry. It answers from memory
 * only while a feed has confirmed, within `maxStalenessMs`, that it is current; past that it says
 * `'unknown'` and the caller asks the store (or refuses).
 */
import type { RevocationContext, RevocationEntry, RevocationSink } from './types.js';

/** Options of {@link RevocationMirror}. */
export interface RevocationMirrorOptions {
  /** How old the last confirmation may be before answers become `'unknown'` (default 1000 ms). */
  maxStalenessMs?: number;
  /**
   * How long an entry is kept after its `expiresAt` (default 60,000 ms), so a verifier whose clock
   * runs behind still sees the revocation of a token it considers unexpired.
   */
  retainAfterExpiryMs?: number;
  /** Clock (tests). Defaults to `Date.now`. */
  now?: () => number;
}

/** Default staleness bound in milliseconds. */
export const DEFAULT_MAX_STALENESS_MS = 1000;

// Expiries are kept as whole seconds after this base so Map values stay small integers (V8
// stores them unboxed), which is most of what makes a million ids fit in the memory budget.
const EPOCH_BASE_MS = Date.UTC(2020, 0, 1);
const toSlot = (ms: number): number => Math.ceil((ms - EPOCH_BASE_MS) / 1000);

interface Cutoff { before: number; expiresAt: number }

/**
 * The revoked set one process consults. Feed sources write to it through the {@link RevocationSink}
 * methods; readers call {@link RevocationMirror.isRevoked}.
 * @example
 * const mirror = new RevocationMirror({ maxStalenessMs: 1000 });
 * mirror.apply([{ type: 'id', id: 'jti-1', expiresAt: Date.now() + 60_000 }]);
 * mirror.current(Date.now());
 * mirror.isRevoked('jti-1'); // true
 */
export class RevocationMirror implements RevocationSink {
  readonly maxStalenessMs: number;
  readonly #retainMs: number;
  readonly #now: () => number;
  readonly #ids = new Map<string, number>();
  readonly #subjects = new Map<string, Cutoff>();
  readonly #families = new Map<string, Cutoff>();
  #currentAsOf = Number.NEGATIVE_INFINITY;
  #lastPrune = 0;
  #errors = 0;

  constructor(options: RevocationMirrorOptions = {}) {
    const bound = options.maxStalenessMs ?? DEFAULT_MAX_STALENESS_MS;
    if (!Number.isFinite(bound) || bound < 0) throw new RangeError('maxStalenessMs must be a finite number >= 0');
    this.maxStalenessMs = bound;
    this.#retainMs = options.retainAfterExpiryMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Number of revoked ids held (cutoffs not counted). */
  get size(): number { return this.#ids.size; }
  /** Number of subject and family cutoffs held. */
  get cutoffs(): number { return this.#subjects.size + this.#families.size; }
  /** When the feed last confirmed it was current (epoch ms), or -Infinity before the first time. */
  get currentAsOf(): number { return this.#currentAsOf; }
  /** Failures the feed reported (it retries by itself). */
  get errorCount(): number { return this.#errors; }

  /** True when the last confirmation is within `maxStalenessMs` of `now`. */
  isCurrent(now = this.#now()): boolean {
    return now - this.#currentAsOf <= this.maxStalenessMs;
  }

  /**
   * True when the token is revoked; false when it is not and the mirror is current; `'unknown'`
   * when the mirror is older than its bound (ask the store). A revocation already seen is one-way,
   * so `true` is answered even from a stale mirror. `maxStalenessMs` replaces the mirror's own
   * bound for this call (managers sharing one mirror may each keep their own bound).
   */
  isRevoked(id: string, context?: RevocationContext, maxStalenessMs = this.maxStalenessMs): boolean | 'unknown' {
    if (this.#ids.has(id)) return true;
    // Most of the time nobody was cut off: skip the lookups.
    if (context !== undefined && (this.#subjects.size !== 0 || this.#families.size !== 0) && this.#cutoffApplies(context)) return true;
    return this.#now() - this.#currentAsOf <= maxStalenessMs ? false : 'unknown';
  }

  /** Applies feed entries; entries already past expiry and retention are skipped. */
  apply(entries: readonly RevocationEntry[]): void {
    const horizon = this.#now() - this.#retainMs;
    for (const entry of entries) {
      if (entry.expiresAt <= horizon) continue;
      if (entry.type === 'id') {
        const slot = toSlot(entry.expiresAt);
        const held = this.#ids.get(entry.id);
        if (held === undefined || held < slot) this.#ids.set(entry.id, slot);
      } else {
        const map = entry.type === 'subject' ? this.#subjects : this.#families;
        const key = entry.type === 'subject' ? entry.subject : entry.familyId;
        const held = map.get(key);
        map.set(key, {
          before: Math.max(held?.before ?? entry.before, entry.before),
          expiresAt: Math.max(held?.expiresAt ?? entry.expiresAt, entry.expiresAt),
        });
      }
    }
  }

  /** Drops everything and applies `entries` (a full reload). Currency is kept as it was. */
  replace(entries: readonly RevocationEntry[]): void {
    this.#ids.clear();
    this.#subjects.clear();
    this.#families.clear();
    this.apply(entries);
  }

  /** Records a confirmation; never moves backwards. Prunes expired entries at most every 10 s. */
  current(asOf: number): void {
    if (asOf > this.#currentAsOf) this.#currentAsOf = asOf;
    const now = this.#now();
    if (now - this.#lastPrune >= 10_000) this.prune(now);
  }

  /** Forgets the confirmation, so every answer is `'unknown'` until the next `current` call. */
  invalidate(): void {
    this.#currentAsOf = Number.NEGATIVE_INFINITY;
  }

  /** Counts a failure the feed will retry. */
  error(_err: unknown): void {
    this.#errors++;
  }

  /** Removes entries whose expiry plus retention is before `now`; returns how many. */
  prune(now = this.#now()): number {
    this.#lastPrune = now;
    const horizonSlot = toSlot(now - this.#retainMs);
    let removed = 0;
    for (const [id, slot] of this.#ids) {
      if (slot < horizonSlot) { this.#ids.delete(id); removed++; }
    }
    const horizon = now - this.#retainMs;
    for (const map of [this.#subjects, this.#families]) {
      for (const [key, cutoff] of map) {
        if (cutoff.expiresAt <= horizon) { map.delete(key); removed++; }
      }
    }
    return removed;
  }

  #cutoffApplies({ issuedAt, subject, familyId }: RevocationContext): boolean {
    if (issuedAt === undefined) {
      // Without an issue time only "every token" cutoffs could apply: err on the side of revoked.
      return (subject !== undefined && this.#subjects.has(subject)) || (familyId !== undefined && this.#families.has(familyId));
    }
    const bySubject = subject === undefined ? undefined : this.#subjects.get(subject);
    if (bySubject !== undefined && issuedAt <= bySubject.before) return true;
    const byFamily = familyId === undefined ? undefined : this.#families.get(familyId);
    return byFamily !== undefined && issuedAt <= byFamily.before;
  }
}
