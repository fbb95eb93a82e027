/**
 * Waiting for the successor of a just-consumed refresh token. Two tabs refreshing at once reach
 * the store microseconds apart: the loser of the consume learns "already consumed" before the
 * winner has written the successor. Within the reuse grace the loser polls for it (backing off,
 * bounded by the grace left and a hard cap) instead of mistaking its twin for an attacker.
 */
import type { StoreCallOptions, TokenRecord, TokenStore } from '../../store/index.js';

/** The longest a retry waits for the successor, whatever the grace. */
export const MAX_SUCCESSOR_WAIT_MS = 3000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The record `successorId`, read until it exists or `waitMs` (capped at
 * {@link MAX_SUCCESSOR_WAIT_MS}) has passed; undefined when it never appeared.
 */
export async function waitForSuccessor(
  store: TokenStore, successorId: string, waitMs: number, callOptions: () => StoreCallOptions,
): Promise<TokenRecord | undefined> {
  const deadline = performance.now() + Math.min(Math.max(waitMs, 0), MAX_SUCCESSOR_WAIT_MS);
  let delay = 2;
  for (;;) {
    const record = await store.get(successorId, callOptions());
    if (record !== undefined || performance.now() >= deadline) return record;
    await sleep(Math.min(delay, Math.max(1, deadline - performance.now())));
    delay = Math.min(delay * 2, 100);
  }
}
