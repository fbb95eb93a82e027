/**
 * The console API's guards over real HTTP: writes need the session's CSRF token and a
 * same-origin request; admin routes need the admin scope; the cookie is httpOnly and Strict.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORDS, startService, type ConsoleFixture } from './harness.js';

let fixture: ConsoleFixture;

before(async () => {
  fixture = await startService();
});
after(async () => {
  await fixture?.close();
});

async function signInOverHttp(username: 'alice' | 'admin'): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const pre = await fetch(`${fixture.url}/console/api/session`);
  const preCookie = pre.headers.get('set-cookie')!.split(';')[0]!;
  const { csrf } = (await pre.json()) as { csrf: string };
  const refused = await fetch(`${fixture.url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: preCookie }, body: JSON.stringify({ username, password: PASSWORDS[username] }) });
  assert.equal(refused.status, 403, 'a login without the pre-session CSRF token is refused');
  const login = await fetch(`${fixture.url}/console/api/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: preCookie, 'x-csrf-token': csrf }, body: JSON.stringify({ username, password: PASSWORDS[username] }),
  });
  assert.equal(login.status, 200);
  const setCookie = login.headers.getSetCookie().find((c) => c.startsWith('cjwt_console='))!;
  return { cookie: setCookie.split(';')[0]!, csrf: ((await login.json()) as { csrf: string }).csrf, setCookie };
}

test('console writes need the CSRF token and the same origin; admin routes need the admin scope', async () => {
  const { cookie, csrf, setCookie } = await signInOverHttp('alice');
  assert.match(setCookie, /; HttpOnly/);
  assert.match(setCookie, /; SameSite=Strict/);
  assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP on 127.0.0.1');
  const post = (headers: Record<string, string>) => fetch(`${fixture.url}/console/api/sessions/revoke-others`, { method: 'POST', headers: { cookie, ...headers } });
  assert.equal((await post({})).status, 403);
  assert.equal((await post({ 'x-csrf-token': 'wrong' })).status, 403);
  assert.equal((await post({ 'x-csrf-token': csrf, origin: 'https://evil.example' })).status, 403);
  assert.equal((await post({ 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).status, 403);
  const ok = await post({ 'x-csrf-token': csrf, origin: fixture.url });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { revoked: 0 });
  const body = (await (await post({})).json()) as { code: string };
  assert.equal(body.code, 'ERR_CSRF');

  const admin = await fetch(`${fixture.url}/console/api/admin/keys`, { headers: { cookie } });
  assert.equal(admin.status, 403);
  assert.equal(((await admin.json()) as { code: string }).code, 'ERR_NOT_ADMIN');
  assert.equal((await fetch(`${fixture.url}/console/api/sessions`)).status, 401);

  const page = await fetch(`${fixture.url}/`);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(await page.text(), /<script>|<style>| on[a-z]+=/, 'no inline script, style or handler in the page');
  assert.equal((await fetch(`${fixture.url}/console/assets/../service.js`)).status, 404);
});
