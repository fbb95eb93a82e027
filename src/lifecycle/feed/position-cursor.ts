/**
 * A cursor over a log whose positions come from an auto-increment and may become visible out of
 * order (MySQL/InnoDB: a transaction that took position 10 may commit after one that took 11;
 * a rolled-back one leaves 10 empty for ever). It settles a position only when every position
 * below it was seen, or when a hole has stayed empty longer than `holeTimeoutMs` (then it is
 * taken for a rollback). Rows above the first open hole are read again (they are idempotent).
 */
import type { PositionedEntry, RevocationEntry } from '../../store/index.js';

/** Default time a hole in the positions is waited for, in ms. */
export const DEFAULT_HOLE_TIMEOUT_MS = 60_000;

/** Tracks what of a positioned log has been applied. */
export class PositionCursor {
  readonly #holeTimeoutMs: number;
  readonly #now: () => number;
  #settled: number;
  readonly #applied = new Set<number>();
  readonly #holes = new Map<number, number>();

  constructor(start = 0, holeTimeoutMs = DEFAULT_HOLE_TIMEOUT_MS, now: () => number = Date.now) {
    this.#settled = start;
    this.#holeTimeoutMs = holeTimeoutMs;
    this.#now = now;
  }

  /** Read from after this position. */
  get settled(): number { return this.#settled; }
  /** Positions currently waited for. */
  get openHoles(): number { return this.#holes.size; }

  /**
   * Takes the rows read after {@link settled} (ascending) and returns the entries not applied
   * before; advances the settled position as far as is safe.
   */
  accept(rows: readonly PositionedEntry[]): RevocationEntry[] {
    const fresh: RevocationEntry[] = [];
    const present = new Set<number>();
    for (const row of rows) {
      present.add(row.position);
      if (this.#applied.has(row.position)) continue;
      this.#applied.add(row.position);
      if (row.entry !== undefined) fresh.push(row.entry);
    }
    const top = rows.length === 0 ? this.#settled : (rows[rows.length - 1] as PositionedEntry).position;
    const now = this.#now();
    let p = this.#settled;
    while (p < top) {
      const next = p + 1;
      if (!present.has(next) && !this.#applied.has(next)) {
        const since = this.#holes.get(next);
        if (since === undefined) { this.#holes.set(next, now); break; }
        if (now - since < this.#holeTimeoutMs) break;
      }
      this.#holes.delete(next);
      this.#applied.delete(next);
      p = next;
    }
    this.#settled = p;
    // Note every other hole below the top, so each one's wait starts when it was first seen.
    for (let q = p + 1; q < top; q++) if (!present.has(q) && !this.#applied.has(q) && !this.#holes.has(q)) this.#holes.set(q, now);
    return fresh;
  }
}
