/**
 * MySQL's (MariaDB's) feed against the real server: another process revokes, this one's mirror
 * refuses; revokeWhere by subject writes one cutoff entry; evictions and records written revoked
 * reach the log through the triggers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MySqlRevocationSource, RevocationFeed } from '../../../src/lifecycle/feed/index.js';
import { MySqlTokenStore } from '../../../src/store/index.js';
import { testServerUrl } from '../../support/server-url.js';
import { propagation } from './propagation.js';

const url = testServerUrl('mysql', 'the MySQL revocation feed needs a server');
const PREFIX = 'feed_';
const HOUR = 3_600_000;

if (url !== undefined) {
  describe('mysql revocation feed', () => {
    let store: MySqlTokenStore;
    before(async () => { store = await MySqlTokenStore.connect(url, { tablePrefix: PREFIX, sweepIntervalMs: 0 }); });
    after(async () => { await store?.close(); });
    const rec = (id: string, subject: string, extra = {}) => ({ id, kind: 'access', subject, issuedAt: Date.now() - 1000, expiresAt: Date.now() + HOUR, ...extra });

    it('another process revokes: this one refuses', async () => {
      const result = await propagation(url, PREFIX, new MySqlRevocationSource(url, { tablePrefix: PREFIX }), 300);
      console.log(`mysql propagation: ${JSON.stringify(result)}`);
      assert.equal(result.missing, 0);
    });

    it('revokeWhere by subject writes one cutoff entry; evictions and records written revoked are logged', async () => {
      const feed = await RevocationFeed.start(new MySqlRevocationSource(url, { tablePrefix: PREFIX }));
      try {
        await store.put(rec('m1', 'mia'));
        await store.put(rec('m2', 'mia', { kind: 'refresh' }));
        const cutoffs = feed.mirror.cutoffs;
        assert.equal(await store.revokeWhere({ subject: 'mia', kind: 'refresh' }), 1);
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('m1'), feed.isRevoked('m2'), feed.mirror.cutoffs], [false, true, cutoffs]);
        assert.equal(await store.revokeWhere({ subject: 'mia' }), 1);
        await store.put(rec('mr', 'x', { revokedAt: Date.now() }));
        await store.addSession(rec('ms1', 'lim'), 1, 'evict-oldest');
        await store.addSession(rec('ms2', 'lim'), 1, 'evict-oldest');
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('m1'), feed.mirror.cutoffs, feed.isRevoked('mr'), feed.isRevoked('ms1'), feed.isRevoked('ms2')], [true, cutoffs + 1, true, true, false]);
        assert.equal(feed.isRevoked('stateless', { subject: 'mia', issuedAt: Date.now() - 5000 }), true);
      } finally {
        await feed.close();
      }
    });
  });
}
