/**
 * Keyboard only, at 375 px: reach the sections through the nav links, sign in, revoke a
 * session, paste and verify a token, all with Tab / Enter / typing; nothing overflows sideways.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { gotoConsole, loginAs, openPage, PASSWORDS, startService, verifyStatus, waitUntil, type ConsoleFixture } from './harness.js';

let fixture: ConsoleFixture;

before(async () => {
  fixture = await startService();
});
after(async () => {
  await fixture?.close();
});

/** The id of the focused element, or its text when it has none. */
const focused = (page: Page): Promise<string> => page.evaluate('document.activeElement.id || document.activeElement.getAttribute("data-session-id") || document.activeElement.textContent');

/** Presses Tab until the focus is on `id` (at most `max` times). */
async function tabTo(page: Page, id: string, max = 30): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${id}; focus is on ${await focused(page)}`);
}

test('keyboard only at 375 px: sign in, revoke a session, inspect and verify a token', async () => {
  const other = await loginAs(fixture.url, 'alice', 'Mozilla/5.0 (Linux; Android 14) Mobile');
  const watched = await openPage(375);
  const { page } = watched;
  await gotoConsole(watched, fixture.url, 'inspector');

  await tabTo(page, 'nav-sessions');
  await page.keyboard.press('Enter');
  await waitUntil(() => focused(page), (id) => id === 'username');
  await page.keyboard.type('alice');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'password');
  await page.keyboard.type(PASSWORDS.alice);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#session-list li');
  assert.equal(await focused(page), 'sessions-title', 'focus moves to the section heading');

  await tabTo(page, other.sessionId);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#sessions-status:has-text("1 session revoked")');
  assert.deepEqual(await verifyStatus(fixture.url, other.access), { status: 401, code: 'ERR_TOKEN_REVOKED' });
  assert.ok((await page.evaluate('document.documentElement.scrollWidth')) as number <= 375, 'no sideways scrolling at 375 px');
  await watched.screenshot('keyboard-375-sessions');

  const { access } = await loginAs(fixture.url, 'alice', 'keyboard');
  await page.keyboard.press('Shift+Tab');
  await tabTo(page, 'nav-inspector');
  await page.keyboard.press('Enter');
  await waitUntil(() => focused(page), (id) => id === 'inspector-title');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'token-input');
  await page.keyboard.insertText(access);
  await page.waitForSelector('#token-kind');
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'verify-button');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#verify-verdict');
  assert.equal(await page.textContent('#verify-verdict'), 'Valid: the service accepts this token');
  assert.ok((await page.evaluate('document.documentElement.scrollWidth')) as number <= 375);
  await watched.screenshot('keyboard-375-inspector');

  // Every control is labelled: inputs by <label for>, buttons by text or aria-label.
  const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea')].filter((el) => !document.querySelector('label[for="' + el.id + '"]')).map((el) => el.id)`);
  assert.deepEqual(unlabelled, []);
  assert.deepEqual(watched.problems, []);
  await watched.close();
});
