/**
 * The managers' `revocation: 'feed'` mode on one backend: another process (a manager on its own
 * store connection; for the memory backend, another manager on the same store) revokes, and the
 * feed-mode manager here refuses within the staleness bound, from its mirror (no round trip);
 * a revoke-all and a family revocation are refused through their cutoffs, even for tokens the
 * store never recorded; a stale mirror falls back to the store or refuses, per `whenStale`; the
 * default mode stays the round trip.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { JWTManager } from '../../../src/jwt/index.js';
import { openRevocationFeed, type FeedModeOptions } from '../../../src/lifecycle/feed/index.js';
import { TokenPairIssuer } from '../../../src/lifecycle/refresh/index.js';
import { OpaqueTokenManager } from '../../../src/opaque/index.js';
import type { TokenFilter, TokenStore } from '../../../src/store/index.js';
import { forkWorkers, stopWorkers } from '../../support/workers.js';

/** One backend under test. */
export interface FeedModeBackend {
  name: string;
  /** A store instance of its own (its own connection); the memory backend returns its one store. */
  open(): Promise<TokenStore>;
  /** What the feed needs besides the store (Redis: its URL and key prefix). */
  feedOptions: FeedModeOptions;
  /** Store URL for the revoking process; absent: the revoker is a manager in this process on the same store. */
  workerUrl?: string;
  /** Table or key prefix the stores were opened with. */
  prefix: string;
}

