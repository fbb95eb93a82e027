/**
 * A sub-millisecond wall clock two processes can compare. `performance.timeOrigin + now()` is
 * fixed at process start and drifts from the system clock as NTP slews it (tens of ms over a
 * few minutes in a long-lived process), and `Date.now()` has whole-millisecond steps; so each
 * process anchors the monotonic clock to the system clock right before it measures, at the
 * instant `Date.now()` ticks over.
 */
import { performance } from 'node:perf_hooks';

/** A clock in epoch ms with sub-ms resolution, anchored to the system clock now. */
export function anchoredWallClock(): () => number {
  const start = Date.now();
  let now = start;
  // Spin until the millisecond changes (at most ~1 ms): that instant is exactly `now` ms.
  while (now === start) now = Date.now();
  const offset = now - performance.now();
  return () => offset + performance.now();
}
