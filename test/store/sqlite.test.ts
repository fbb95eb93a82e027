/**
 * The conformance suite on SqliteTokenStore (a temporary file, reopened by every `open`), plus
 * its schema migrations.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { StorageError, StoreInputInvalid } from '../../src/jose/errors.js';
import { SqliteTokenStore } from '../../src/store/sqlite/sqlite.js';
import { SQLITE_SCHEMA_VERSION } from '../../src/store/sqlite/sqlite-schema.js';
import { runConformanceSuite } from './conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'conformance.db');

runConformanceSuite('sqlite', (options) => SqliteTokenStore.open(file, options), { exclusive: true, persistent: true });

const Driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

describe('SqliteTokenStore specifics', () => {
  it('creates the schema once and records its version in schema_migrations', async () => {
    const path = join(dir, 'migrate.db');
    await (await SqliteTokenStore.open(path)).close();
    await (await SqliteTokenStore.open(path)).close();
    const db = new Driver(path, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      assert.deepEqual(versions, [SQLITE_SCHEMA_VERSION]);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cjwt_tokens' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      assert.deepEqual(indexes, ['cjwt_tokens_expires', 'cjwt_tokens_family', 'cjwt_tokens_order', 'cjwt_tokens_subject']);
    } finally {
      db.close();
    }
  });

  it('four processes opening one new file at once migrate it exactly once', async () => {
    const path = join(dir, 'opened-at-once.db');
    const script = `
      import { SqliteTokenStore } from './src/store/sqlite/sqlite.ts';
      const store = await SqliteTokenStore.open(process.argv[1]);
      const now = Date.now();
      await store.put({ id: 'p' + process.pid, kind: 'access', subject: 's', issuedAt: now, expiresAt: now + 60000 });
      await store.close();`;
    const codes = await Promise.all(Array.from({ length: 4 }, () => new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, path], { stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('exit', (code) => resolve(code));
    })));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const db = new Driver(path, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT version FROM schema_migrations').pluck().all(), [SQLITE_SCHEMA_VERSION]);
      assert.equal(db.prepare('SELECT COUNT(*) FROM cjwt_tokens').pluck().get(), 4);
    } finally {
      db.close();
    }
  });

  it('refuses a file written by a newer schema', async () => {
    const path = join(dir, 'newer.db');
    await (await SqliteTokenStore.open(path)).close();
    const db = new Driver(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(SQLITE_SCHEMA_VERSION + 1, 'future', 0);
    db.close();
    await assert.rejects(SqliteTokenStore.open(path), (err: unknown) => err instanceof StorageError && err.op === 'open' && /newer/.test(err.detail));
  });

  it('an unopenable path rejects with StorageError', async () => {
    await assert.rejects(SqliteTokenStore.open(join(dir, 'missing-dir', 'x.db')), StorageError);
  });

  it('works on a private in-memory database', async () => {
    const store = await SqliteTokenStore.open(':memory:');
    await store.put({ id: 'm', kind: 'access', subject: 's', issuedAt: 1, expiresAt: Date.now() + 1000 });
    assert.equal((await store.get('m'))?.subject, 's');
    await store.close();
  });

  it('an id or hash with no string form is StoreInputInvalid, not a TypeError', async () => {
    const store = await SqliteTokenStore.open(':memory:', { sweepIntervalMs: 0 });
    const bad = Object.create(null) as string;
    await assert.rejects(store.put({ id: bad, kind: 'access', subject: 's', issuedAt: 1, expiresAt: 2 }), StoreInputInvalid);
    await assert.rejects(store.get(bad), StoreInputInvalid);
    await assert.rejects(store.getByHash(bad), StoreInputInvalid);
    await assert.rejects(store.consume(bad), StoreInputInvalid);
    await store.close();
  });
});
