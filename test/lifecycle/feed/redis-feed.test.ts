/**
 * Redis's feed against a real single server: two processes (the other revokes, this one's mirror
 * refuses), revokeWhere cutoffs written by the same script, a stream trimmed past a stopped
 * reader forces a full reload, and the consumer's connection killed while another process
 * revokes 1,000 tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisRevocationSource, RevocationFeed, withRevocationMirror } from '../../../src/lifecycle/feed/index.js';
import { RedisTokenStore } from '../../../src/store/index.js';
import { testServerUrl } from '../../support/server-url.js';
import { assertTrimmedStreamReloads } from './redis-trim-reload.js';
import { measurePropagation, propagation, spawnRevoker, TimedMirror, revokeWhileProbing } from './propagation.js';

const url = testServerUrl('redis', 'the Redis revocation feed needs a server');
const PREFIX = 'feed_';
const HOUR = 3_600_000;

if (url !== undefined) {
  describe('redis revocation feed', () => {
    let store: RedisTokenStore;
    let admin: Redis;
    before(async () => {
      store = await RedisTokenStore.connect(url, { prefix: PREFIX, sweepIntervalMs: 0 });
      admin = new Redis(url);
    });
    after(async () => {
      await store?.close();
      admin?.disconnect();
    });
    const rec = (id: string, subject: string, extra = {}) => ({ id, kind: 'access', subject, issuedAt: Date.now() - 1000, expiresAt: Date.now() + HOUR, ...extra });

    it('another process revokes: this one refuses, p50/p99 measured', async () => {
      const result = await propagation(url, PREFIX, new RedisRevocationSource(url, { prefix: PREFIX, store }), Number(process.env.FEED_TEST_COUNT ?? 1000));
      console.log(`redis propagation: ${JSON.stringify(result)}`);
      assert.equal(result.missing, 0);
    });

    it('revokeWhere by subject or family writes one cutoff entry in the same script', async () => {
      const feed = await RevocationFeed.start(new RedisRevocationSource(url, { prefix: PREFIX, store }));
      try {
        await store.put(rec('pw-1', 'pw-user', { familyId: 'fam-a' }));
        await store.put(rec('pw-2', 'pw-user', { kind: 'refresh' }));
        const cutoffs = feed.mirror.cutoffs;
        assert.equal(await store.revokeWhere({ subject: 'pw-user', kind: 'refresh' }), 1);
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('pw-1'), feed.isRevoked('pw-2'), feed.mirror.cutoffs], [false, true, cutoffs]);
        assert.equal(await store.revokeWhere({ familyId: 'fam-a' }), 1);
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('pw-1'), feed.mirror.cutoffs], [true, cutoffs + 1]);
        assert.equal(await store.revokeWhere({ subject: 'pw-user' }), 0);
        await feed.waitCurrent();
        assert.equal(feed.mirror.cutoffs, cutoffs + 2);
        assert.equal(feed.isRevoked('stateless', { subject: 'pw-user', issuedAt: Date.now() - 60_000 }), true);
        await store.put(rec('born-revoked', 'x', { revokedAt: Date.now() }));
        await store.addSession(rec('sess-1', 'limited'), 1, 'evict-oldest');
        await store.addSession(rec('sess-2', 'limited'), 1, 'evict-oldest');
        await feed.waitCurrent();
        assert.deepEqual([feed.isRevoked('born-revoked'), feed.isRevoked('sess-1'), feed.isRevoked('sess-2')], [true, true, false]);
      } finally {
        await feed.close();
      }
    });

    it('a stream trimmed past the reader: the reader reloads in full from the store', async () => {
      await assertTrimmedStreamReloads(url, `trim_${Date.now()}:`, async (key) => Number(await admin.xlen(key)), () => 's');
    });

    it('consumer connection killed while another process revokes 1,000: bound kept, all refused after reconnect', async () => {
      const revoker = await spawnRevoker(url, PREFIX, 1000, `drop-${Date.now()}-`);
      const mirror = new TimedMirror({ maxStalenessMs: 300 });
      const feed = await RevocationFeed.start(new RedisRevocationSource(url, { prefix: PREFIX, store, heartbeatMs: 50 }), { mirror });
      const checked = withRevocationMirror(store, mirror);
      let killed = 0;
      const killing = (async () => {
        const until = Date.now() + 1500;
        while (Date.now() < until) {
          const list = String(await admin.client('LIST'));
          for (const line of list.split('\n')) {
            if (line.includes('name=cjwt-revocation-feed')) killed += Number(await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)?.[1] ?? '0').catch(() => 0));
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const { started, acceptedStale } = await revokeWhileProbing(revoker, mirror, killing);
      try {
        const result = await measurePropagation(mirror, started, 15_000);
        assert.equal(result.missing, 0, 'all 1,000 refused after reconnect');
        // ioredis may resend a blocked read after its reconnect without surfacing an error, so the
        // proof of the outage is the kills themselves, not the mirror's error count.
        assert.ok(killed > 0, 'the connection was killed');
        assert.equal(acceptedStale, 0);
        for (const id of revoker.ids) assert.equal(await checked.isRevoked(id), true);
        console.log(`redis drop: ${mirror.errorCount} connection failures, after-reconnect ${JSON.stringify(result)}`);
      } finally {
        revoker.kill();
        await feed.close();
      }
    });
  });
}
