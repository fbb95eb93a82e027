/**
 * createTokenStore: URL dispatch for the embedded backends, bad URLs, and that opening a memory
 * store loads no database driver. (Server backends are reached through it in the concurrency
 * suites of each backend.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CjwtError } from '../../src/jose/errors.js';
import { createTokenStore, sqlitePath, storeScheme } from '../../src/store/create.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-create-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('createTokenStore', () => {
  it('names the backend of every scheme', () => {
    assert.deepEqual(
      ['memory:', 'sqlite:x.db', 'redis://h:1', 'rediss://h:1', 'redis+cluster://a:1,b:2', 'postgres://h/db',
        'postgresql://h/db', 'mysql://h/db', 'mariadb://h/db', 'MEMORY:'].map(storeScheme),
      ['memory', 'sqlite', 'redis', 'redis', 'redis', 'postgres', 'postgres', 'mysql', 'mysql', 'memory'],
    );
    assert.deepEqual(['sqlite:rel/t.db', 'sqlite:/abs/t.db', 'sqlite:///abs/t.db', 'sqlite::memory:'].map(sqlitePath),
      ['rel/t.db', '/abs/t.db', '/abs/t.db', ':memory:']);
  });

  it('opens memory and sqlite stores that work', async () => {
    const now = Date.now();
    for (const url of ['memory:', 'sqlite::memory:', `sqlite:${join(dir, 'a.db')}`, `sqlite://${join(dir, 'b.db')}`]) {
      const store = await createTokenStore(url, { revocationRetentionMs: 1000 });
      assert.equal(store.backend, url.startsWith('memory') ? 'memory' : 'sqlite');
      await store.put({ id: 'x', kind: 'access', subject: 's', issuedAt: now, expiresAt: now + 60_000 });
      assert.equal((await store.get('x'))?.subject, 's');
      await store.close();
    }
  });

  it('rejects unknown schemes and empty paths with ERR_STORE_INVALID_INPUT', async () => {
    for (const url of ['http://x', 'tokens.db', '', 'sqlite:', 'mongodb://h/db']) {
      await assert.rejects(createTokenStore(url), (err: unknown) => err instanceof CjwtError && err.code === 'ERR_STORE_INVALID_INPUT');
    }
  });

  it('a memory store loads no database driver', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { createTokenStore } from './src/store/create.ts';
      const store = await createTokenStore('memory:');
      await store.close();
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /node_modules\\/(better-sqlite3|ioredis|pg|mysql2)\\//.test(p));
      console.log(JSON.stringify(loaded));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout.trim()), []);
  });
});
