/**
 * The trimmed-stream case the single-server and cluster Redis feed tests share: a reader stopped
 * while the store's stream (capped at 10 entries) is trimmed past its position must reload in
 * full from the store when it starts again.
 */
import assert from 'node:assert/strict';
import { RedisRevocationSource, RevocationFeed } from '../../../src/lifecycle/feed/index.js';
import { RedisTokenStore } from '../../../src/store/index.js';

/**
 * Runs the case on the store at `url` under a fresh `prefix`; `streamLength` reads the stream's
 * length through the test's admin connection, `subjectOf` spreads the records over subjects (on a
 * cluster: over slots).
 */
export async function assertTrimmedStreamReloads(url: string, prefix: string, streamLength: (key: string) => Promise<number>, subjectOf: (id: string) => string): Promise<void> {
  const rec = (id: string) => ({ id, kind: 'access', subject: subjectOf(id), issuedAt: Date.now() - 1000, expiresAt: Date.now() + 3_600_000 });
  const small = await RedisTokenStore.connect(url, { prefix, sweepIntervalMs: 0, revocationFeed: { maxLength: 10 } });
  const source = new RedisRevocationSource(url, { prefix, store: small });
  let feed = await RevocationFeed.start(source);
  try {
    await small.put(rec('first'));
    await small.revoke('first');
    await feed.waitCurrent();
    assert.equal(feed.isRevoked('first'), true);
    // The reader stops (its position kept), then enough is revoked that stream nodes are trimmed.
    await feed.close();
    const ids = Array.from({ length: 400 }, (_, i) => `t${i}`);
    for (const id of ids) await small.put(rec(id));
    for (const id of ids) await small.revoke(id);
    assert.ok((await streamLength(`${prefix}{feed}`)) < 400, 'the stream was trimmed');
    feed = await RevocationFeed.start(source, { mirror: feed.mirror });
    assert.equal(source.reloads, 1);
    for (const id of ['first', ...ids]) assert.equal(feed.isRevoked(id), true, id);
    assert.equal(feed.isRevoked('never-revoked'), false);
  } finally {
    await feed.close();
    await small.close();
  }
}
