/**
 * The service with `revocation: 'feed'` on embedded SQLite: access tokens are checked against the
 * in-memory mirror of the store's revocation log. A revocation answers only once this process's
 * mirror holds it (read-your-writes); another process on the same database refuses the token
 * within the staleness bound; a mirror that cannot be current is never used.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTokenService } from '../../src/server/index.js';
import { basic, bearer, call, CLIENT, login, makeDataDir, startService, type RunningService } from './harness.js';
import { DATA_DIR_SQLITE, runMultiProcessSuite } from './multi-process.js';

async function verify(url: string, token: string): Promise<{ status: number; code: unknown }> {
  const reply = await call(url, 'POST', '/verify', { json: { type: 'access', token } });
  return { status: reply.status, code: reply.body.code };
}

describe("service revocation 'feed' (one process)", () => {
  let running: RunningService;
  before(async () => { running = await startService({ revocation: 'feed' }); });
  after(async () => { await running?.stop(); });

  it('refuses a logged-out access token at the very next request, on /verify, /introspect and the API', async () => {
    const pair = (await login(running.url)).body;
    const access = pair.access_token as string;
    assert.deepEqual(await verify(running.url, access), { status: 200, code: undefined });
    assert.equal((await call(running.url, 'POST', '/logout', { json: { refresh_token: pair.refresh_token } })).status, 200);
    assert.deepEqual(await verify(running.url, access), { status: 401, code: 'ERR_TOKEN_REVOKED' });
    const introspected = await call(running.url, 'POST', '/introspect', { form: { token: access }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.deepEqual(introspected.body, { active: false });
    assert.equal((await call(running.url, 'GET', '/api/profile', { headers: bearer(access) })).status, 401);
  });

  it('revoke-all refuses every earlier token, and a login in the same second still works', async () => {
    const first = (await login(running.url)).body;
    const second = (await login(running.url)).body;
    const all = await call(running.url, 'DELETE', '/api/sessions', { headers: bearer(first.access_token as string) });
    assert.equal(all.status, 200);
    for (const token of [first.access_token, second.access_token] as string[]) assert.equal((await verify(running.url, token)).code, 'ERR_TOKEN_REVOKED');
    // iat has whole seconds: a subject cutoff would refuse this token too; the service checks by id and session.
    const again = (await login(running.url)).body;
    assert.deepEqual(await verify(running.url, again.access_token as string), { status: 200, code: undefined });
  });

  it('reuse of a rotated refresh token revokes the session at once', async () => {
    const pair = (await login(running.url)).body;
    const rotated = (await call(running.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: pair.refresh_token as string } })).body;
    assert.deepEqual(await verify(running.url, rotated.access_token as string), { status: 200, code: undefined });
    const replay = await call(running.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: pair.refresh_token as string } });
    assert.equal(replay.body.code, 'ERR_REFRESH_TOKEN_REUSED');
    assert.equal((await verify(running.url, rotated.access_token as string)).code, 'ERR_TOKEN_REVOKED');
  });

  it('refuses an unknown mode and a feed over a private in-memory database', async () => {
    const data = await makeDataDir();
    try {
      await assert.rejects(createTokenService({ dataDir: data.dir, logLevel: 'silent', revocation: 'mirror' as 'feed' }), /revocation must be store or feed/);
      await assert.rejects(createTokenService({ dataDir: data.dir, logLevel: 'silent', revocation: 'feed', store: 'sqlite::memory:' }), { code: 'ERR_REVOCATION_FEED_UNSUPPORTED' });
    } finally {
      data.dispose();
    }
  });
});

describe("service revocation 'feed' with a bound of 0 ms (the mirror is never current)", () => {
  let running: RunningService;
  before(async () => { running = await startService({ revocation: 'feed', revocationMaxStalenessMs: 0 }); });
  after(async () => { await running?.stop(); });

  it('answers every check from the store, so revocations still hold', async () => {
    const pair = (await login(running.url)).body;
    assert.equal((await verify(running.url, pair.access_token as string)).status, 200);
    assert.equal((await call(running.url, 'POST', '/revoke', { form: { token: pair.refresh_token as string } })).status, 200);
    assert.equal((await verify(running.url, pair.access_token as string)).code, 'ERR_TOKEN_REVOKED');
  });
});

// Two processes on the data directory's SQLite, following its revocation log: the shared suite
// (logout, reuse and revocation refused on the other process within the bound; racing logins).
runMultiProcessSuite('SQLite', DATA_DIR_SQLITE, 'feed');
