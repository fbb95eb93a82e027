/**
 * A second process that revokes: `node --import tsx revoker-worker.ts <storeUrl> <prefix> <count> <idPrefix>`.
 * Writes the records, prints `ready`, waits for a line on stdin, then revokes them one by one and
 * prints one JSON line per revocation `{ id, t, d }` (epoch ms with sub-ms precision, taken just
 * before the call and when it returned, i.e. committed), then `done`.
 */
import { createInterface } from 'node:readline';
import { anchoredWallClock } from './wall-clock.js';
import { createTokenStore } from '../../../src/store/index.js';

const [url, prefix, countText, idPrefix] = process.argv.slice(2);
if (url === undefined || prefix === undefined || countText === undefined || idPrefix === undefined) throw new Error('usage: <url> <prefix> <count> <idPrefix>');
const count = Number(countText);
const store = await createTokenStore(url, { tablePrefix: prefix, prefix, sweepIntervalMs: 0 });
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
  const result = await store.revoke(id);
  if (!result.revoked) throw new Error(`revoke ${id}: ${JSON.stringify(result)}`);
  out.push(JSON.stringify({ id, t, d: clock() }));
  if (out.length >= 500) process.stdout.write(out.splice(0).join('\n') + '\n');
}
if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
process.stdout.write('done\n');
lines.close();
await store.close();
