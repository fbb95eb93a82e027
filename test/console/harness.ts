/**
 * What the console's browser tests share: a real token service on 127.0.0.1:0 with a temporary
 * data directory and a users file (an admin, two users, a minting client), Debian's chromium
 * driven by playwright-core, a page that records console errors, page errors and CSP
 * violations, and screenshots under test/.output/console/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTokenService, hashPassword, type TokenService } from '../../src/server/index.js';

/** Screenshots of the console tests. */
export const OUTPUT_DIR = join(import.meta.dirname, '..', '.output', 'console');
const FAST = { N: 1024, r: 8, p: 1 };

/** Passwords and client secret of the test users file. */
export const PASSWORDS = { admin: 'admin-pass-1234', alice: 'alice-pass-1234', bob: 'bob-pass-1234', client: 'client-secret-1234' };

/** A running service plus what the tests need to call it. */
export interface ConsoleFixture {
  service: TokenService;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts a token service with a users file of admin, alice, bob and the `minter` client. */
export async function startService(): Promise<ConsoleFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cjwt-console-'));
  const usersFile = join(dataDir, 'users.json');
  await writeFile(usersFile, JSON.stringify({
    users: {
      admin: { hash: await hashPassword(PASSWORDS.admin, FAST), scope: 'profile sessions admin' },
      alice: { hash: await hashPassword(PASSWORDS.alice, FAST), scope: 'profile sessions' },
      bob: { hash: await hashPassword(PASSWORDS.bob, FAST), scope: 'profile sessions' },
    },
    clients: { minter: { hash: await hashPassword(PASSWORDS.client, FAST), permissions: ['issue', 'introspect'] } },
  }), { mode: 0o600 });
  const service = await createTokenService({ port: 0, host: '127.0.0.1', dataDir, usersFile, logLevel: 'silent', rateLimitMax: 0 });
  const url = (await service.listen()).replace('localhost', '127.0.0.1');
  return {
    service, url, dataDir,
    async close() {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs a user in through the service's own `POST /login`, as another device would. */
export async function loginAs(url: string, username: keyof typeof PASSWORDS, userAgent: string): Promise<{ access: string; refresh: string; sessionId: string }> {
  const response = await fetch(`${url}/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': userAgent },
    body: JSON.stringify({ username, password: PASSWORDS[username], device_id: `device-of-${username}` }),
  });
  const body = (await response.json()) as Record<string, string>;
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(body)}`);
  return { access: body.access_token!, refresh: body.refresh_token!, sessionId: body.session_id! };
}

/** Opens a session for `sub` through `POST /issue` (client credentials), with labels and tags. */
export async function issueFor(url: string, sub: string, labels: Record<string, string>, tags: string[] = []): Promise<{ access: string; sessionId: string }> {
  const response = await fetch(`${url}/issue`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`minter:${PASSWORDS.client}`).toString('base64')}` },
    body: JSON.stringify({ sub, labels, tags, scope: ['profile'] }),
  });
  const body = (await response.json()) as Record<string, string>;
  if (response.status !== 200) throw new Error(`issue failed: ${response.status} ${JSON.stringify(body)}`);
  return { access: body.access_token!, sessionId: body.session_id! };
}

/** `POST /verify` of an access token: the status and the refusal code. */
export async function verifyStatus(url: string, token: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${url}/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, ...(body.code === undefined ? {} : { code: body.code }) };
}

/** A browser page that records every console error, page error and CSP violation. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Console errors and warnings, uncaught page errors, CSP violations, failed requests. */
  problems: string[];
  /** Requests the page made, in order (method and path). */
  requests: string[];
  screenshot(name: string): Promise<string>;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/**
 * Opens Debian's chromium (Playwright's own browser download is not used) on a fresh profile
 * directory, at the given width, with every problem of the page recorded.
 */
export async function openPage(width = 1100): Promise<WatchedPage> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'cjwt-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CJWT_CHROMIUM ?? '/usr/bin/chromium', headless: true, viewport: { width, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
  page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
  // Runs in the page before its scripts, outside its CSP: reports every violation as a console error.
  await page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  });
  await mkdir(OUTPUT_DIR, { recursive: true });
  return {
    page, context, problems, requests,
    async screenshot(name) {
      const file = join(OUTPUT_DIR, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Goes to a console section and waits until the page has loaded its session. */
export async function gotoConsole(watched: WatchedPage, url: string, hash: string): Promise<void> {
  await watched.page.goto(`${url}/#${hash}`);
  await watched.page.waitForSelector('body[data-ready="true"]');
}

/** Signs in through the console's form (mouse-free: fill and press Enter). */
export async function signIn(page: Page, username: keyof typeof PASSWORDS): Promise<void> {
  await page.fill('#username', username);
  await page.fill('#password', PASSWORDS[username]);
  await page.press('#password', 'Enter');
  await page.waitForSelector('#my-sessions:not([hidden]) #session-list li');
}

/** Polls `read` until `accept` holds (no in-page eval: the console's CSP forbids it). */
export async function waitUntil<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
