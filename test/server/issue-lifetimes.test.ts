/**
 * POST /issue honours seed 002's `access_ttl_minutes` and `refresh_ttl_days`, bounded by the
 * service's configured lifetimes: a request above them is refused with 400 naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { basic, call, CLIENT, startService, type RunningService } from './harness.js';

let svc: RunningService;
// The service's maxima: 30 minutes of access, 20 days of refresh.
before(async () => { svc = await startService({ rateLimitMax: 0, accessTtlSeconds: 1800, refreshTtlSeconds: 20 * 86400 }); });
after(async () => { await svc.stop(); });

const issue = (body: Record<string, unknown>) => call(svc.url, 'POST', '/issue', { json: { sub: 'u-ttl', ...body }, headers: basic(CLIENT.id, CLIENT.secret) });
const near = (actual: unknown, expected: number, what: string) => {
  assert.equal(typeof actual, 'number', what);
  assert.ok(Math.abs((actual as number) - expected) <= 5, `${what}: ${String(actual)} is not about ${expected}`);
};

it('the requested lifetimes show in expires_at, refresh_expires_at and the token itself', async () => {
  const now = Math.floor(Date.now() / 1000);
  const res = await issue({ access_ttl_minutes: 10, refresh_ttl_days: 14 });
  assert.equal(res.status, 200, res.text);
  near(res.body.expires_at, now + 600, 'expires_at');
  near(res.body.refresh_expires_at, now + 14 * 86400, 'refresh_expires_at');
  const verified = await call(svc.url, 'POST', '/verify', { json: { token: res.body.access_token } });
  const claims = verified.body.claims as { exp: number; iat: number };
  assert.equal(claims.exp - claims.iat, 600);
  const refresh = await call(svc.url, 'POST', '/verify', { json: { type: 'refresh', token: res.body.refresh_token } });
  near((refresh.body.claims as { exp: number }).exp, now + 14 * 86400, 'refresh record expiry');
  // The session ends at the requested time: a refresh does not extend it.
  const next = await call(svc.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: res.body.refresh_token as string } });
  assert.equal(next.status, 200);
  near(next.body.refresh_expires_in, 14 * 86400, 'refresh_expires_in after a rotation');
});

it('without the fields the service lifetimes apply', async () => {
  const now = Math.floor(Date.now() / 1000);
  const res = await issue({});
  assert.equal(res.status, 200);
  near(res.body.expires_at, now + 1800, 'expires_at');
  near(res.body.refresh_expires_at, now + 20 * 86400, 'refresh_expires_at');
});

it('a lifetime above the service maximum is refused with 400 and the field', async () => {
  const access = await issue({ access_ttl_minutes: 31 });
  assert.equal(access.status, 400);
  assert.equal(access.body.code, 'ERR_INVALID_REQUEST');
  assert.equal(access.body.field, 'access_ttl_minutes');
  const refresh = await issue({ refresh_ttl_days: 21 });
  assert.equal(refresh.status, 400);
  assert.equal(refresh.body.field, 'refresh_ttl_days');
  // The maxima themselves are allowed.
  assert.equal((await issue({ access_ttl_minutes: 30, refresh_ttl_days: 20 })).status, 200);
});
