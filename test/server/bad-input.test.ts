/**
 * Bad input on every endpoint over real HTTP: malformed JSON, wrong content types, a 1 MB body,
 * missing and wrongly typed fields, unknown grant types, 10 KB tokens. Each gets a 4xx JSON
 * error with a code, never a 500, and the store is left exactly as it was. Also the rate limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { basic, bearer, call, CLIENT, login, startService, type Reply, type RunningService } from './harness.js';

let svc: RunningService;
let url: string;
let access: string;
before(async () => {
  svc = await startService({ rateLimitMax: 0 });
  url = svc.url;
  access = (await login(url)).body.access_token as string;
});
after(async () => { await svc.stop(); });

const client = basic(CLIENT.id, CLIENT.secret);
const BIG_TOKEN = `${'eyJ'.padEnd(5000, 'A')}.${'B'.repeat(5000)}.C`;
const ONE_MB = JSON.stringify({ username: 'x'.repeat(1024 * 1024), password: 'y' });

interface Case { name: string; method: string; path: string; init: Parameters<typeof call>[3] }

function casesFor(path: string, headers: Record<string, string>, fields: Record<string, unknown>): Case[] {
  return [
    { name: 'malformed JSON', method: 'POST', path, init: { body: '{"a":', headers: { ...headers, 'content-type': 'application/json' } } },
    { name: 'JSON array', method: 'POST', path, init: { body: '[1,2]', headers: { ...headers, 'content-type': 'application/json' } } },
    { name: 'wrong content type', method: 'POST', path, init: { body: '<a/>', headers: { ...headers, 'content-type': 'application/xml' } } },
    { name: 'text body', method: 'POST', path, init: { body: 'token=x', headers: { ...headers, 'content-type': 'text/plain' } } },
    { name: '1 MB body', method: 'POST', path, init: { body: ONE_MB, headers: { ...headers, 'content-type': 'application/json' } } },
    { name: 'missing fields', method: 'POST', path, init: { json: {}, headers } },
    { name: 'wrongly typed fields', method: 'POST', path, init: { json: Object.fromEntries(Object.keys(fields).map((k) => [k, 12345])), headers } },
    { name: 'object-typed fields', method: 'POST', path, init: { json: Object.fromEntries(Object.keys(fields).map((k) => [k, { $gt: '' }])), headers } },
    { name: '10 KB token', method: 'POST', path, init: { json: { ...fields, token: BIG_TOKEN, refresh_token: BIG_TOKEN, password: BIG_TOKEN }, headers } },
    { name: 'duplicate form parameter', method: 'POST', path, init: { body: 'token=a&token=b&grant_type=refresh_token', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } } },
    { name: 'prototype keys', method: 'POST', path, init: { body: '{"__proto__":{"admin":true},"constructor":{"prototype":{}}}', headers: { ...headers, 'content-type': 'application/json' } } },
    { name: 'prototype keys in a form', method: 'POST', path, init: { body: '__proto__=x&constructor=y&grant_type=refresh_token', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } } },
    { name: '51 form fields', method: 'POST', path, init: { body: Array.from({ length: 51 }, (_, i) => `f${i}=1`).join('&'), headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } } },
  ];
}

const ENDPOINTS: Array<[string, Record<string, string>, Record<string, unknown>]> = [
  ['/login', {}, { username: 'alice', password: 'alice-password-1' }],
  ['/token', {}, { grant_type: 'refresh_token', refresh_token: 'rt_x' }],
  ['/logout', {}, { refresh_token: 'rt_x' }],
  ['/issue', client, { sub: 'u1' }],
  ['/verify', {}, { type: 'access', token: 'a.b.c' }],
  ['/introspect', client, { token: 'x' }],
  ['/revoke', {}, { token: 'x' }],
];

async function storeSnapshot(): Promise<string> {
  const page = await svc.service.store.list({}, { limit: 1000 });
  return JSON.stringify(page.records);
}

function assertClientError(res: Reply, what: string): void {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: status ${res.status} ${res.text.slice(0, 200)}`);
  assert.equal(typeof res.body.code, 'string', `${what}: JSON body with a code, got ${res.text.slice(0, 200)}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/, what);
}

describe('bad input on every endpoint', () => {
  for (const [path, headers, fields] of ENDPOINTS) {
    it(`${path}: every malformed request is a 4xx JSON error and changes nothing`, async () => {
      const before = await storeSnapshot();
      for (const c of casesFor(path, headers, fields)) {
        const res = await call(url, c.method, c.path, c.init);
        // /revoke answers 200 to any well-formed token (RFC 7009); its malformed requests are still 4xx.
        if (path === '/revoke' && res.status === 200 && (c.name === '10 KB token' || c.name === 'prototype keys')) continue;
        assertClientError(res, `${path} ${c.name}`);
      }
      assert.equal(await storeSnapshot(), before, `${path} left the store unchanged`);
    });
  }

  it('the body-size and field errors say what is wrong', async () => {
    const big = await call(url, 'POST', '/login', { body: ONE_MB, headers: { 'content-type': 'application/json' } });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'ERR_BODY_TOO_LARGE');
    const typed = await call(url, 'POST', '/login', { json: { username: 'a', password: 7 } });
    assert.equal(typed.status, 400);
    assert.equal(typed.body.field, 'password');
    const extra = await call(url, 'POST', '/login', { json: { username: 'a', password: 'b', admin: true } });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.field, 'admin');
    const media = await call(url, 'POST', '/introspect', { body: '<a/>', headers: { ...client, 'content-type': 'application/xml' } });
    assert.equal(media.status, 415);
    assert.equal(media.body.code, 'ERR_UNSUPPORTED_MEDIA_TYPE');
    const grant = await call(url, 'POST', '/token', { form: { grant_type: 'client_credentials' } });
    assert.equal(grant.body.error, 'unsupported_grant_type');
    const scope = await call(url, 'POST', '/issue', { json: { uid: 'u', scope: ['has space'] }, headers: client });
    assert.equal(scope.status, 400);
    assert.equal(scope.body.field, 'scope');
  });

  it('bearer endpoints refuse 10 KB and malformed tokens with RFC 6750 errors', async () => {
    for (const [method, path] of [['GET', '/api/profile'], ['GET', '/api/sessions'], ['DELETE', '/api/sessions'], ['DELETE', '/api/sessions/x']] as const) {
      const big = await call(url, method, path, { headers: bearer(BIG_TOKEN) });
      assert.equal(big.status, 401, `${method} ${path}`);
      assert.equal(big.body.code, 'ERR_TOKEN_TOO_LARGE');
      const odd = await call(url, method, path, { headers: { authorization: 'Bearer a b c' } });
      assert.equal(odd.status, 400, `${method} ${path}`);
      assert.match(odd.headers.get('www-authenticate') ?? '', /invalid_request/);
    }
    const longId = await call(url, 'DELETE', `/api/sessions/${'x'.repeat(200)}`, { headers: bearer(access) });
    assertClientError(longId, 'a 200-character session id');
  });
});

describe('rate limits', () => {
  it('/login and /token answer 429 with Retry-After past the limit', async () => {
    const limited = await startService({ rateLimitMax: 3, rateLimitWindowMs: 60_000 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(limited.url, 'POST', '/login', { json: { username: 'alice', password: 'wrong' } })).status);
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      const res = await call(limited.url, 'POST', '/login', { json: { username: 'alice', password: 'wrong' } });
      assert.equal(res.status, 429);
      assert.equal(res.body.code, 'ERR_RATE_LIMITED');
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      // The address's budget is spent too: another username from it is refused (per IP and per username).
      assert.equal((await call(limited.url, 'POST', '/login', { json: { username: 'bob', password: 'wrong' } })).status, 429);
      for (let i = 0; i < 3; i++) await call(limited.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: 'rt_x' } });
      const token = await call(limited.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: 'rt_x' } });
      assert.equal(token.status, 429);
    } finally {
      await limited.stop();
    }
  });
});
