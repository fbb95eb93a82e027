/**
 * "My sessions" in a real browser: sign in, list sessions with device facts, revoke one (its
 * access token is then refused by /verify), revoke all others, revoke all.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gotoConsole, loginAs, openPage, signIn, startService, verifyStatus, waitUntil, type ConsoleFixture } from './harness.js';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';
const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36';

let fixture: ConsoleFixture;

before(async () => {
  fixture = await startService();
});
after(async () => {
  await fixture?.close();
});

test('sign in, list sessions, revoke one (refused by /verify), revoke all others', async () => {
  const phone = await loginAs(fixture.url, 'alice', IPHONE);
  const laptop = await loginAs(fixture.url, 'alice', WINDOWS);
  assert.equal((await verifyStatus(fixture.url, phone.access)).status, 200);

  const watched = await openPage();
  const { page } = watched;
  await gotoConsole(watched, fixture.url, 'sessions');
  await signIn(page, 'alice');
  assert.equal(await page.textContent('#who'), 'Signed in as alice');
  await waitUntil(() => page.locator('#session-list li').count(), (n) => n === 3);

  const phoneCard = page.locator(`li[data-session="${phone.sessionId}"]`);
  assert.match((await phoneCard.textContent()) ?? '', /iOS/);
  assert.match((await phoneCard.textContent()) ?? '', /iPhone OS 17_0/);
  assert.match((await phoneCard.textContent()) ?? '', /127\.0\.0\.1/);
  assert.match((await phoneCard.textContent()) ?? '', /device-of-alice/);
  assert.match((await page.locator('li.session:has(.badge.current)').textContent()) ?? '', /web-console/);
  assert.equal(await page.locator('#admin').isHidden(), true);
  assert.equal(await page.locator('#nav-admin').isHidden(), true, 'no Admin link without the admin scope');
  await watched.screenshot('sessions-listed');

  await page.click(`button[data-session-id="${phone.sessionId}"]`);
  await page.waitForSelector('#sessions-status:has-text("Revoke session: 1 session revoked")');
  assert.equal(await page.locator('#session-list li').count(), 2);
  assert.equal(await page.locator(`li[data-session="${phone.sessionId}"]`).count(), 0);
  assert.deepEqual(await verifyStatus(fixture.url, phone.access), { status: 401, code: 'ERR_TOKEN_REVOKED' });
  assert.equal((await verifyStatus(fixture.url, laptop.access)).status, 200, 'the other session is untouched');

  await page.click('#revoke-others');
  await page.waitForSelector('#sessions-status:has-text("Revoke all other sessions: 1 session revoked")');
  assert.equal(await page.locator('#session-list li').count(), 1);
  assert.equal(await page.locator('#session-list li .badge.current').count(), 1, 'the console session stays');
  assert.deepEqual(await verifyStatus(fixture.url, laptop.access), { status: 401, code: 'ERR_TOKEN_REVOKED' });
  await watched.screenshot('sessions-after-revoke-others');

  // No token ever reaches the page's storage: the session is the httpOnly cookie.
  assert.equal(await page.evaluate('window.localStorage.length + window.sessionStorage.length'), 0);
  assert.equal(await page.evaluate('document.cookie'), '');
  const cookie = (await watched.context.cookies()).find((c) => c.name === 'cjwt_console');
  assert.ok(cookie !== undefined);
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.secure, false, 'Secure is off only on 127.0.0.1');

  await page.click('#revoke-all');
  await page.waitForSelector('#sign-in-form:not([hidden])');
  assert.match((await page.textContent('#global-status')) ?? '', /signed out/);
  const check = await fetch(`${fixture.url}/console/api/sessions`, { headers: { cookie: `cjwt_console=${cookie.value}` } });
  assert.equal(check.status, 401, 'the revoked console session no longer opens the API');
  await watched.screenshot('sessions-signed-out');
  assert.deepEqual(watched.problems, []);
  await watched.close();
});
