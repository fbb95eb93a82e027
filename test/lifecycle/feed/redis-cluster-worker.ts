/**
 * A second process on a Redis Cluster store: `node --import tsx redis-cluster-worker.ts <url> <prefix> <mode> <arg>`.
 *
 * - `crash-revoke <id>`: revokes `id`, but the store's private test hook stops it right after the
 *   feed entry was appended: it prints `logged` and waits to be SIGKILLed before revoking.
 * - `crash-revoke-subject <subject>`: the same for `revokeWhere({ subject })`.
 * - `revoke <count>:<idPrefix>`: writes `count` records, prints `ready`, waits for a line on
 *   stdin, then revokes them one by one, retrying a call that failed (a node restarting) until
 *   the store answers; prints `{ id, t, d }` per revocation (t: start of its first attempt, d: when
 *   it completed) and `done`.
 */
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { RedisTokenStore } from '../../../src/store/index.js';
import { setAfterFeedAppendForTests } from '../../../src/store/redis/redis-cluster-feed.js';

const [url, prefix, mode, arg] = process.argv.slice(2);
if (url === undefined || prefix === undefined || mode === undefined || arg === undefined) throw new Error('usage: <url> <prefix> <mode> <arg>');
const store = await RedisTokenStore.connect(url, { prefix, sweepIntervalMs: 0 });

if (mode === 'crash-revoke' || mode === 'crash-revoke-subject') {
  setAfterFeedAppendForTests(async () => {
    process.stdout.write('logged\n');
    // Stopped between the two steps until the test kills this process.
    await new Promise(() => {});
  });
  if (mode === 'crash-revoke') await store.revoke(arg, 'crash');
  else await store.revokeWhere({ subject: arg }, 'crash');
  process.stdout.write('revoked\n');
} else if (mode === 'revoke') {
  const [countText, idPrefix = ''] = arg.split(':');
  const count = Number(countText);
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
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `${idPrefix}${i}`;
    const t = performance.timeOrigin + performance.now();
    for (;;) {
      const result = await store.revoke(id).catch(() => undefined);
      // already_revoked: an earlier attempt revoked it and only its reply was lost.
      if (result?.revoked === true || (result?.revoked === false && result.reason === 'already_revoked')) break;
      if (result !== undefined) throw new Error(`revoke ${id}: ${JSON.stringify(result)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    out.push(JSON.stringify({ id, t, d: performance.timeOrigin + performance.now() }));
    if (out.length >= 100) process.stdout.write(out.splice(0).join('\n') + '\n');
  }
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  process.stdout.write('done\n');
  lines.close();
  await store.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
