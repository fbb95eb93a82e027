/**
 * The conformance suite on MemoryTokenStore, plus what only the memory backend promises: its
 * sweep timer never keeps the process alive and removes what is past retention.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { StoreInputInvalid } from '../../src/jose/errors.js';
import { MemoryTokenStore } from '../../src/store/memory/memory.js';
import { runConformanceSuite } from './conformance.js';

runConformanceSuite('memory', async (options) => new MemoryTokenStore(options), { exclusive: true });

describe('MemoryTokenStore specifics', () => {
  it('the sweep timer does not keep the process alive', () => {
    const script = "import { MemoryTokenStore } from './src/store/memory/memory.ts'; new MemoryTokenStore({ sweepIntervalMs: 1000 }); console.log('ok');";
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(child.stdout.trim(), 'ok');
    assert.equal(child.status, 0);
    assert.ok(Date.now() - started < 15_000);
  });

  it('the sweep removes records past retention by itself', async () => {
    const store = new MemoryTokenStore({ revocationRetentionMs: 10, sweepIntervalMs: 20 });
    const now = Date.now();
    await store.put({ id: 'gone', kind: 'access', subject: 's', issuedAt: now - 1000, expiresAt: now - 100 });
    await store.put({ id: 'kept', kind: 'access', subject: 's', issuedAt: now, expiresAt: now + 60_000 });
    assert.equal(store.size, 2);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(store.size, 1);
    assert.equal((await store.get('kept'))?.id, 'kept');
    await store.close();
  });

  it('an id or hash with no string form is StoreInputInvalid, not a TypeError', async () => {
    const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const bad = Object.create(null) as string;
    await assert.rejects(store.put({ id: bad, kind: 'access', subject: 's', issuedAt: 1, expiresAt: 2 }), StoreInputInvalid);
    await assert.rejects(store.get(bad), StoreInputInvalid);
    await assert.rejects(store.getByHash(bad), StoreInputInvalid);
    await assert.rejects(store.consume(bad), StoreInputInvalid);
    await store.close();
  });
});
