/**
 * A coarse wall clock for hot paths. On some machines (virtualised clocks) `Date.now()` costs a
 * few hundred nanoseconds, as much as an HMAC verification; audit timestamps do not need that
 * precision. The value is re-read at most once per 10 ms while calls keep coming; when idle no
 * timer runs.
 */

const RESOLUTION_MS = 10;
let cached: number | undefined;

function expire(): void {
  cached = undefined;
}

/** Epoch milliseconds, accurate to about 10 ms. */
export function coarseNow(): number {
  if (cached === undefined) {
    cached = Date.now();
    setTimeout(expire, RESOLUTION_MS).unref();
  }
  return cached;
}
