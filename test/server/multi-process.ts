/**
 * Two `cjwt serve` processes on one shared store (SQLite, Redis or PostgreSQL) and one data directory,
 * as behind a load balancer: a logout or revocation on one is refused on the other at the next
 * request (with `revocation: 'feed'`, within the staleness bound), and 200 logins racing across
 * both never exceed `maxUserSessions`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/server-process.js';
import { basic, bearer, call, CLIENT, makeDataDir, spawnServe, USER, type Reply, type ServeProcess } from './harness.js';

/** How the processes check revocation; with the feed, "at the next request" becomes "within the bound". */
export type RevocationMode = 'store' | 'feed';

// The feed's default staleness bound, plus scheduling slack for a loaded test machine.
const FEED_BOUND_MS = 1000 + 500;

/**
 * Calls `request` until `done` holds for its reply (once for the store mode, until the bound for
 * the feed), and returns the last reply.
 */
async function untilWithin(mode: RevocationMode, request: () => Promise<Reply>, done: (reply: Reply) => boolean): Promise<Reply> {
  const deadline = Date.now() + (mode === 'feed' ? FEED_BOUND_MS : 0);
  let reply = await request();
  while (!done(reply) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    reply = await request();
  }
  return reply;
}

/** In place of a store URL: the SQLite database in the shared data directory (the default store). */
export const DATA_DIR_SQLITE = 'data-dir';

/**
 * Registers the suite for one store URL (undefined: the harness reported the missing server;
 * {@link DATA_DIR_SQLITE}: the data directory's SQLite).
 */
export function runMultiProcessSuite(name: string, storeUrl: string | undefined, mode: RevocationMode = 'store'): void {
  if (storeUrl === undefined) return;
  describe(`two service processes on one ${name}, revocation ${mode}`, () => {
    let a: ServeProcess;
    let b: ServeProcess;
    let dispose: () => void;
    before(async () => {
      const data = await makeDataDir();
      dispose = data.dispose;
      const env: Record<string, string> = { CJWT_MAX_USER_SESSIONS: '5', CJWT_ISSUER: 'https://auth.test', CJWT_REVOCATION: mode };
      if (storeUrl !== DATA_DIR_SQLITE) env.CJWT_STORE = storeUrl;
      a = await spawnServe(data.dir, await freePort(), env);
      b = await spawnServe(data.dir, await freePort(), env);
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      dispose?.();
    });

    it('a logout on one is refused on the other at the next request', async () => {
      const pair = (await call(a.url, 'POST', '/login', { json: USER })).body;
      assert.equal(typeof pair.access_token, 'string');
      assert.equal((await call(b.url, 'GET', '/api/profile', { headers: bearer(pair.access_token as string) })).status, 200);
      assert.equal((await call(a.url, 'POST', '/logout', { json: { refresh_token: pair.refresh_token } })).status, 200);
      const refused = await untilWithin(mode, () => call(b.url, 'GET', '/api/profile', { headers: bearer(pair.access_token as string) }), (r) => r.status === 401);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'ERR_TOKEN_REVOKED');
      const refresh = await call(b.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: pair.refresh_token as string } });
      assert.equal(refresh.status, 400);
      assert.equal((await call(b.url, 'POST', '/logout', { headers: bearer(pair.access_token as string) })).status, 401);
    });

    it('a revocation (RFC 7009) on one is refused on the other; introspection agrees', async () => {
      const pair = (await call(b.url, 'POST', '/login', { json: USER })).body;
      const rotated = (await call(a.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: pair.refresh_token as string } })).body;
      assert.equal(typeof rotated.access_token, 'string');
      // The spent token replayed on the other server: reuse detected there, session revoked everywhere.
      const replay = await call(b.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: pair.refresh_token as string } });
      assert.equal(replay.body.code, 'ERR_REFRESH_TOKEN_REUSED');
      assert.equal((await untilWithin(mode, () => call(a.url, 'GET', '/api/profile', { headers: bearer(rotated.access_token as string) }), (r) => r.status === 401)).status, 401);
      const fresh = (await call(a.url, 'POST', '/login', { json: USER })).body;
      assert.equal((await call(b.url, 'POST', '/revoke', { form: { token: fresh.access_token as string } })).status, 200);
      const introspected = await untilWithin(mode, () => call(a.url, 'POST', '/introspect', { form: { token: fresh.access_token as string }, headers: basic(CLIENT.id, CLIENT.secret) }), (r) => r.body.active === false);
      assert.deepEqual(introspected.body, { active: false });
    });

    it('200 logins racing across both never exceed maxUserSessions', async () => {
      const attempts = Array.from({ length: 200 }, (_, i) => call(i % 2 === 0 ? a.url : b.url, 'POST', '/login', { json: { username: 'bob', password: 'bob-password-1', device_id: `d${i}` } }));
      const replies = await Promise.all(attempts);
      const statuses = new Map<number, number>();
      for (const r of replies) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      assert.equal(statuses.get(200), 5, `statuses ${JSON.stringify([...statuses])}`);
      assert.equal(statuses.get(429), 195);
      const winner = replies.find((r) => r.status === 200)!.body;
      const profile = await call(b.url, 'GET', '/api/profile', { headers: bearer(winner.access_token as string) });
      assert.equal(profile.body.active_sessions, 5);
      for (const r of replies.filter((x) => x.status === 429)) assert.equal(r.body.code, 'ERR_MAX_SESSIONS_EXCEEDED');
    });
  });
}
