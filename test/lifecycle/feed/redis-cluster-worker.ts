/**
 * A second process on a Redis Cluster store: `node --import tsx redis-cluster-worker.ts <url> <prefix> <mode> <arg>`.
 *
 * - `crash-revoke <id>`: revokes `id`, but the store's private test hook stops it right after the
 *   feed entry was appended: it prints `logged` and waits to be SIGKILLed before revoking.
 * - `crash-revoke-subject <subject>`: the same for `revokeWhere({ subject })`.
 * - `revoke <count>:<idPrefix>`: writes `count` records, prints `ready`, waits for a line on
 *   stdin, then revokes them one by one, retrying a call that failed (a node restarting) until
 *   the store answers (see revoke-one-by-one.ts).
 */
import { RedisTokenStore } from '../../../src/store/index.js';
import { setAfterFeedAppendForTests } from '../../../src/store/redis/redis-cluster-feed.js';
import { revokeOneByOne } from './revoke-one-by-one.js';

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
  await revokeOneByOne(store, Number(countText), idPrefix, true);
  await store.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
