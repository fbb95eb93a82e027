/**
 * The feed source factory and the managers' mode options: dispatch on `store.backend`, typed
 * errors for stores no feed can follow (at construction, never per request), one shared feed per
 * store instance closed with its last manager.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { JWTManager } from '../../../src/jwt/index.js';
import {
  MemoryRevocationSource, PostgresRevocationSource, RedisRevocationSource, RevocationFeedUnsupported, SqliteRevocationSource,
  openRevocationFeed, revocationSourceFor,
} from '../../../src/lifecycle/feed/index.js';
import { TokenPairIssuer } from '../../../src/lifecycle/refresh/index.js';
import { OpaqueTokenManager } from '../../../src/opaque/index.js';
import { MemoryTokenStore, PostgresTokenStore, SqliteTokenStore, type TokenStore } from '../../../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cjwt-open-feed-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = new Uint8Array(32).fill(9);
const unsupported = (backend: string) => (err: unknown) =>
  err instanceof RevocationFeedUnsupported && err.code === 'ERR_REVOCATION_FEED_UNSUPPORTED' && err.backend === backend;

describe('revocationSourceFor / openRevocationFeed', () => {
  it('dispatches on store.backend and reads the connection from the store', async () => {
    const memory = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const sqlite = await SqliteTokenStore.open(join(dir, 'a.db'), { sweepIntervalMs: 0 });
    // A pool is created without connecting: enough to read its settings.
    const { default: pg } = await import('pg');
    const postgres = new PostgresTokenStore({ pool: new pg.Pool({ connectionString: 'postgres://u@127.0.0.1:1/db' }), tablePrefix: 'x_', sweepIntervalMs: 0 });
    try {
      assert.ok(revocationSourceFor(memory) instanceof MemoryRevocationSource);
      assert.ok(revocationSourceFor(sqlite) instanceof SqliteRevocationSource);
      assert.ok(revocationSourceFor(postgres) instanceof PostgresRevocationSource);
      const fakeRedis = { backend: 'redis' } as TokenStore;
      assert.ok(revocationSourceFor(fakeRedis, { url: 'redis://127.0.0.1:6379' }) instanceof RedisRevocationSource);
      const feed = await openRevocationFeed(sqlite, { maxStalenessMs: 250 });
      assert.equal(feed.source.backend, 'sqlite');
      assert.equal(feed.mirror.maxStalenessMs, 250);
      assert.equal(feed.mirror.isCurrent(), true);
      await feed.close();
    } finally {
      await postgres.close();
      await sqlite.close();
      await memory.close();
    }
  });

  it('refuses what it cannot follow with RevocationFeedUnsupported', async () => {
    const inMemory = await SqliteTokenStore.open(':memory:', { sweepIntervalMs: 0 });
    try {
      assert.throws(() => revocationSourceFor(inMemory), unsupported('sqlite'));
      assert.throws(() => revocationSourceFor({ backend: 'redis' } as TokenStore), unsupported('redis'));
      // A cluster URL builds a source (connecting happens at start): the cluster store writes the feed first.
      assert.equal(revocationSourceFor({ backend: 'redis' } as TokenStore, { url: 'redis+cluster://127.0.0.1:7000' }).backend, 'redis');
      assert.throws(() => revocationSourceFor({ backend: 'postgres' } as TokenStore), unsupported('postgres'));
      assert.throws(() => revocationSourceFor({ backend: 'custom' } as TokenStore), unsupported('custom'));
      await assert.rejects(openRevocationFeed(inMemory), unsupported('sqlite'));
      // Managers fail at construction, so no request ever meets a configuration error.
      assert.throws(() => JWTManager.withHMAC(SECRET, { store: inMemory, revocation: 'feed' }), unsupported('sqlite'));
    } finally {
      await inMemory.close();
    }
  });

  it('checks the mode options', () => {
    const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
    assert.throws(() => JWTManager.withHMAC(SECRET, { revocation: 'feed' }), (err: { code?: string }) => err.code === 'ERR_NO_REVOCATION_STORE');
    assert.throws(() => JWTManager.withHMAC(SECRET, { store, revocation: 'other' as 'feed' }), RangeError);
    assert.throws(() => JWTManager.withHMAC(SECRET, { store, revocation: 'feed', revocationFeed: { whenStale: 'never' as 'store' } }), RangeError);
    assert.throws(() => JWTManager.withHMAC(SECRET, { store, revocation: 'feed', revocationFeed: { maxStalenessMs: -1 } }), RangeError);
    assert.equal(new OpaqueTokenManager({ store }).revocationFeedCheck, undefined);
    assert.equal(JWTManager.withHMAC(SECRET, { store }).revocationFeedCheck, undefined);
  });

  it('one feed per store instance, shared by managers, closed with the last one', async () => {
    const path = join(dir, 'shared.db');
    const store = await SqliteTokenStore.open(path, { sweepIntervalMs: 0 });
    const a = JWTManager.withHMAC(SECRET, { store, revocation: 'feed' });
    const b = new OpaqueTokenManager({ store, revocation: 'feed' });
    try {
      const { token } = await a.generateToken({ subject: 'u' });
      const feedOf = (m: JWTManager) => m.revocationFeedCheck!.feed;
      assert.ok(feedOf(a) === undefined, 'lazy: nothing opened before the first check');
      assert.equal((await a.verifyToken(token)).valid, true);
      const feed = feedOf(a);
      assert.ok(feed !== undefined && feed.mirror.isCurrent());
      assert.equal(await b.revocationFeedCheck!.start(), feed);
      await a.close();
      assert.equal(feed.mirror.isCurrent(), true, 'still followed for b');
      await b.close();
      await new Promise((resolve) => setTimeout(resolve, feed.mirror.maxStalenessMs + 100));
      assert.equal(feed.mirror.isCurrent(), false, 'closed with its last manager');
      const c = JWTManager.withHMAC(SECRET, { store, revocation: 'feed' });
      const fresh = await c.revocationFeedCheck!.start();
      assert.notEqual(fresh, feed);
      await c.close();
    } finally {
      await store.close();
    }
  });

  it('the revoking manager refuses its own revocation at once (read-your-writes)', async () => {
    const store = await SqliteTokenStore.open(join(dir, 'ryw.db'), { sweepIntervalMs: 0 });
    const manager = JWTManager.withHMAC(SECRET, { store, revocation: 'feed', revocationFeed: { pollMs: 10_000, heartbeatMs: 10_000, maxStalenessMs: 60_000 } });
    try {
      await manager.revocationFeedCheck!.start();
      const { token } = await manager.generateToken({ subject: 'self' });
      await manager.revokeToken(token);
      const result = await manager.verifyToken(token);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal(manager.revocationFeedCheck!.stats().store, 0);
      // A logout through the pair issuer: the whole family, at once, in this process.
      const issuer = new TokenPairIssuer({ jwt: JWTManager.withHMAC(SECRET), store, revocation: 'feed', revocationFeed: { pollMs: 10_000, heartbeatMs: 10_000, maxStalenessMs: 60_000 } });
      const pair = await issuer.issueTokenPair({ subject: 'self' });
      assert.equal((await issuer.verifyAccessToken(pair.accessToken)).valid, true);
      // Another user naming this session revokes nothing, and must not cut it off here either.
      assert.equal((await issuer.revokeSession(pair.familyId, 'intruder')).revoked, 0);
      assert.equal((await issuer.verifyAccessToken(pair.accessToken)).valid, true);
      assert.equal((await issuer.logout(pair.refreshToken)).revoked, 2);
      const refused = await issuer.verifyAccessToken(pair.accessToken);
      assert.equal(!refused.valid && refused.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal(issuer.revocationFeedCheck!.stats().store, 0);
      await issuer.close();
    } finally {
      await manager.close();
      await store.close();
    }
  });
});
