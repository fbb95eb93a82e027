/**
 * Child process of sqlite-crash.test.ts: writes records (and revokes every tenth) in a loop and
 * prints each id only after the store acknowledged the write, until it is killed.
 * Usage: node --import tsx test/store/sqlite-crash-writer.ts <db-path>
 */
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: sqlite-crash-writer.ts <db-path>');
const store = await SqliteTokenStore.open(path);
const now = Date.now();
for (let i = 0; i < 1_000_000; i++) {
  const id = `w-${i}`;
  await store.put({ id, hash: `h-${i}`, kind: 'refresh', subject: `s-${i % 7}`, issuedAt: now + i, expiresAt: now + 3_600_000, data: { i } });
  process.stdout.write(`put ${id}\n`);
  if (i % 10 === 0) {
    await store.revoke(id, 'crash-test');
    process.stdout.write(`revoke ${id}\n`);
  }
}
