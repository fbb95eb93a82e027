/**
 * OpaqueTokenManager's feed mode, in one process on the memory store: which records are cached
 * (live bearer records only), that a cached record never answers for its own revocation (the
 * mirror does), the age bound that limits how long a deleted record is served, and the stale
 * fallbacks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openRevocationFeed } from '../../../src/lifecycle/feed/index.js';
import { OpaqueTokenManager } from '../../../src/opaque/index.js';
import { RecordCache } from '../../../src/opaque/record-cache.js';
import { MemoryTokenStore, type TokenRecord } from '../../../src/store/index.js';

const HOUR = 3_600_000;
const record = (extra: Partial<TokenRecord> = {}): TokenRecord => ({ id: 'r1', kind: 'opaque', subject: 'u', issuedAt: 0, expiresAt: 10 * HOUR, hash: 'h1', ...extra });

describe('feed mode record cache', () => {
  it('keeps only live bearer records, frozen, until expiry or maxAgeMs', () => {
    const cache = new RecordCache({ max: 10, maxAgeMs: 1000 });
    cache.set('revoked', record({ revokedAt: 5 }), 100);
    cache.set('refresh', record({ kind: 'refresh' }), 100);
    cache.set('expired', record({ expiresAt: 50 }), 100);
    assert.equal(cache.size, 0);
    cache.set('live', record({ data: { role: 'admin' } }), 100);
    const hit = cache.get('live', 1099);
    assert.ok(hit !== undefined && Object.isFrozen(hit.record) && Object.isFrozen(hit.record.data));
    assert.deepEqual(hit.context, { issuedAt: 0, subject: 'u' });
    assert.equal(cache.get('live', 1100), undefined, 'past maxAgeMs');
    cache.set('short', record({ expiresAt: 500 }), 100);
    assert.equal(cache.get('short', 500), undefined, 'never past the record expiry');
    assert.throws(() => new RecordCache({ max: 0 }), RangeError);
    assert.throws(() => new RecordCache({ maxAgeMs: 0 }), RangeError);
  });

  it('a cached token is refused once revoked, with its facts and status revoked', async () => {
    const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const manager = new OpaqueTokenManager({ store, revocation: 'feed' });
    try {
      const { token, id } = await manager.generateToken({ userId: 'ann', scope: ['read'] });
      assert.equal((await manager.validateToken(token)).valid, true);
      await store.revoke(id, 'elsewhere'); // not through this manager: only the feed tells it
      const result = await manager.validateToken(token);
      assert.equal(result.valid, false);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal(!result.valid && result.tokenInfo?.status, 'revoked');
      assert.equal(manager.revocationFeedCheck!.stats().store, 0);
    } finally {
      await manager.close();
      await store.close();
    }
  });

  it('deletion is not revocation: a deleted record is served until maxAgeMs, then refused', async () => {
    const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const manager = new OpaqueTokenManager({ store, revocation: 'feed', recordCache: { maxAgeMs: 100 } });
    try {
      const { token, id } = await manager.generateToken({ userId: 'del' });
      assert.equal((await manager.validateToken(token)).valid, true);
      assert.equal(await store.delete(id), true);
      assert.equal((await manager.validateToken(token)).valid, true, 'within maxAgeMs: the documented limit');
      await new Promise((resolve) => setTimeout(resolve, 120));
      const result = await manager.validateToken(token);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_NOT_FOUND');
    } finally {
      await manager.close();
      await store.close();
    }
  });

  it('a stale mirror: the store decides (whenStale store) or the check is refused (refuse)', async () => {
    const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
    const feed = await openRevocationFeed(store);
    await feed.close();
    const viaStore = new OpaqueTokenManager({ store, revocation: 'feed', revocationFeed: { feed, maxStalenessMs: 20 } });
    const refusing = new OpaqueTokenManager({ store, revocation: 'feed', revocationFeed: { feed, maxStalenessMs: 20, whenStale: 'refuse' } });
    try {
      const { token, id } = await viaStore.generateToken({ userId: 'stale' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await viaStore.validateToken(token)).valid, true); // miss: the record from the store
      assert.equal((await refusing.validateToken(token)).valid, true); // a miss always reads the store
      assert.equal((await viaStore.validateToken(token)).valid, true); // hit, stale: the store again
      assert.equal(viaStore.revocationFeedCheck!.stats().store, 1);
      await assert.rejects(refusing.validateToken(token), (err: { code?: string }) => err.code === 'ERR_STORAGE');
      await store.revoke(id);
      const result = await viaStore.validateToken(token);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
    } finally {
      await viaStore.close();
      await refusing.close();
      await store.close();
    }
  });
});
