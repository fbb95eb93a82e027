/**
 * MySqlTokenStore under server faults, on a MariaDB server of its own: a crash (SIGKILL) in the
 * middle of a write loop, a hung server (SIGSTOP), and the restart. Calls must fail with
 * StorageError within their timeout, nothing revoked may read as live, and after the restart
 * every acknowledged write must be there.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../src/jose/errors.js';
import { MySqlTokenStore } from '../../src/store/mysql/mysql.js';
import type { TokenRecord } from '../../src/store/types.js';
import { startMySql, type MySqlServer } from '../support/servers/mysql.js';

const TIMEOUT_MS = 1000;
// Slack for the event loop and a loaded 2-core machine on top of the configured timeout.
const SLACK_MS = 1500;
const HOUR = 60 * 60 * 1000;

function record(id: string, fields: Partial<TokenRecord> = {}): TokenRecord {
  const now = Date.now();
  return { id, kind: 'access', subject: 'fault-user', issuedAt: now, expiresAt: now + HOUR, ...fields };
}

async function expectStorageErrorInTime(label: string, call: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  await assert.rejects(call(), (err: unknown) => {
    assert.ok(err instanceof StorageError, `${label}: expected StorageError, got ${String(err)}`);
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed <= TIMEOUT_MS + SLACK_MS, `${label}: took ${elapsed} ms`);
}

/** Retries `call` until it resolves (the pool reconnecting), for at most `ms`. */
async function eventually<T>(ms: number, call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('MySqlTokenStore faults', { timeout: 120_000 }, () => {
  let server: MySqlServer;
  let store: MySqlTokenStore;

  before(async () => {
    server = await startMySql();
    store = await MySqlTokenStore.connect(server.url, { operationTimeoutMs: TIMEOUT_MS, sweepIntervalMs: 0 });
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });

  it('a crash mid-write fails calls with StorageError in time; after restart every acknowledged write is there', async () => {
    await store.put(record('revoked-before', { hash: 'hash-revoked-before' }));
    assert.deepEqual((await store.revoke('revoked-before', 'test')).revoked, true);
    await store.put(record('refresh-before', { hash: 'hash-refresh-before', kind: 'refresh' }));
    assert.equal((await store.consume('hash-refresh-before')).consumed, true);

    // A writer that keeps going through the crash; only resolved puts count as acknowledged.
    const acknowledged: string[] = [];
    let failures = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop && i < 100_000; i++) {
        const id = `w-${i}`;
        try {
          await store.put(record(id));
          acknowledged.push(id);
        } catch (err) {
          assert.ok(err instanceof StorageError, `writer: expected StorageError, got ${String(err)}`);
          failures += 1;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    })();
    let ackedBeforeRestart: number | undefined;
    try {
      const warmDeadline = Date.now() + 20_000;
      while (acknowledged.length < 50 && Date.now() < warmDeadline) await new Promise((r) => setTimeout(r, 5));
      assert.ok(acknowledged.length >= 50, `only ${acknowledged.length} puts were acknowledged before the crash`);
      await server.kill();

      await expectStorageErrorInTime('get', () => store.get('w-0'));
      await expectStorageErrorInTime('isRevoked', () => store.isRevoked('revoked-before'));
      await expectStorageErrorInTime('getByHash', () => store.getByHash('hash-revoked-before'));
      await expectStorageErrorInTime('put', () => store.put(record('during-outage')));
      await expectStorageErrorInTime('consume', () => store.consume('hash-refresh-before'));
      await expectStorageErrorInTime('addSession', () => store.addSession(record('session-during-outage'), 3, 'reject'));
      await expectStorageErrorInTime('list', () => store.list({ subject: 'fault-user' }));
      await expectStorageErrorInTime('revokeWhere', () => store.revokeWhere({ subject: 'nobody' }));
      await new Promise((r) => setTimeout(r, 100));
      ackedBeforeRestart = acknowledged.length;

      await server.restart();
      await eventually(10_000, () => store.get('w-0'));
    } finally {
      // The writer must stop even when an assertion above failed.
      stop = true;
      await writer;
    }
    assert.ok(failures > 0, 'the writer saw the outage');
    assert.ok((ackedBeforeRestart ?? 0) >= 50);

    const missing: string[] = [];
    for (const id of acknowledged) if ((await store.get(id)) === undefined) missing.push(id);
    assert.deepEqual(missing, [], 'every acknowledged put survived the crash');
    assert.equal(await store.count({ subject: 'fault-user', kind: 'access', status: 'active' }) >= acknowledged.length, true);
    assert.equal(await store.isRevoked('revoked-before'), true);
    const again = await store.consume('hash-refresh-before');
    assert.equal(again.consumed, false);
    assert.equal(again.consumed === false && again.reason, 'already_consumed');
  });

  it('a hung server times calls out with StorageError; once it runs again the store serves', async () => {
    await store.put(record('hang-revoked'));
    await store.revoke('hang-revoked');
    await server.pause();
    try {
      await expectStorageErrorInTime('isRevoked (hung)', () => store.isRevoked('hang-revoked'));
      await expectStorageErrorInTime('get (hung)', () => store.get('hang-revoked'));
      await expectStorageErrorInTime('addSession (hung)', () => store.addSession(record('hang-session', { subject: 'hang-user' }), 2, 'evict-oldest'));
      await expectStorageErrorInTime('consume (hung)', () => store.consume('no-such-hash'));
    } finally {
      server.resume();
    }
    assert.equal(await eventually(10_000, () => store.isRevoked('hang-revoked')), true);
    // The abandoned addSession transaction must not leave its subject locked.
    const added = await eventually(10_000, () => store.addSession(record('hang-session-2', { subject: 'hang-user' }), 2, 'reject'));
    assert.equal(added.added, true);
  });

  it('a clean shutdown and restart keeps everything and the pool reconnects by itself', async () => {
    await store.put(record('before-shutdown', { hash: 'hash-before-shutdown' }));
    await server.shutdown();
    await expectStorageErrorInTime('getByHash (down)', () => store.getByHash('hash-before-shutdown'));
    await server.restart();
    const found = await eventually(10_000, () => store.getByHash('hash-before-shutdown'));
    assert.equal(found?.id, 'before-shutdown');
  });
});
