/**
 * Admin in a real browser: find a user's sessions by label (with paging) and revoke them (their
 * tokens are then refused by /verify, the others stay), revoke one, list and rotate the signing
 * keys, and see live figures with the chart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gotoConsole, issueFor, openPage, signIn, startService, verifyStatus, waitUntil, type ConsoleFixture } from './harness.js';

let fixture: ConsoleFixture;

before(async () => {
  fixture = await startService();
});
after(async () => {
  await fixture?.close();
});

test('an admin finds a user\'s sessions by label and revokes them; keys and live figures', async () => {
  const red = [];
  for (let i = 0; i < 3; i++) red.push(await issueFor(fixture.url, 'bob', { team: 'red' }, ['beta']));
  const blue = await issueFor(fixture.url, 'bob', { team: 'blue' });
  const otherRed = await issueFor(fixture.url, 'carol', { team: 'red' });

  const watched = await openPage();
  const { page } = watched;
  await gotoConsole(watched, fixture.url, 'sessions');
  await signIn(page, 'admin');
  assert.equal(await page.locator('#nav-admin').isVisible(), true);
  await page.click('#nav-admin');
  await page.waitForSelector('#keys-table tbody tr');

  await page.fill('#q-user', 'bob');
  await page.fill('#q-label', 'team=red');
  await page.selectOption('#q-limit', '10');
  await page.click('#search-button');
  await page.waitForSelector('#search-status:has-text("3 sessions on page 1.")');
  const rows = await page.locator('#search-results tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-session')));
  assert.deepEqual(new Set(rows), new Set(red.map((r) => r.sessionId)));
  assert.match((await page.textContent('#search-results tbody')) ?? '', /team=red, #beta/);

  // Paging: a tag search over 12 sessions, 10 per page.
  for (let i = 0; i < 9; i++) await issueFor(fixture.url, 'erin', { team: 'green' }, ['beta']);
  await page.fill('#q-user', '');
  await page.fill('#q-label', '');
  await page.fill('#q-tag', 'beta');
  await page.click('#search-button');
  await page.waitForSelector('#search-status:has-text("10 sessions on page 1; more on the next page.")');
  assert.equal(await page.locator('#page-prev').isHidden(), true);
  await page.click('#page-next');
  await page.waitForSelector('#search-status:has-text("2 sessions on page 2.")');
  assert.equal(await page.locator('#page-next').isHidden(), true);
  await page.click('#page-prev');
  await page.waitForSelector('#search-status:has-text("10 sessions on page 1; more on the next page.")');
  await page.fill('#q-user', '');
  await page.fill('#q-tag', '');
  await page.fill('#q-label', 'team=red');
  await page.selectOption('#q-limit', '10');
  await page.click('#search-button');
  await page.waitForSelector('#search-status:has-text("4 sessions on page 1.")');
  assert.equal(await page.locator('#revoke-user').isHidden(), true, 'no per-user button without a user');
  await watched.screenshot('admin-search');

  await page.fill('#q-user', 'bob');
  await page.click('#search-button');
  await page.waitForSelector('#search-status:has-text("3 sessions on page 1.")');
  await page.click(`button[data-session-id="${red[0]!.sessionId}"]`);
  await page.waitForSelector('#search-status:has-text("Revoke session: 1 session revoked.")');
  assert.equal(await page.locator('#search-results tbody tr').count(), 2);
  assert.deepEqual(await verifyStatus(fixture.url, red[0]!.access), { status: 401, code: 'ERR_TOKEN_REVOKED' });

  await page.click('#revoke-matching');
  await page.waitForSelector('#search-status:has-text("Revoke all matching: 2 sessions revoked.")');
  for (const session of red) assert.deepEqual(await verifyStatus(fixture.url, session.access), { status: 401, code: 'ERR_TOKEN_REVOKED' });
  assert.equal((await verifyStatus(fixture.url, blue.access)).status, 200, 'bob\'s other label is untouched');
  assert.equal((await verifyStatus(fixture.url, otherRed.access)).status, 200, 'another user with the label is untouched');

  await page.selectOption('#q-status', 'revoked');
  await page.click('#search-button');
  await page.waitForSelector('#search-status:has-text("3 sessions on page 1.")');
  assert.match((await page.textContent('#search-results tbody')) ?? '', /revoked \(session_revoked\)/);

  await page.fill('#q-label', '');
  await page.selectOption('#q-status', 'active');
  await page.click('#search-button');
  await page.waitForSelector('#search-status:has-text("1 session on page 1.")');
  await page.click('#revoke-user');
  await page.waitForSelector('#search-status:has-text("Revoke all sessions of bob: 1 session revoked.")');
  assert.deepEqual(await verifyStatus(fixture.url, blue.access), { status: 401, code: 'ERR_TOKEN_REVOKED' });

  // Keys: one active; rotate with the default grace: the old one verifies on as "grace".
  assert.deepEqual(await page.locator('#keys-table tbody tr td:nth-child(3)').allTextContents(), ['active']);
  const oldKid = await page.textContent('#keys-table tbody tr td:first-child');
  await page.click('#rotate-button');
  await page.waitForSelector('#keys-status:has-text("Rotated")');
  assert.deepEqual(await page.locator('#keys-table tbody tr td:nth-child(3)').allTextContents(), ['active', 'grace']);
  assert.equal(await page.textContent('#keys-table tbody tr:nth-child(2) td:first-child'), oldKid);
  assert.equal((await verifyStatus(fixture.url, otherRed.access)).status, 200, 'a token of the old key verifies during the grace');

  // Live figures: the verifications above are counted; the chart gets a line per series.
  const refused = Number(await waitUntil(() => page.textContent('#fig-refused'), (t) => Number(t) >= 5, 8000));
  assert.ok(refused >= 5, `refused ${refused}`);
  assert.ok(Number(await page.textContent('#fig-verified')) >= 3);
  assert.ok(Number(await page.textContent('#fig-issued')) >= 6);
  assert.match((await page.textContent('#fig-p50')) ?? '', /^\d+(\.\d+)?$/);
  await waitUntil(() => page.locator('#metrics-chart svg polyline').count(), (n) => n === 2, 8000);
  await watched.screenshot('admin-keys-metrics');
  assert.deepEqual(watched.problems, []);
  await watched.close();
});
