/**
 * PostgresTokenStore under failure, against a PostgreSQL server of its own: the server is killed
 * and shut down mid-run, calls reject with StorageError within their timeout (never a default
 * answer: a revoked id is never reported not revoked), and after a restart the same store
 * instance serves again with every acknowledged write present. Also: an unresponsive server
 * times out, and migrations are idempotent (twice in a row, and from several processes at once).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { StorageError } from '../../src/jose/errors.js';
import { PostgresTokenStore } from '../../src/store/postgres/postgres.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/postgres-schema.js';
import type { TokenRecord } from '../../src/store/types.js';
import { startPostgres, type PostgresServer } from '../support/servers/postgres.js';

const TIMEOUT_MS = 800;
// Generous margin over the timeout for a loaded 2-core machine; the point is "bounded", not "fast".
const BOUND_MS = TIMEOUT_MS + 1500;

function record(id: string, subject: string, now: number, extra: Partial<TokenRecord> = {}): TokenRecord {
  return { id, kind: 'refresh', subject, issuedAt: now, expiresAt: now + 3_600_000, ...extra };
}

/** Asserts that `call` rejects with a StorageError and does so within BOUND_MS. */
async function rejectsBounded(name: string, call: () => Promise<unknown>): Promise<void> {
  const started = Date.now();
  let outcome: unknown;
  try {
    outcome = { resolved: await call() };
  } catch (err) {
    outcome = err;
  }
  const elapsed = Date.now() - started;
  assert.ok(outcome instanceof StorageError, `${name}: expected StorageError, got ${JSON.stringify(outcome) ?? String(outcome)}`);
  assert.equal(outcome.code, 'ERR_STORAGE');
  assert.ok(elapsed <= BOUND_MS, `${name}: took ${elapsed} ms (bound ${BOUND_MS} ms)`);
}

