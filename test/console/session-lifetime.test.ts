/**
 * A console sign-in is a service session bounded by the console cookie's 8 hours: if the browser
 * closes without signing out, the session ends on the server when the cookie would have, and a
 * refresh of its token does not extend it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONSOLE_SESSION_SECONDS } from '../../src/server/console/cookie-session.js';
import { PASSWORDS, startService, type ConsoleFixture } from './harness.js';

let fixture: ConsoleFixture;
before(async () => { fixture = await startService(); });
after(async () => { await fixture?.close(); });

test('the console session ends on the server when its cookie does', async () => {
  const pre = await fetch(`${fixture.url}/console/api/session`);
  const preCookie = pre.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf } = (await pre.json()) as { csrf: string };
  const started = Date.now();
  const login = await fetch(`${fixture.url}/console/api/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: preCookie, 'x-csrf-token': csrf }, body: JSON.stringify({ username: 'alice', password: PASSWORDS.alice }),
  });
  assert.equal(login.status, 200);
  const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('cjwt_console='))!;
  assert.match(setCookie, new RegExp(`Max-Age=${CONSOLE_SESSION_SECONDS}`));
  const cookie = setCookie.split(';')[0]!;
  const { session_id: sessionId } = (await login.json()) as { session_id: string };

  const list = (await (await fetch(`${fixture.url}/console/api/sessions`, { headers: { cookie } })).json()) as { sessions: Array<{ id: string; expires_at: string }> };
  const mine = list.sessions.find((s) => s.id === sessionId)!;
  const end = Date.parse(mine.expires_at);
  const expected = started + CONSOLE_SESSION_SECONDS * 1000;
  assert.ok(Math.abs(end - expected) < 60_000, `the console session ends at ${mine.expires_at}, not about 8 hours after sign-in`);

  // The family's absolute end is the cookie's too: the refresh token in the cookie, spent at
  // /token, gives tokens that end no later.
  const refreshToken = cookie.slice('cjwt_console='.length);
  const rotated = await fetch(`${fixture.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }) });
  assert.equal(rotated.status, 200);
  const next = (await rotated.json()) as { refresh_expires_in: number };
  assert.ok(next.refresh_expires_in <= CONSOLE_SESSION_SECONDS, `refresh_expires_in ${next.refresh_expires_in}`);

  // A login through POST /login keeps the service's lifetime (30 days by default).
  const api = await fetch(`${fixture.url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'alice', password: PASSWORDS.alice }) });
  assert.ok(((await api.json()) as { refresh_expires_in: number }).refresh_expires_in > 29 * 86400);
});
