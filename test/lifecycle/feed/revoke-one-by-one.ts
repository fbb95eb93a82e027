/**
 * The revoking side of the propagation and fault tests, run in a second process (revoker-worker.ts,
 * redis-cluster-worker.ts): writes `count` records, prints `ready`, waits for a line on stdin,
 * then revokes them one by one and prints one JSON line per revocation `{ id, t, d }` (epoch ms
 * on an anchored clock, see wall-clock.ts: before the call, and when it returned, i.e. committed),
 * then `done`.
 */
import { createInterface } from 'node:readline';
import type { TokenStore } from '../../../src/store/index.js';
import { anchoredWallClock } from './wall-clock.js';

/**
 * Runs the protocol above on `store`. With `retryFailures`, a call that fails (a node restarting)
 * is retried every 50 ms until the store answers, and `t` is the start of the first attempt.
 */
export async function revokeOneByOne(store: TokenStore, count: number, idPrefix: string, retryFailures: boolean): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < count; i += 200) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + 200); j++) {
      batch.push(store.put({ id: `${idPrefix}${j}`, kind: 'access', subject: `user-${j % 50}`, issuedAt: now, expiresAt: now + 3_600_000 }));
    }
    await Promise.all(batch);
  }
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  const clock = anchoredWallClock();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${idPrefix}${i}`;
    const t = clock();
    for (;;) {
      const result = await store.revoke(id).catch((err: unknown) => {
        if (!retryFailures) throw err;
        return undefined;
      });
      // already_revoked after a retry: an earlier attempt revoked it and only its reply was lost.
      if (result?.revoked === true || (retryFailures && result?.revoked === false && result.reason === 'already_revoked')) break;
      if (result !== undefined) throw new Error(`revoke ${id}: ${JSON.stringify(result)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    out.push(JSON.stringify({ id, t, d: clock() }));
    if (out.length >= 100) process.stdout.write(out.splice(0).join('\n') + '\n');
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  process.stdout.write('done\n');
  lines.close();
}
