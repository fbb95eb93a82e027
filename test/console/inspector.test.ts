/**
 * The token inspector in a real browser: a pasted token is decoded locally (no request until
 * Verify), claims are marked unverified, times shown with a live countdown, warnings listed;
 * Verify shows the service's verdict and, for a tampered token, the check that failed.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { CompactEncrypt } from 'jose';
import { gotoConsole, loginAs, openPage, startService, waitUntil, type ConsoleFixture } from './harness.js';

let fixture: ConsoleFixture;

before(async () => {
  fixture = await startService();
});
after(async () => {
  await fixture?.close();
});

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The same token with `sub` changed and the original signature kept. */
function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${b64({ ...claims, sub: 'mallory' })}.${signature}`;
}

test('the inspector decodes a pasted token locally, verifies it, and shows the failed check of a tampered one', async () => {
  const { access, refresh } = await loginAs(fixture.url, 'alice', 'inspector-test');
  const watched = await openPage();
  const { page } = watched;
  await gotoConsole(watched, fixture.url, 'inspector');

  const before = watched.requests.length;
  await page.fill('#token-input', access);
  await page.waitForSelector('#token-kind');
  assert.equal(await page.textContent('#token-kind'), 'JWS (signed JWT, access token)');
  const claims = JSON.parse((await page.textContent('#token-claims')) ?? '{}') as Record<string, unknown>;
  assert.equal(claims.sub, 'alice');
  assert.equal(await page.locator('#decoded .badge.unverified').count(), 2, 'header and claims are marked unverified');
  assert.match((await page.textContent('#token-size')) ?? '', new RegExp(`^${Buffer.byteLength(access)} bytes`));
  const first = (await page.textContent('#exp-countdown')) ?? '';
  assert.match(first, /^expires in 1[45]m \d+s$/);
  await waitUntil(() => page.textContent('#exp-countdown'), (text) => text !== first);
  assert.equal(await page.locator('#token-warnings').count(), 0, 'a service token raises no warning');
  assert.deepEqual(watched.requests.slice(before), [], 'nothing pasted is sent before Verify');

  await page.click('#verify-button');
  await page.waitForSelector('#verify-verdict');
  assert.equal(await page.textContent('#verify-verdict'), 'Valid: the service accepts this token');
  assert.equal(await page.locator('#decoded .badge.verified').count(), 2);
  assert.deepEqual(watched.requests.slice(before), ['POST /console/api/verify']);
  await watched.screenshot('inspector-valid');

  await page.fill('#token-input', tamper(access));
  await page.click('#verify-button');
  await page.waitForSelector('#failed-check');
  assert.equal(await page.textContent('#verify-verdict'), 'Refused: Signature');
  assert.equal(await page.textContent('#failed-check'), 'Failed: Signature (ERR_JWS_SIGNATURE_VERIFICATION_FAILED)');
  assert.deepEqual(await page.locator('#verify-checks li').evaluateAll((items) => items.map((li) => li.className)), ['pass', 'pass', 'fail', 'skip', 'skip', 'skip']);
  await watched.screenshot('inspector-tampered');

  // A token no service of ours would mint: HS256, no exp.
  const foreign = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'x', iat: Math.floor(Date.now() / 1000) })}`;
  await page.fill('#token-input', `${foreign}.${createHmac('sha256', 'k'.repeat(32)).update(foreign).digest('base64url')}`);
  await page.waitForSelector('#token-warnings');
  const warnings = await page.locator('#token-warnings li').allTextContents();
  assert.deepEqual(warnings, ['Warning: alg HS256 is not one this service allows (ES256).', 'Warning: No exp: the token never expires.']);

  const now = Math.floor(Date.now() / 1000);
  const longLived = `${b64({ alg: 'ES256', kid: 'k1' })}.${b64({ sub: 'x', iat: now, exp: now + 90 * 86400 })}.c2ln`;
  await page.fill('#token-input', longLived);
  await page.waitForSelector('#token-warnings');
  assert.deepEqual(await page.locator('#token-warnings li').allTextContents(), ['Warning: Very long lifetime: 90 days.']);

  const nested = await new CompactEncrypt(new TextEncoder().encode(access)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'JWT' }).encrypt(new Uint8Array(32).fill(7));
  await page.fill('#token-input', nested);
  await page.waitForSelector('#token-header');
  assert.equal(await page.textContent('#token-kind'), 'Nested JWT (signed, then encrypted: JWE around a JWS)');

  await page.fill('#token-input', refresh);
  await page.waitForSelector('#token-notes');
  assert.equal(await page.textContent('#token-kind'), 'Opaque refresh token (cjwt format)');
  assert.match((await page.textContent('#token-notes')) ?? '', /Checksum \(CRC32\) matches/);
  await page.click('#verify-button');
  await page.waitForSelector('#verify-verdict');
  assert.equal(await page.textContent('#verify-verdict'), 'Valid: the service accepts this token');
  const typo = refresh.slice(0, -1) + (refresh.endsWith('A') ? 'B' : 'A');
  await page.fill('#token-input', typo);
  await page.waitForSelector('#token-warnings');
  assert.match((await page.textContent('#token-warnings')) ?? '', /checksum does not match/);

  await page.fill('#token-input', 'not a token');
  await page.waitForSelector('#decode-error');
  assert.equal(await page.textContent('#decode-error'), 'Cannot decode: not a JWS, JWE or opaque cjwt token.');
  assert.deepEqual(watched.problems, []);
  await watched.close();
});
