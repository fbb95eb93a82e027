/**
 * Lifecycle plumbing the stores share: the background
 * sweep that deletes records past retention, and opening a store that owns its connection.
 */
import { StoreInputInvalid } from '../jose/errors.js';
import type { TokenStoreOptions } from './types.js';

/** How often a server-backed store sweeps by itself unless configured: 60 s. */
export const DEFAULT_SWEEP_MS = 60_000;

/** {@link TokenStoreOptions} of a store that sweeps expired records in the background. */
export interface SweepingStoreOptions extends TokenStoreOptions {
  /** How often the store deletes records past retention by itself, in ms (default 60000; 0: never). */
  sweepIntervalMs?: number;
}

/** A running background sweep; {@link BackgroundSweep.stop} ends it. */
export interface BackgroundSweep {
  stop(): void;
}

/**
 * Rejects a `sweepIntervalMs` setTimeout cannot honour (not a number, negative, above 2^31-1)
 * and resolves the default.
 * @example
 * validateSweepInterval(undefined); // 60000
 */
export function validateSweepInterval(value: number | undefined): number {
  const ms = value ?? DEFAULT_SWEEP_MS;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 2 ** 31 - 1) {
    throw new StoreInputInvalid('sweepIntervalMs must be a number of ms from 0 (never) to 2^31-1');
  }
  return ms;
}

/**
 * Calls `sweep` every `intervalMs` (default 60000; 0: never; anything
 * {@link validateSweepInterval} refuses throws StoreInputInvalid, since Node would clamp it to 1 ms). The timer is unreferenced
 * so it never keeps the process alive, one sweep runs at a time (a slow one is not piled on),
 * and a failed sweep is dropped: the next tick tries again, and callers' own calls report outages.
 * @example
 * const sweeper = startBackgroundSweep(options.sweepIntervalMs, () => store.cleanup());
 * // on close:
 * sweeper.stop();
 */
export function startBackgroundSweep(intervalMs: number | undefined, sweep: () => Promise<unknown>): BackgroundSweep {
  const ms = validateSweepInterval(intervalMs);
  if (ms === 0) return { stop: () => undefined };
  let running = false;
  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      await sweep();
    } catch {
      // Dropped on purpose: see above.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), ms);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * Migrates a freshly opened store that owns its connection pool or client, and closes it when
 * that fails, so a failed `connect()` leaves no pool behind.
 * @example
 * return migrateOrClose(new PostgresTokenStore({ ...options, pool, closePool: true }));
 */
export async function migrateOrClose<S extends { migrate(): Promise<unknown>; close(): Promise<void> }>(store: S): Promise<S> {
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
