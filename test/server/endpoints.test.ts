/**
 * Every endpoint of the token service over real HTTP (a listening server on SQLite), success and
 * failure, with RFC 6750 challenges, RFC 7662/7009 semantics and seed 001's 429.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basic, bearer, call, CLIENT, INTROSPECT_ONLY, login, startService, USER, type RunningService } from './harness.js';

let svc: RunningService;
let url: string;
before(async () => {
  svc = await startService({ maxUserSessions: 3 });
  url = svc.url;
});
after(async () => { await svc.stop(); });

describe('health, metadata, jwks, metrics', () => {
  it('GET /healthz and /readyz answer', async () => {
    assert.deepEqual((await call(url, 'GET', '/healthz')).body, { status: 'ok' });
    const ready = await call(url, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.body.store, 'sqlite');
  });

  it('GET /.well-known/jwks.json lists the public signing key, cacheable', async () => {
    const res = await call(url, 'GET', '/.well-known/jwks.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
    const keys = res.body.keys as Array<Record<string, unknown>>;
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.alg, 'ES256');
    assert.equal(keys[0]!.d, undefined, 'no private member');
  });

  it('GET /.well-known/oauth-authorization-server names the endpoints (RFC 8414)', async () => {
    const res = await call(url, 'GET', '/.well-known/oauth-authorization-server');
    assert.equal(res.body.issuer, url);
    assert.equal(res.body.token_endpoint, `${url}/token`);
    assert.equal(res.body.introspection_endpoint, `${url}/introspect`);
    assert.equal(res.body.revocation_endpoint, `${url}/revoke`);
    assert.equal(res.body.jwks_uri, `${url}/.well-known/jwks.json`);
    assert.deepEqual(res.body.grant_types_supported, ['refresh_token']);
  });

  it('every response carries the security headers; CORS is off', async () => {
    const res = await fetch(`${url}/healthz`, { headers: { origin: 'https://evil.example' } });
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  it('unknown paths are 404 JSON', async () => {
    const res = await call(url, 'GET', '/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'ERR_NOT_FOUND');
  });
});

describe('login, api, refresh, logout', () => {
  it('POST /login gives a pair and the session count; wrong password is 401', async () => {
    const ok = await login(url, { device_id: 'phone' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.token_type, 'Bearer');
    assert.ok([899, 900].includes(ok.body.expires_in as number));
    assert.equal(ok.body.scope, 'profile sessions');
    assert.equal(ok.body.active_sessions, 1);
    assert.match(ok.body.refresh_token as string, /^rt_/);
    const bad = await call(url, 'POST', '/login', { json: { username: USER.username, password: 'wrong-password' } });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.code, 'ERR_INVALID_CREDENTIALS');
    const unknown = await call(url, 'POST', '/login', { json: { username: 'mallory', password: 'x' } });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.code, 'ERR_INVALID_CREDENTIALS');
    const scope = await call(url, 'POST', '/login', { json: { username: 'bob', password: 'bob-password-1', scope: 'sessions' } });
    assert.equal(scope.status, 400);
    assert.equal(scope.body.error, 'invalid_scope');
    await call(url, 'DELETE', '/api/sessions', { headers: bearer(ok.body.access_token as string) });
  });

  it('past maxUserSessions the login is 429 with the live count (seed 001)', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await login(url);
      assert.equal(r.status, 200);
      assert.equal(r.body.active_sessions, i + 1);
      tokens.push(r.body.access_token as string);
    }
    const refused = await login(url);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'ERR_MAX_SESSIONS_EXCEEDED');
    assert.equal(refused.body.active_sessions, 3);
    const all = await call(url, 'DELETE', '/api/sessions', { headers: bearer(tokens[0]!) });
    assert.equal(all.status, 200);
    assert.ok((all.body.revoked as number) >= 6);
    for (const t of tokens) assert.equal((await call(url, 'GET', '/api/profile', { headers: bearer(t) })).status, 401);
  });

  it('GET /api/profile: 200 with a token, 401 without (no error code), 401 invalid_token, 403 insufficient_scope', async () => {
    const pair = (await login(url)).body;
    const ok = await call(url, 'GET', '/api/profile', { headers: bearer(pair.access_token as string) });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.sub, USER.username);
    assert.equal(ok.body.session_id, pair.session_id);
    const none = await call(url, 'GET', '/api/profile');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="cjwt"');
    const bad = await call(url, 'GET', '/api/profile', { headers: bearer('abc.def.ghi') });
    assert.equal(bad.status, 401);
    assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const malformed = await call(url, 'GET', '/api/profile', { headers: { authorization: 'Token xyz' } });
    assert.equal(malformed.status, 400);
    assert.match(malformed.headers.get('www-authenticate') ?? '', /error="invalid_request"/);
    const bob = (await call(url, 'POST', '/login', { json: { username: 'bob', password: 'bob-password-1' } })).body;
    const forbidden = await call(url, 'GET', '/api/sessions', { headers: bearer(bob.access_token as string) });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.headers.get('www-authenticate'), 'Bearer realm="cjwt", error="insufficient_scope", error_description="the token lacks a required scope", scope="sessions"');
    await call(url, 'POST', '/logout', { headers: bearer(pair.access_token as string) });
    await call(url, 'POST', '/logout', { headers: bearer(bob.access_token as string) });
  });

  it('GET /api/sessions lists device facts; DELETE /api/sessions/:id ends one session', async () => {
    const a = (await login(url, { device_id: 'laptop' })).body;
    const b = (await login(url, { device_id: 'phone' })).body;
    const list = await call(url, 'GET', '/api/sessions', { headers: bearer(a.access_token as string) });
    assert.equal(list.status, 200);
    assert.equal(list.body.active_sessions, 2);
    const sessions = list.body.sessions as Array<Record<string, unknown>>;
    assert.deepEqual(sessions.map((s) => (s.device as Record<string, unknown>).id), ['laptop', 'phone']);
    assert.deepEqual(sessions.map((s) => s.current), [true, false]);
    assert.equal((sessions[0]!.device as Record<string, unknown>).ip, '127.0.0.1');
    const del = await call(url, 'DELETE', `/api/sessions/${String(b.session_id)}`, { headers: bearer(a.access_token as string) });
    assert.equal(del.status, 200);
    assert.equal((await call(url, 'GET', '/api/profile', { headers: bearer(b.access_token as string) })).status, 401);
    const again = await call(url, 'DELETE', `/api/sessions/${String(b.session_id)}`, { headers: bearer(a.access_token as string) });
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'ERR_SESSION_NOT_FOUND');
    const refused = await call(url, 'POST', '/token', { json: { grant_type: 'refresh_token', refresh_token: b.refresh_token } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, 'ERR_TOKEN_REVOKED');
    await call(url, 'POST', '/logout', { json: { refresh_token: a.refresh_token } });
  });

  it('POST /token rotates (form and JSON); a reused refresh token revokes the session', async () => {
    const first = (await login(url)).body;
    const second = await call(url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token as string } });
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    assert.equal(second.body.session_id, first.session_id);
    const third = await call(url, 'POST', '/token', { json: { grant_type: 'refresh_token', refresh_token: second.body.refresh_token } });
    assert.equal(third.status, 200);
    const reuse = await call(url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: first.refresh_token as string } });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(reuse.body.code, 'ERR_REFRESH_TOKEN_REUSED');
    assert.equal((await call(url, 'GET', '/api/profile', { headers: bearer(third.body.access_token as string) })).status, 401);
    const unknownGrant = await call(url, 'POST', '/token', { form: { grant_type: 'password', username: 'a', password: 'b' } });
    assert.equal(unknownGrant.status, 400);
    assert.equal(unknownGrant.body.error, 'unsupported_grant_type');
    const missing = await call(url, 'POST', '/token', { form: { grant_type: 'refresh_token' } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.field, 'refresh_token');
    const garbage = await call(url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: 'rt_nonsense' } });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.body.code, 'ERR_TOKEN_MALFORMED');
  });

  it('POST /logout with a refresh token or a bearer access token; a second logout is 401', async () => {
    const pair = (await login(url)).body;
    const out = await call(url, 'POST', '/logout', { json: { refresh_token: pair.refresh_token } });
    assert.equal(out.status, 200);
    assert.equal(out.body.logged_out, true);
    assert.equal((await call(url, 'GET', '/api/profile', { headers: bearer(pair.access_token as string) })).status, 401);
    const again = await call(url, 'POST', '/logout', { headers: bearer(pair.access_token as string) });
    assert.equal(again.status, 401);
    const pair2 = (await login(url)).body;
    assert.equal((await call(url, 'POST', '/logout', { headers: bearer(pair2.access_token as string) })).status, 200);
    const nothing = await call(url, 'POST', '/logout', { json: {} });
    assert.equal(nothing.status, 400);
  });
});

describe('issue, verify, introspect, revoke', () => {
  const issueBody = { uid: 'u123', sub: 'u123', aud: 'api', device_id: 'dev1', client_id: 'web', scope: ['read'], access_ttl_minutes: 10, refresh_ttl_days: 14 };

  it('POST /issue needs a client with the issue permission', async () => {
    assert.equal((await call(url, 'POST', '/issue', { json: issueBody })).status, 401);
    const wrong = await call(url, 'POST', '/issue', { json: issueBody, headers: basic(CLIENT.id, 'not-the-secret') });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="cjwt"');
    const noPermission = await call(url, 'POST', '/issue', { json: issueBody, headers: basic(INTROSPECT_ONLY.id, INTROSPECT_ONLY.secret) });
    assert.equal(noPermission.status, 403);
    assert.equal(noPermission.body.code, 'ERR_CLIENT_NOT_ALLOWED');
    const badIss = await call(url, 'POST', '/issue', { json: { ...issueBody, iss: 'https://other' }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.equal(badIss.status, 400);
    assert.equal(badIss.body.field, 'iss');
  });

  it('POST /issue then /verify (seed 002 bodies); revoked tokens verify no more', async () => {
    const issued = await call(url, 'POST', '/issue', { json: { ...issueBody, iss: url }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.equal(issued.status, 200);
    const access = issued.body.access_jwe as string;
    const refresh = issued.body.refresh_jwe as string;
    const ok = await call(url, 'POST', '/verify', { json: { type: 'access', token: access, iss: url, aud: 'api' } });
    assert.equal(ok.status, 200);
    const claims = ok.body.claims as Record<string, unknown>;
    assert.equal(claims.sub, 'u123');
    assert.equal(claims.uid, 'u123');
    assert.equal(claims.client_id, 'web');
    assert.equal(claims.scope, 'read');
    const r = await call(url, 'POST', '/verify', { json: { type: 'refresh', token: refresh } });
    assert.equal(r.status, 200);
    assert.equal((r.body.claims as Record<string, unknown>).sub, 'u123');
    assert.equal((await call(url, 'POST', '/revoke', { form: { token: refresh } })).status, 200);
    const after = await call(url, 'POST', '/verify', { json: { type: 'access', token: access } });
    assert.equal(after.status, 401);
    assert.equal(after.body.valid, false);
    assert.equal(after.body.code, 'ERR_TOKEN_REVOKED');
    const tampered = await call(url, 'POST', '/verify', { json: { token: `${access.slice(0, -4)}AAAA` } });
    assert.equal(tampered.status, 401);
    assert.equal(tampered.body.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });

  it('POST /introspect: client auth required; active details or only {active:false}', async () => {
    const pair = (await login(url)).body;
    const noAuth = await call(url, 'POST', '/introspect', { form: { token: pair.access_token as string } });
    assert.equal(noAuth.status, 401);
    const active = await call(url, 'POST', '/introspect', { form: { token: pair.access_token as string }, headers: basic(INTROSPECT_ONLY.id, INTROSPECT_ONLY.secret) });
    assert.equal(active.status, 200);
    assert.equal(active.body.active, true);
    assert.equal(active.body.sub, USER.username);
    assert.equal(active.body.token_type, 'access_token');
    const post = await call(url, 'POST', '/introspect', { form: { token: pair.refresh_token as string, client_id: CLIENT.id, client_secret: CLIENT.secret } });
    assert.equal(post.body.active, true);
    assert.equal(post.body.token_type, 'refresh_token');
    const unknown = await call(url, 'POST', '/introspect', { form: { token: 'rt_unknown' }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.deepEqual(unknown.body, { active: false });
    await call(url, 'POST', '/revoke', { form: { token: pair.access_token as string } });
    const revoked = await call(url, 'POST', '/introspect', { form: { token: pair.refresh_token as string }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.deepEqual(revoked.body, { active: false });
  });

  it('POST /revoke: 200 for unknown tokens; a refresh token revokes its access tokens', async () => {
    assert.equal((await call(url, 'POST', '/revoke', { form: { token: 'whatever' } })).status, 200);
    const pair = (await login(url)).body;
    const res = await call(url, 'POST', '/revoke', { form: { token: pair.refresh_token as string, token_type_hint: 'refresh_token' } });
    assert.equal(res.status, 200);
    assert.equal((await call(url, 'GET', '/api/profile', { headers: bearer(pair.access_token as string) })).status, 401);
    const missing = await call(url, 'POST', '/revoke', { form: {} });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.field, 'token');
  });

  it('GET /metrics counts operations by outcome and live sessions', async () => {
    await login(url);
    const res = await call(url, 'GET', '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(res.text, /cjwt_operations_total\{operation="login",outcome="ok"\} \d+/);
    assert.match(res.text, /cjwt_operations_total\{operation="refresh",outcome="ERR_REFRESH_TOKEN_REUSED"\} 1/);
    assert.match(res.text, /cjwt_operation_duration_seconds_bucket\{le="0.005",operation="login"\}/);
    const live = /cjwt_live_sessions (\d+)/.exec(res.text);
    assert.ok(live !== null);
    // The login above is live: the gauge counts it (it once counted a kind nothing stores).
    assert.ok(Number(live[1]) > 0, `live sessions ${live[1]}`);
    assert.match(res.text, /cjwt_store_errors_total/);
  });
});
