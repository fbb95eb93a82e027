/**
 * Child process of the migration race test: connects a PostgresTokenStore (which migrates the
 * schema) at a shared start time and prints what it saw. Usage: URL PREFIX START_AT_MS
 */
import { PostgresTokenStore } from '../../src/store/postgres/postgres.js';

const [url, prefix, startAt] = process.argv.slice(2);
if (url === undefined || prefix === undefined || startAt === undefined) {
  console.error('usage: postgres-migrate-worker.ts URL PREFIX START_AT_MS');
  process.exit(2);
}
// Start together so the migrations really overlap.
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const store = await PostgresTokenStore.connect(url, { tablePrefix: prefix, sweepIntervalMs: 0 });
const now = Date.now();
await store.put({ id: `worker-${process.pid}`, kind: 'access', subject: 'migrate-race', issuedAt: now, expiresAt: now + 60_000 });
await store.close();
console.log('ok');
