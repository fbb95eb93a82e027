/**
 * What is specific to MySqlTokenStore beyond the shared conformance suite: migrations (idempotent,
 * racing), the URL and pool entry points, exact storage of bytes in the table, ordering of ids
 * longer than the server's default sort prefix, and the background sweep.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise';
import { CjwtError, StorageError } from '../../src/jose/errors.js';
import { MySqlTokenStore } from '../../src/store/mysql/mysql.js';
import type { TokenRecord } from '../../src/store/types.js';
import { freePort } from '../support/server-process.js';

const url = process.env.CJWT_TEST_MYSQL_URL;
const HOUR = 60 * 60 * 1000;
const prefix = (): string => `b${randomBytes(4).toString('hex')}_`;
const record = (id: string, fields: Partial<TokenRecord> = {}): TokenRecord => {
  const now = Date.now();
  return { id, kind: 'access', subject: 'backend-user', issuedAt: now, expiresAt: now + HOUR, ...fields };
};

describe('MySqlTokenStore (backend specifics)', () => {
  let pool: Pool;

  before(() => {
    assert.ok(url, 'CJWT_TEST_MYSQL_URL is not set: run `CJWT_TEST_SERVERS=mysql node --import tsx scripts/run-tests.ts mysql`');
    pool = mysql.createPool({ uri: url, connectionLimit: 8 });
  });
  after(async () => {
    await pool?.end();
  });

  it('racing migrations apply each version exactly once; migrating again applies nothing', async () => {
    const tablePrefix = prefix();
    const pools = Array.from({ length: 4 }, () => mysql.createPool({ uri: url as string, connectionLimit: 2 }));
    try {
      const stores = pools.map((p) => new MySqlTokenStore({ pool: p, tablePrefix, sweepIntervalMs: 0 }));
      const applied = await Promise.all(stores.map((s) => s.migrate()));
      assert.deepEqual(applied.flat().sort(), [1], `applied: ${JSON.stringify(applied)}`);
      assert.deepEqual(await stores[0]?.migrate(), []);
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT version FROM \`${tablePrefix}schema_migrations\``);
      assert.deepEqual(rows.map((r) => Number(r.version)), [1]);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('connect() on an existing schema keeps the data; mariadb:// is accepted', async () => {
    const tablePrefix = prefix();
    const first = await MySqlTokenStore.connect(url as string, { tablePrefix, sweepIntervalMs: 0 });
    await first.put(record('kept'));
    await first.close();
    const second = await MySqlTokenStore.connect((url as string).replace(/^mysql:/, 'mariadb:'), { tablePrefix, sweepIntervalMs: 0 });
    try {
      assert.equal((await second.get('kept'))?.id, 'kept');
      assert.deepEqual(await second.migrate(), []);
    } finally {
      await second.close();
    }
  });

  it('new MySqlTokenStore({ pool }) creates its tables on first use and leaves the pool open on close', async () => {
    const tablePrefix = prefix();
    const store = new MySqlTokenStore({ pool, tablePrefix, sweepIntervalMs: 0 });
    await store.put(record('lazy'));
    assert.equal(await store.count({ subject: 'backend-user' }), 1);
    await store.close();
    await assert.rejects(store.get('lazy'), StorageError);
    const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${tablePrefix}tokens\``);
    assert.equal(Number(rows[0]?.n), 1, 'the caller-owned pool still works');
  });

  it('bad URLs and table prefixes are ERR_STORE_INVALID_INPUT; an unreachable server is a StorageError in time', async () => {
    const invalid = (err: unknown): boolean => err instanceof CjwtError && err.code === 'ERR_STORE_INVALID_INPUT';
    await assert.rejects(MySqlTokenStore.connect('not a url'), invalid);
    await assert.rejects(MySqlTokenStore.connect('postgres://u:p@127.0.0.1/db'), invalid);
    assert.throws(() => new MySqlTokenStore({ pool, tablePrefix: 'x`; DROP TABLE t; --' }), invalid);
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(
      MySqlTokenStore.connect(`mysql://nobody:secret-pw@127.0.0.1:${port}/nothing`, { operationTimeoutMs: 1000 }),
      (err: unknown) => {
        assert.ok(err instanceof StorageError);
        assert.ok(!err.message.includes('secret-pw'), 'the password never appears in the message');
        return true;
      });
    assert.ok(Date.now() - started < 3000);
  });

  it('strings are stored as their exact UTF-8 bytes', async () => {
    const tablePrefix = prefix();
    const store = await MySqlTokenStore.connect(url as string, { tablePrefix, sweepIntervalMs: 0 });
    try {
      const subject = "O'Brien\u0000\r\n😀 é";
      await store.put(record('bytes', { subject, hash: 'Hash-Case' }));
      const [rows] = await pool.query<RowDataPacket[]>(
        `SELECT HEX(subject) AS s, HEX(hash) AS h, HEX(subject_digest) AS d FROM \`${tablePrefix}tokens\``);
      assert.equal(rows[0]?.s, Buffer.from(subject, 'utf8').toString('hex').toUpperCase());
      assert.equal(rows[0]?.h, Buffer.from('Hash-Case', 'utf8').toString('hex').toUpperCase());
      assert.equal(await store.getByHash('hash-case'), undefined, 'matching is case-sensitive');
      assert.equal((await store.getByHash('Hash-Case'))?.subject, subject);
    } finally {
      await store.close();
    }
  });

  it('ids sharing a long prefix, and U+FFFD vs emoji, list in code point order', async () => {
    const store = await MySqlTokenStore.connect(url as string, { tablePrefix: prefix(), sweepIntervalMs: 0 });
    try {
      const issuedAt = Date.now();
      // Past MariaDB's default sort prefix (max_sort_length = 1024 bytes) only the suffix differs;
      // 26 of them make an accidental right order practically impossible.
      const long = 'p'.repeat(3000);
      const suffixes = 'qwertyuiopasdfghjklzxcvbnm'.split('');
      const ids = [...suffixes.map((c) => `${long}${c}`), '\ufffd', '😀', 'z'];
      for (const id of ids) await store.put(record(id, { subject: 'order-user', issuedAt }));
      const expected = [...[...suffixes].sort().map((c) => `${long}${c}`), 'z', '\ufffd', '😀'];
      const all = await store.list({ subject: 'order-user' });
      assert.deepEqual(all.records.map((r) => r.id), expected);
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list({ subject: 'order-user' }, { limit: 4, cursor });
        paged.push(...page.records.map((r) => r.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      assert.deepEqual(paged, expected);
    } finally {
      await store.close();
    }
  });

  it('the background sweep deletes records past retention by itself', async () => {
    const store = await MySqlTokenStore.connect(url as string, {
      tablePrefix: prefix(), sweepIntervalMs: 100, revocationRetentionMs: 0,
    });
    try {
      const now = Date.now();
      await store.put(record('stale', { issuedAt: now - 2 * HOUR, expiresAt: now - HOUR }));
      await store.put(record('fresh'));
      const deadline = Date.now() + 5000;
      while ((await store.get('stale')) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(await store.get('stale'), undefined);
      assert.equal((await store.get('fresh'))?.id, 'fresh');
    } finally {
      await store.close();
    }
  });
});
