/**
 * The token service on a server store (MySQL/MariaDB, Redis Cluster, Redis) over real HTTP: login,
 * verify, refresh, revoke, introspect and the sessions list, and, on Redis, rate-limit counters
 * shared by two service processes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { basic, bearer, call, CLIENT, login, startService, USER, type RunningService } from './harness.js';

/**
 * Registers the suite for one store URL (undefined: the harness reported the missing server),
 * with revocation checked by a store read or by the revocation feed's mirror (the revoking
 * process's own mirror holds a revocation before the revocation answers, so the checks below
 * hold at once in both modes).
 */
export function runBackendSuite(name: string, storeUrl: string | undefined, revocation: 'store' | 'feed' = 'store'): void {
  if (storeUrl === undefined) return;
  describe(`the token service on ${name}, revocation ${revocation}`, () => {
    let svc: RunningService;
    before(async () => {
      svc = await startService({ store: storeUrl, rateLimitMax: 0, maxUserSessions: 10, revocation });
      // Earlier runs on the same server may have left alice's sessions: start from none.
      await svc.service.store.revokeWhere({ subject: USER.username }, 'test_reset');
    });
    after(async () => { await svc?.stop(); });

    it('login, verify, refresh, sessions, introspect, revoke', async () => {
      const { url } = svc;
      assert.equal((await call(url, 'GET', '/readyz')).status, 200);
      const first = await login(url, { device_id: `${name}-laptop` });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.active_sessions, 1);
      const access = first.body.access_token as string;
      const verified = await call(url, 'POST', '/verify', { json: { token: access } });
      assert.equal(verified.status, 200, verified.text);
      assert.equal((verified.body.claims as Record<string, unknown>).sub, USER.username);
      assert.equal((await call(url, 'GET', '/api/profile', { headers: bearer(access) })).body.sub, USER.username);

      const second = await call(url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string } });
      assert.equal(second.status, 200, second.text);
      assert.equal(second.body.session_id, first.body.session_id);
      const reuse = await call(url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string } });
      assert.equal(reuse.body.code, 'ERR_REFRESH_TOKEN_REUSED');
      assert.equal((await call(url, 'POST', '/verify', { json: { token: second.body.access_token } })).body.code, 'ERR_TOKEN_REVOKED');

      const a = (await login(url, { device_id: `${name}-phone` })).body;
      const b = (await login(url, { device_id: `${name}-tablet` })).body;
      const list = await call(url, 'GET', '/api/sessions', { headers: bearer(a.access_token as string) });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.active_sessions, 2);
      const sessions = list.body.sessions as Array<{ id: string; current: boolean; device: { id?: string } }>;
      assert.deepEqual(sessions.map((s) => s.device.id), [`${name}-phone`, `${name}-tablet`]);
      assert.deepEqual(sessions.map((s) => s.current), [true, false]);

      const active = await call(url, 'POST', '/introspect', { form: { token: b.access_token as string }, headers: basic(CLIENT.id, CLIENT.secret) });
      assert.equal(active.body.active, true);
      assert.equal(active.body.sub, USER.username);
      const refreshActive = await call(url, 'POST', '/introspect', { form: { token: b.refresh_token as string }, headers: basic(CLIENT.id, CLIENT.secret) });
      assert.equal(refreshActive.body.token_type, 'refresh_token');

      assert.equal((await call(url, 'POST', '/revoke', { form: { token: b.refresh_token as string } })).status, 200);
      assert.deepEqual((await call(url, 'POST', '/introspect', { form: { token: b.access_token as string }, headers: basic(CLIENT.id, CLIENT.secret) })).body, { active: false });
      assert.equal((await call(url, 'GET', '/api/profile', { headers: bearer(b.access_token as string) })).status, 401);
      const after = await call(url, 'GET', '/api/sessions', { headers: bearer(a.access_token as string) });
      assert.equal(after.body.active_sessions, 1);
      const del = await call(url, 'DELETE', `/api/sessions/${String(a.session_id)}`, { headers: bearer(a.access_token as string) });
      assert.equal(del.status, 200);
      assert.equal((await call(url, 'POST', '/verify', { json: { token: a.access_token } })).body.code, 'ERR_TOKEN_REVOKED');
    });

    if (!/^rediss?(\+cluster)?:\/\//.test(storeUrl)) return;
    it('two service processes share the rate-limit counters through the store', async () => {
      const limitedA = await startService({ store: storeUrl, rateLimitMax: 2, rateLimitWindowMs: 60_000, trustProxy: true });
      const limitedB = await startService({ store: storeUrl, rateLimitMax: 2, rateLimitWindowMs: 60_000, trustProxy: true });
      try {
        // A fresh username: other runs on the same server must not have spent its budget.
        const username = `victim-${randomBytes(6).toString('hex')}`;
        const attempt = (url: string, i: number) => call(url, 'POST', '/login', { json: { username, password: 'x' }, headers: { 'x-forwarded-for': `192.0.2.${i}` } });
        assert.equal((await attempt(limitedA.url, 1)).status, 401);
        assert.equal((await attempt(limitedB.url, 2)).status, 401);
        const third = await attempt(limitedA.url, 3);
        assert.equal(third.status, 429, 'the budget spent on both processes is one budget');
        assert.ok(Number(third.headers.get('retry-after')) > 0);
        assert.equal((await attempt(limitedB.url, 4)).status, 429);
      } finally {
        await Promise.all([limitedA.stop(), limitedB.stop()]);
      }
    });
  });
}
