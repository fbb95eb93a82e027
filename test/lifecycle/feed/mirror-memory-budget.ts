/**
 * Run with `node --expose-gc --import tsx`: fills a mirror with 1,000,000 revoked ids and prints
 * the heap it took, in bytes.
 */
import { RevocationMirror } from '../../../src/lifecycle/feed/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const count = Number(process.argv[2] ?? 1_000_000);
gc();
const before = process.memoryUsage().heapUsed;
const mirror = new RevocationMirror();
const expiresAt = Date.now() + 3_600_000;
const batch = [];
for (let i = 0; i < count; i++) {
  // A UUID-sized jti, as most issuers make them.
  // Ids reach the mirror decoded from the wire, i.e. as flat strings: build them the same way.
  batch.push({ type: 'id' as const, id: Buffer.from(`${i.toString(16).padStart(8, '0')}-7b3c-4d2e-9f10-${(i * 7919).toString(16).padStart(12, '0')}`).toString('latin1'), expiresAt: expiresAt + (i % 3600) * 1000 });
  if (batch.length === 10_000) { mirror.apply(batch); batch.length = 0; }
}
mirror.apply(batch);
batch.length = 0;
gc();
const after = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ ids: mirror.size, bytes: after - before }));
