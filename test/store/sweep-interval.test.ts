/**
 * sweepIntervalMs outside what setInterval honours (Node clamps anything above 2^31-1 to 1 ms,
 * turning the sweep into a busy loop) is refused with StoreInputInvalid by every backend, before
 * any pool, client or file is opened: the server URLs below point at a closed port, so a
 * backend that connected first would report a StorageError instead.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CjwtError } from '../../src/jose/errors.js';
import { MemoryTokenStore } from '../../src/store/memory/memory.js';
import { MySqlTokenStore } from '../../src/store/mysql/mysql.js';
import { PostgresTokenStore } from '../../src/store/postgres/postgres.js';
import { RedisTokenStore } from '../../src/store/redis/redis.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite.js';
import { startBackgroundSweep } from '../../src/store/store-lifecycle.js';

const TOO_LONG = 2 ** 31;
const CLOSED = '127.0.0.1:1';

function isInvalidInput(err: unknown): boolean {
  assert.ok(err instanceof CjwtError, `expected a CjwtError, got ${String(err)}`);
  assert.equal(err.code, 'ERR_STORE_INVALID_INPUT');
  return true;
}

describe('sweepIntervalMs above 2^31-1 is refused', () => {
  it('by startBackgroundSweep', () => {
    let runs = 0;
    assert.throws(() => startBackgroundSweep(TOO_LONG, async () => { runs++; }), isInvalidInput);
    assert.throws(() => startBackgroundSweep(-5, async () => { runs++; }), isInvalidInput);
    assert.equal(runs, 0);
  });

  it('by the memory store', () => {
    assert.throws(() => new MemoryTokenStore({ sweepIntervalMs: TOO_LONG }), isInvalidInput);
    assert.throws(() => new MemoryTokenStore({ sweepIntervalMs: Number.NaN }), isInvalidInput);
  });

  it('by SqliteTokenStore.open', async () => {
    await assert.rejects(SqliteTokenStore.open(':memory:', { sweepIntervalMs: TOO_LONG }), isInvalidInput);
  });

  it('by MySqlTokenStore.connect before a pool is made', async () => {
    await assert.rejects(MySqlTokenStore.connect(`mysql://u:p@${CLOSED}/db`, { sweepIntervalMs: TOO_LONG, operationTimeoutMs: 500 }), isInvalidInput);
  });

  it('by RedisTokenStore.connect before a client is made', async () => {
    await assert.rejects(RedisTokenStore.connect(`redis://${CLOSED}`, { sweepIntervalMs: TOO_LONG, operationTimeoutMs: 500 }), isInvalidInput);
  });

  it('by PostgresTokenStore.connect before a pool is made', async () => {
    await assert.rejects(PostgresTokenStore.connect(`postgres://u:p@${CLOSED}/db`, { sweepIntervalMs: TOO_LONG, operationTimeoutMs: 500 }), isInvalidInput);
  });
});