const SECRET = new Uint8Array(32).fill(42);
// Generous on a loaded shared machine: a mirror that went stale meanwhile would fall back to the
// store and fail the "no round trip" assertions, which is not what these tests are about.
const BOUND_MS = 3000;
const WORKER = fileURLToPath(new URL('./feed-mode-worker.ts', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Revokes through another manager: a second process, or (memory) a second manager here. */
interface Revoker {
  /** Revokes `jti`; resolves to when the store call returned (epoch ms). */
  revokeId(jti: string, exp: number): Promise<number>;
  /** store.revokeWhere; resolves to the count and when it returned. */
  revokeWhere(filter: TokenFilter): Promise<{ n: number; at: number }>;
  close(): Promise<void>;
}

async function processRevoker(url: string, prefix: string): Promise<Revoker> {
  const [child] = await forkWorkers(WORKER, [url, prefix], 1) as [ChildProcess];
  const call = (message: object): Promise<{ n: number; at: number }> => new Promise((resolve, reject) => {
    child.once('message', (reply: { type: string; n: number; at: number; message?: string }) => {
      if (reply.type === 'done') resolve(reply);
      else reject(new Error(`revoker: ${reply.message ?? reply.type}`));
    });
    child.send(message);
  });
  return {
    revokeId: async (jti, exp) => (await call({ type: 'revokeId', jti, exp })).at,
    revokeWhere: (filter) => call({ type: 'revokeWhere', filter }),
    close: () => stopWorkers([child]),
  };
}

function localRevoker(store: TokenStore): Revoker {
  const manager = new JWTManager({ store, metrics: false, audit: false });
  return {
    revokeId: async (jti, exp) => { await manager.revokeTokenById(jti, exp); return Date.now(); },
    revokeWhere: async (filter) => ({ n: await store.revokeWhere(filter), at: Date.now() }),
    close: () => manager.close(),
  };
}

/**
 * Polls `isValid` until it says false; fails if it still says true on a call that began more
 * than the bound after the revocation returned (`at`). Resolves to the time it took.
 */
async function refusedWithinBound(isValid: () => Promise<boolean>, at: number, what: string): Promise<number> {
  for (;;) {
    const began = Date.now();
    if (!(await isValid())) return Math.max(0, began - at);
    assert.ok(began - at <= BOUND_MS, `${what}: still accepted ${began - at} ms after the revocation returned`);
    await sleep(5);
  }
}

/** Registers the feed-mode tests of `backend`. */
export function runFeedModeSuite(backend: FeedModeBackend): void {
  describe(`revocation: 'feed' on ${backend.name}`, () => {
    let store: TokenStore;
    let revoker: Revoker;
    const opened: TokenStore[] = [];
    const closers: Array<{ close(): Promise<void> }> = [];
    const feedMode = (extra: FeedModeOptions = {}) => ({ revocation: 'feed' as const, revocationFeed: { maxStalenessMs: BOUND_MS, ...backend.feedOptions, ...extra } });
    const jwtManager = (extra: FeedModeOptions = {}, s: TokenStore = store): JWTManager => {
      const m = JWTManager.withHMAC(SECRET, { store: s, metrics: false, audit: false, ...feedMode(extra) });
      closers.push(m);
      return m;
    };
    const valid = (m: JWTManager, token: string) => async () => (await m.verifyToken(token)).valid;
    const exp = () => Math.floor(Date.now() / 1000) + 3600;

    before(async () => {
      store = await backend.open();
      opened.push(store);
      revoker = backend.workerUrl === undefined ? localRevoker(store) : await processRevoker(backend.workerUrl, backend.prefix);
    });
    after(async () => {
      for (const c of closers.reverse()) await c.close();
      await revoker?.close();
      for (const s of new Set(opened)) await s.close();
    });

    it('default mode stays the round trip: no feed, a revocation is refused at once', async () => {
      const manager = JWTManager.withHMAC(SECRET, { store, metrics: false, audit: false });
      assert.equal(manager.revocationFeedCheck, undefined);
      const { token, jwtId } = await manager.generateToken({ subject: 'default-user' });
      assert.equal((await manager.verifyToken(token)).valid, true);
      await revoker.revokeId(jwtId, exp());
      const result = await manager.verifyToken(token);
      assert.equal(result.valid, false);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
    });

    it('another manager revokes: this one refuses within the bound, answering from its mirror', async () => {
      const manager = jwtManager();
      const feed = await manager.revocationFeedCheck!.start();
      assert.ok(feed.mirror.isCurrent());
      const { token, jwtId, claims } = await manager.generateToken({ subject: 'two-user' });
      assert.equal((await manager.verifyToken(token)).valid, true);
      const at = await revoker.revokeId(jwtId, claims.exp!);
      const took = await refusedWithinBound(valid(manager, token), at, 'revoked jti');
      const result = await manager.verifyToken(token);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
      const stats = manager.revocationFeedCheck!.stats();
      assert.equal(stats.store, 0, 'no round trip while the mirror was current');
      assert.ok(stats.mirror >= 3);
      console.log(`${backend.name}: refused ${took} ms after the revocation returned`);
    });

    it('revoke-all of a user is one cutoff: tokens the store never saw are refused, later ones accepted', async () => {
      const manager = jwtManager();
      await manager.revocationFeedCheck!.start();
      // A recorded session gives the cutoff its lifetime (the latest expiry it revoked).
      const now = Date.now();
      await store.put({ id: `cut-rec-${now}`, kind: 'access', subject: 'cut-user', issuedAt: now, expiresAt: now + 3_600_000 });
      const { token } = await manager.generateToken({ subject: 'cut-user' });
      const { token: other } = await manager.generateToken({ subject: 'someone-else' });
      const cutoffs = manager.revocationFeedCheck!.feed!.mirror.cutoffs;
      const { n, at } = await revoker.revokeWhere({ subject: 'cut-user' });
      assert.equal(n, 1);
      await refusedWithinBound(valid(manager, token), at, 'subject cutoff');
      assert.equal(manager.revocationFeedCheck!.feed!.mirror.cutoffs, cutoffs + 1);
      assert.equal((await manager.verifyToken(other)).valid, true);
      // iat has one-second precision: a token of the cutoff's second is refused (the safe side).
      await sleep(1100 - (Date.now() % 1000));
      const { token: later } = await manager.generateToken({ subject: 'cut-user' });
      assert.equal((await manager.verifyToken(later)).valid, true);
      assert.equal(manager.revocationFeedCheck!.stats().store, 0);
    });

    it('a family revocation is one cutoff: the pair issuer and a JWT carrying the sid are refused', async () => {
      const issuer = new TokenPairIssuer({ jwt: JWTManager.withHMAC(SECRET, { metrics: false, audit: false }), store, ...feedMode() });
      closers.push(issuer);
      const manager = jwtManager();
      const pair = await issuer.issueTokenPair({ subject: 'fam-user' });
      const { token: bySid } = await manager.generateToken({ subject: 'fam-user', customClaims: { sid: pair.familyId } });
      assert.equal((await issuer.verifyAccessToken(pair.accessToken)).valid, true);
      assert.equal((await manager.verifyToken(bySid)).valid, true);
      const { n, at } = await revoker.revokeWhere({ familyId: pair.familyId });
      assert.equal(n, 2, 'the access and refresh records of the login');
      await refusedWithinBound(async () => (await issuer.verifyAccessToken(pair.accessToken)).valid, at, 'family (issuer)');
      await refusedWithinBound(valid(manager, bySid), at, 'family cutoff (sid)');
      const refused = await issuer.verifyAccessToken(pair.accessToken);
      assert.equal(!refused.valid && refused.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal(issuer.revocationFeedCheck!.stats().store, 0);
      assert.equal(issuer.revocationFeedCheck!.feed, manager.revocationFeedCheck!.feed, 'one feed per store, shared');
    });

    it('a stale mirror: whenStale store asks the store, whenStale refuse rejects with ERR_STORAGE', async () => {
      const feed = await openRevocationFeed(store, backend.feedOptions);
      await feed.close(); // nothing confirms it any more: stale after the bound
      const viaStore = jwtManager({ feed, maxStalenessMs: 100 });
      const refusing = jwtManager({ feed, maxStalenessMs: 100, whenStale: 'refuse' });
      const { token, jwtId, claims } = await viaStore.generateToken({ subject: 'stale-user' });
      await sleep(150);
      assert.equal((await viaStore.verifyToken(token)).valid, true);
      assert.deepEqual(viaStore.revocationFeedCheck!.stats(), { mirror: 0, store: 1, refused: 0 });
      await assert.rejects(refusing.verifyToken(token), (err: { code?: string }) => err.code === 'ERR_STORAGE');
      await revoker.revokeId(jwtId, claims.exp!);
      const result = await viaStore.verifyToken(token);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED', 'the round trip sees the revocation');
      assert.equal(refusing.revocationFeedCheck!.stats().refused, 1);
    });

    it('opaque tokens: cached records, revocations and revoke-all from the mirror', async () => {
      const other = await backend.open();
      opened.push(other);
      const issuing = new OpaqueTokenManager({ store: other });
      const checking = new OpaqueTokenManager({ store, ...feedMode() });
      closers.push(issuing, checking);
      const one = await issuing.generateToken({ userId: 'op-user', scope: ['read'] });
      const two = await issuing.generateToken({ userId: 'op-all' });
      for (const t of [one.token, one.token, two.token, two.token]) assert.equal((await checking.validateToken(t)).valid, true);
      assert.ok(checking.revocationFeedCheck!.stats().mirror >= 2, 'repeated tokens answered from memory');
      const revoked = await issuing.revokeToken(one.token, 'logout');
      assert.equal(revoked.success, true);
      await refusedWithinBound(async () => (await checking.validateToken(one.token)).valid, Date.now(), 'opaque id');
      const result = await checking.validateToken({ token: one.token, requiredScopes: ['read'] });
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
      const all = await issuing.revokeAllUserTokens('op-all');
      assert.equal(all, 1);
      await refusedWithinBound(async () => (await checking.validateToken(two.token)).valid, Date.now(), 'opaque revoke-all');
      assert.equal(checking.revocationFeedCheck!.stats().store, 0);
    });
  });
}