describe('postgres faults', () => {
  let server: PostgresServer;

  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });

  test('server killed and shut down mid-run: bounded StorageErrors, then every acknowledged write back', async () => {
    const store = await PostgresTokenStore.connect(server.url, { operationTimeoutMs: TIMEOUT_MS, sweepIntervalMs: 0, tablePrefix: 'faults_' });
    try {
      const now = Date.now();
      const acknowledged = new Map<string, TokenRecord>();
      const revoked = new Set<string>();
      for (let i = 0; i < 40; i++) {
        const r = record(`pre-${i}`, `user-${i % 4}`, now + i, { hash: `hash-pre-${i}` });
        await store.put(r);
        acknowledged.set(r.id, r);
      }
      for (let i = 0; i < 40; i += 4) {
        await store.revoke(`pre-${i}`, 'compromised');
        revoked.add(`pre-${i}`);
      }
      assert.equal((await store.consume('hash-pre-1')).consumed, true);

      // A writer keeps going while the server dies under it; only writes that resolved count.
      let writing = true;
      let attempted = 0;
      let failedWrites = 0;
      const writer = (async () => {
        for (let i = 0; writing && i < 100_000; i++) {
          const r = record(`live-${i}`, 'writer', now + 1000 + i);
          attempted++;
          try {
            await store.put(r);
            acknowledged.set(r.id, r);
          } catch (err) {
            assert.ok(err instanceof StorageError, `writer: unexpected ${String(err)}`);
            failedWrites++;
            await new Promise((res) => setTimeout(res, 20));
          }
        }
      })();
      await new Promise((res) => setTimeout(res, 300));
      await server.kill();
      await new Promise((res) => setTimeout(res, 200));

      await rejectsBounded('get', () => store.get('pre-3'));
      await rejectsBounded('getByHash', () => store.getByHash('hash-pre-3'));
      await rejectsBounded('put', () => store.put(record('down-1', 'x', now)));
      await rejectsBounded('list', () => store.list({ subject: 'user-1' }));
      await rejectsBounded('count', () => store.count({}));
      await rejectsBounded('revoke', () => store.revoke('pre-5'));
      await rejectsBounded('revokeWhere', () => store.revokeWhere({ subject: 'user-2' }));
      await rejectsBounded('addSession', () => store.addSession(record('down-2', 'x', now), 3, 'reject'));
      await rejectsBounded('consume', () => store.consume('hash-pre-2'));
      await rejectsBounded('cleanup', () => store.cleanup(now));
      for (const id of revoked) {
        // Never "not revoked" for a revoked id: the call fails instead.
        await rejectsBounded(`isRevoked(${id})`, () => store.isRevoked(id));
      }

      writing = false;
      await writer;
      assert.ok(failedWrites > 0, 'the writer saw the outage');
      assert.ok(attempted > failedWrites, 'the writer wrote before the outage');

      await server.restart();
      // Same instance: the pool reconnects by itself.
      for (const [id, expected] of acknowledged) {
        const got = await store.get(id);
        assert.ok(got, `acknowledged write ${id} is present after the restart`);
        assert.equal(got.subject, expected.subject);
        assert.equal(got.issuedAt, expected.issuedAt);
        assert.equal(await store.isRevoked(id), revoked.has(id), `isRevoked(${id})`);
      }
      const consumed = await store.consume('hash-pre-1');
      assert.equal(consumed.consumed, false);
      assert.equal(consumed.consumed === false && consumed.reason, 'already_consumed');

      // A clean shutdown behaves the same; a write after the restart sticks.
      await server.shutdown();
      await rejectsBounded('isRevoked after shutdown', () => store.isRevoked('pre-0'));
      await rejectsBounded('getByHash after shutdown', () => store.getByHash('hash-pre-0'));
      await server.restart();
      await store.put(record('after-restart', 'writer', now));
      assert.equal((await store.get('after-restart'))?.subject, 'writer');
      assert.equal(await store.isRevoked('pre-0'), true);
      assert.equal(await store.count({ subject: 'writer' }), [...acknowledged.values()].filter((r) => r.subject === 'writer').length + 1);
    } finally {
      await store.close();
    }
  });

  test('a hung server (SIGSTOP): calls time out, connections are not leaked, service resumes after SIGCONT', async () => {
    const store = await PostgresTokenStore.connect(server.url, {
      operationTimeoutMs: TIMEOUT_MS, sweepIntervalMs: 0, tablePrefix: 'hang_', poolOptions: { max: 3 },
    });
    try {
      const now = Date.now();
      await store.put(record('hang-1', 'alice', now, { hash: 'hash-hang-1' }));
      await store.revoke('hang-1');
      await server.pause();
      try {
        // Twice the pool size, all at once: each times out on its own deadline.
        const calls = Array.from({ length: 6 }, (_, i) => rejectsBounded(`isRevoked #${i}`, () => store.isRevoked('hang-1')));
        await Promise.all(calls);
        await rejectsBounded('addSession', () => store.addSession(record('hang-2', 'alice', now), 2, 'evict-oldest'));
      } finally {
        await server.resume();
      }
      // The pool was not left full of hung connections.
      assert.equal(await store.isRevoked('hang-1'), true);
      assert.equal((await store.getByHash('hash-hang-1'))?.id, 'hang-1');
      const added = await store.addSession(record('hang-3', 'alice', now), 2, 'reject');
      assert.equal(added.added, true);
    } finally {
      await store.close();
    }
  });

  test('a hung server and a pool without query timeouts: batched reads give their connections back', async () => {
    // The caller's pool sets no query_timeout, so only the store's own batch deadline can end a hung read.
    const pool = new pg.Pool({ connectionString: server.url, max: 3 });
    pool.on('error', () => {});
    const store = new PostgresTokenStore({ pool, operationTimeoutMs: TIMEOUT_MS, sweepIntervalMs: 0, tablePrefix: 'hangpool_', closePool: true });
    try {
      const now = Date.now();
      // Three writes at once open all three connections, so no read waits for a new one below.
      await Promise.all(['hp-1', 'hp-2', 'hp-3'].map((id) => store.put(record(id, 'alice', now, { hash: `hash-${id}` }))));
      assert.equal(pool.idleCount, 3);
      await server.pause();
      try {
        const calls = Array.from({ length: 6 }, (_, i) => rejectsBounded(`getByHash #${i}`, () => store.getByHash('hash-hp-1')));
        await Promise.all(calls);
        await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS));
        // Every connection a batch held on the hung server was destroyed at the batch deadline.
        assert.equal(pool.totalCount - pool.idleCount, 0);
        assert.equal(pool.totalCount, 1);
      } finally {
        await server.resume();
      }
      assert.equal((await store.getByHash('hash-hp-1'))?.id, 'hp-1');
    } finally {
      await store.close();
    }
  });

  test('a server that accepts but never answers: calls time out with StorageError', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', () => res()));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const store = new PostgresTokenStore({
      pool: new pg.Pool({ connectionString: `postgres://nobody@127.0.0.1:${port}/none`, connectionTimeoutMillis: TIMEOUT_MS }),
      operationTimeoutMs: TIMEOUT_MS,
      sweepIntervalMs: 0,
      closePool: true,
    });
    try {
      await rejectsBounded('isRevoked', () => store.isRevoked('x'));
      await rejectsBounded('put', () => store.put(record('x', 'y', Date.now())));
      const controller = new AbortController();
      const pending = store.get('x', { signal: controller.signal });
      controller.abort(new Error('caller gave up'));
      await assert.rejects(pending, (err: unknown) => err instanceof StorageError && err.detail === 'aborted');
    } finally {
      await store.close().catch(() => {});
      for (const s of sockets) s.destroy();
      await new Promise((res) => silent.close(res));
    }
  });

  test('migrations are idempotent: connect twice, and from four processes at once', async () => {
    const first = await PostgresTokenStore.connect(server.url, { tablePrefix: 'mig_twice_', sweepIntervalMs: 0 });
    await first.put(record('kept', 'alice', Date.now()));
    await first.close();
    const second = await PostgresTokenStore.connect(server.url, { tablePrefix: 'mig_twice_', sweepIntervalMs: 0 });
    try {
      assert.equal((await second.get('kept'))?.subject, 'alice', 'a second connect keeps the data');
    } finally {
      await second.close();
    }

    const startAt = Date.now() + 1500;
    const worker = join(import.meta.dirname, 'postgres-migrate-worker.ts');
    const outputs = await Promise.all([0, 1, 2, 3].map(() => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, server.url, 'mig_race_', String(startAt)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
      child.on('exit', (code) => resolve({ code, out }));
    })));
    for (const { code, out } of outputs) assert.equal(code, 0, `worker failed: ${out}`);

    const client = new pg.Client(server.url);
    await client.connect();
    try {
      for (const prefix of ['mig_twice_', 'mig_race_']) {
        const versions = await client.query<{ version: number; n: string }>(
          `SELECT version, count(*) AS n FROM "${prefix}schema_migrations" GROUP BY version ORDER BY version`,
        );
        assert.deepEqual(
          versions.rows.map((r) => [r.version, Number(r.n)]),
          POSTGRES_MIGRATIONS.map((m) => [m.version, 1]),
          `${prefix}: each version applied once`,
        );
      }
      const rows = await client.query<{ n: string }>('SELECT count(*) AS n FROM "mig_race_tokens"');
      assert.equal(Number(rows.rows[0]?.n), 4, 'every racing process could write');
    } finally {
      await client.end();
    }
  });
});
