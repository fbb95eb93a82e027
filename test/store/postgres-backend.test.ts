/**
 * PostgreSQL-specific behaviour beyond the shared conformance suite: connection failures,
 * createTokenStore dispatch, the schema's indexes, pool ownership, table prefixes, and that a
 * transaction which outlived its deadline never commits. Uses CJWT_TEST_POSTGRES_URL.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { StorageError, StoreConflict, StoreInputInvalid } from '../../src/jose/errors.js';
import { createTokenStore } from '../../src/store/create.js';
import { PostgresTokenStore } from '../../src/store/postgres/postgres.js';
import { RECORD_COLUMNS, recordParams, stringKey } from '../../src/store/postgres/postgres-row.js';
import { POSTGRES_MIGRATIONS, migratePostgres, tableNames } from '../../src/store/postgres/postgres-schema.js';
import type { TokenRecord } from '../../src/store/types.js';
import { freePort } from '../support/server-process.js';

const url = process.env.CJWT_TEST_POSTGRES_URL;
const prefix = (): string => `b${randomBytes(4).toString('hex')}_`;

function record(id: string, subject: string, extra: Partial<TokenRecord> = {}): TokenRecord {
  const now = Date.now();
  return { id, kind: 'refresh', subject, issuedAt: now, expiresAt: now + 3_600_000, ...extra };
}

test('connect to a port nobody listens on rejects with StorageError, quickly', async () => {
  const port = await freePort();
  const started = Date.now();
  await assert.rejects(PostgresTokenStore.connect(`postgres://nobody@127.0.0.1:${port}/none`, { operationTimeoutMs: 2000 }), (err: unknown) => {
    assert.ok(err instanceof StorageError);
    assert.equal(err.op, 'migrate');
    assert.match(err.detail, /refused/);
    return true;
  });
  assert.ok(Date.now() - started < 2000, 'a refused connection is not waited out');
});

test('a table prefix that is not a plain identifier is rejected before any connection', async () => {
  await assert.rejects(PostgresTokenStore.connect('postgres://nobody@127.0.0.1:1/none', { tablePrefix: 'x"; DROP TABLE y; --' }), StoreInputInvalid);
});

describe('postgres backend', () => {
  test('needs CJWT_TEST_POSTGRES_URL', () => {
    assert.ok(url, 'CJWT_TEST_POSTGRES_URL is not set: run `CJWT_TEST_SERVERS=postgres node --import tsx scripts/run-tests.ts postgres`');
  });
  if (!url) return;

  test('createTokenStore dispatches postgres:// and postgresql:// here', async () => {
    for (const scheme of ['postgres', 'postgresql']) {
      const store = await createTokenStore(url.replace(/^postgres/, scheme), { tablePrefix: prefix(), sweepIntervalMs: 0 });
      try {
        assert.ok(store instanceof PostgresTokenStore);
        assert.equal(store.backend, 'postgres');
      } finally {
        await store.close();
      }
    }
  });

  test('the schema indexes hash (unique), subject, family and expiry', async () => {
    const p = prefix();
    const store = await PostgresTokenStore.connect(url, { tablePrefix: p, sweepIntervalMs: 0 });
    await store.close();
    const client = new pg.Client(url);
    await client.connect();
    try {
      const { rows } = await client.query<{ indexdef: string }>('SELECT indexdef FROM pg_indexes WHERE tablename = $1', [`${p}tokens`]);
      const defs = rows.map((r) => r.indexdef);
      assert.ok(defs.some((d) => /UNIQUE INDEX .* \(hash_key\)/.test(d)), 'unique hash index');
      assert.ok(defs.some((d) => /\(subject_key, issued_at\)/.test(d)), 'subject index');
      assert.ok(defs.some((d) => /\(family_key, issued_at\)/.test(d)), 'family index');
      assert.ok(defs.some((d) => /\(expires_at\)/.test(d)), 'expiry index');
      assert.ok(defs.some((d) => /PRIMARY KEY|pkey/i.test(d) || /\(id_key\)/.test(d)), 'id primary key');
    } finally {
      await client.end();
    }
  });

  test('a pool passed in stays open after close unless closePool; prefixes isolate stores on one pool', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    try {
      const a = new PostgresTokenStore({ pool, tablePrefix: prefix(), sweepIntervalMs: 0 });
      const b = new PostgresTokenStore({ pool, tablePrefix: prefix(), sweepIntervalMs: 0 });
      await a.put(record('same-id', 'alice', { hash: 'same-hash' }));
      await b.put(record('same-id', 'bob', { hash: 'same-hash' }));
      assert.equal((await a.getByHash('same-hash'))?.subject, 'alice');
      assert.equal((await b.getByHash('same-hash'))?.subject, 'bob');
      await a.close();
      await b.close();
      await assert.rejects(a.get('same-id'), StorageError);
      const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
      assert.equal(rows[0]?.one, 1, 'the caller still owns a working pool');
    } finally {
      await pool.end();
    }
  });

  test('calls arriving while the first call migrates a new store wait for the schema', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    const store = new PostgresTokenStore({ pool, tablePrefix: prefix(), sweepIntervalMs: 0, closePool: true });
    try {
      const ids = Array.from({ length: 8 }, (_, i) => `early-${i}`);
      await Promise.all(ids.map((id) => store.put(record(id, 'alice', { hash: `h-${id}` }))));
      const found = await Promise.all(ids.map((id) => store.getByHash(`h-${id}`)));
      assert.deepEqual(found.map((r) => r?.id), ids);
    } finally {
      await store.close();
    }
  });

  test('a hash conflict inside addSession is StoreConflict and inserts nothing', async () => {
    const store = await PostgresTokenStore.connect(url, { tablePrefix: prefix(), sweepIntervalMs: 0 });
    try {
      await store.put(record('first', 'alice', { hash: 'taken' }));
      await assert.rejects(store.addSession(record('second', 'bob', { hash: 'taken' }), 3, 'reject'), StoreConflict);
      assert.equal(await store.get('second'), undefined);
      assert.equal((await store.getByHash('taken'))?.id, 'first');
      // The store keeps working after the failed transaction.
      assert.deepEqual(await store.addSession(record('third', 'bob'), 3, 'reject'), { added: true, evicted: [] });
    } finally {
      await store.close();
    }
  });

  test('an addSession that outlives its deadline never commits afterwards', async () => {
    const p = prefix();
    const store = await PostgresTokenStore.connect(url, { tablePrefix: p, sweepIntervalMs: 0, operationTimeoutMs: 400 });
    const blocker = new pg.Client(url);
    await blocker.connect();
    try {
      // Hold the subject's session lock from another connection so addSession waits on it.
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [0x636a7774, stringKey('carol').readInt32BE(0)]);
      await assert.rejects(store.addSession(record('late', 'carol'), 3, 'reject'), (err: unknown) => {
        assert.ok(err instanceof StorageError);
        assert.match(err.detail, /timed out|statement timeout/);
        return true;
      });
      // The server-side lock_timeout starts when the statement reaches the server, a moment after
      // the client's clock started; under load that moment can be long. The guarantee is that a
      // call which gave up cannot commit *long* after, so hold the lock well past the deadline.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await blocker.query('COMMIT');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(await store.get('late'), undefined, 'the timed-out call did not insert');
      assert.deepEqual(await store.addSession(record('on-time', 'carol'), 3, 'reject'), { added: true, evicted: [] });
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  test('a database at schema version 1 is upgraded in place, keeping its records', async () => {
    const p = prefix();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const client = await pool.connect();
      try {
        assert.deepEqual(await migratePostgres(client, tableNames(p), POSTGRES_MIGRATIONS.slice(0, 1)), [1]);
      } finally {
        client.release();
      }
      const now = Date.now();
      // A row written directly into the version-1 table, as an older cjwt would have.
      const placeholders = RECORD_COLUMNS.map((c, i) => `$${i + 1}${c === 'tags' || c === 'labels' ? '::jsonb' : ''}`);
      await pool.query(
        `INSERT INTO "${p}tokens" (${RECORD_COLUMNS.join(', ')}) VALUES (${placeholders.join(', ')})`,
        recordParams(record('from-v1', 'dave', { issuedAt: now - 10 })),
      );
      const store = await PostgresTokenStore.connect(url, { tablePrefix: p, sweepIntervalMs: 0 });
      try {
        assert.equal((await store.get('from-v1'))?.subject, 'dave');
        assert.deepEqual(await store.addSession(record('to-v2', 'dave', { issuedAt: now }), 1, 'evict-oldest'), { added: true, evicted: ['from-v1'] });
        const { rows } = await pool.query<{ version: number }>(`SELECT version FROM "${p}schema_migrations" ORDER BY version`);
        assert.deepEqual(rows.map((r) => r.version), POSTGRES_MIGRATIONS.map((m) => m.version));
      } finally {
        await store.close();
      }
    } finally {
      await pool.end();
    }
  });

  test('racing revokes on separate connections: one revokes, the rest report already_revoked with its time', async () => {
    const store = await PostgresTokenStore.connect(url, { tablePrefix: prefix(), sweepIntervalMs: 0, poolOptions: { max: 10 } });
    try {
      await store.put(record('contested', 'erin', { hash: 'contested-hash' }));
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.revoke('contested', `r${i}`, { now: 1_000_000 + i })));
      const winners = results.filter((r) => r.revoked);
      assert.equal(winners.length, 1);
      const winner = winners[0] as { revoked: true; revokedAt: number };
      for (const r of results) {
        if (!r.revoked) assert.deepEqual(r, { revoked: false, reason: 'already_revoked', revokedAt: winner.revokedAt });
      }
      assert.equal((await store.get('contested'))?.revokedAt, winner.revokedAt);
      assert.deepEqual(await store.revoke('absent'), { revoked: false, reason: 'not_found' });
    } finally {
      await store.close();
    }
  });

  test('bad connect options are StoreInputInvalid', async () => {
    await assert.rejects(PostgresTokenStore.connect(url, { sweepIntervalMs: -1 }), StoreInputInvalid);
    await assert.rejects(PostgresTokenStore.connect(42 as unknown as string), StoreInputInvalid);
  });

  // A database of its own: the isolation default is per database, and cjwt_test is shared.
  test('a database defaulting to REPEATABLE READ: concurrent migrations succeed and addSession keeps max', async () => {
    const database = `cjwt_rr_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client(url);
    await admin.connect();
    const stores: PostgresTokenStore[] = [];
    try {
      await admin.query(`CREATE DATABASE ${database}`);
      await admin.query(`ALTER DATABASE ${database} SET default_transaction_isolation TO 'repeatable read'`);
      const target = new URL(url);
      target.pathname = `/${database}`;
      const tablePrefix = prefix();
      const opened = await Promise.allSettled(
        Array.from({ length: 4 }, () => PostgresTokenStore.connect(target.href, { tablePrefix, sweepIntervalMs: 0 })),
      );
      for (const result of opened) if (result.status === 'fulfilled') stores.push(result.value);
      assert.deepEqual(opened.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), ['ok', 'ok', 'ok', 'ok']);
      const [first] = stores;
      assert.ok(first);
      const probe = new pg.Client(target.href);
      await probe.connect();
      const isolation = await probe.query<{ transaction_isolation: string }>('SHOW transaction_isolation').finally(() => probe.end());
      assert.equal(isolation.rows[0]?.transaction_isolation, 'repeatable read', 'the database default applies to plain connections');
      const subject = `rr-${randomBytes(4).toString('hex')}`;
      // Warm connections first, so the 80 calls reach the server together rather than one
      // per freshly opened connection.
      await Promise.all(stores.flatMap((s) => Array.from({ length: 10 }, () => s.count({ subject }))));
      const results = await Promise.all(
        Array.from({ length: 80 }, (_, i) => (stores[i % stores.length] as PostgresTokenStore).addSession(record(`${subject}-${i}`, subject), 5, 'reject')),
      );
      assert.equal(results.filter((r) => r.added).length, 5);
      assert.equal(await first.count({ subject, status: 'active' }), 5);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    }
  });
});
