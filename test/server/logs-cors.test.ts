/**
 * What the service writes to its log (pino): requests and failures, never a token, password or
 * client secret. And CORS: off by default, exactly the configured origins when set.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { basic, bearer, call, CLIENT, login, startService, USER } from './harness.js';

it('logs carry no token, password or secret', async () => {
  let log = '';
  const logStream = new Writable({ write(chunk: Buffer, _enc, done) { log += chunk.toString(); done(); } });
  const svc = await startService({ logLevel: 'trace', logStream });
  try {
    const pair = (await login(svc.url)).body;
    await call(svc.url, 'POST', '/login', { json: { username: USER.username, password: 'wrong-password-xyz' } });
    const next = (await call(svc.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: pair.refresh_token as string } })).body;
    await call(svc.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: pair.refresh_token as string } });
    await call(svc.url, 'POST', '/introspect', { form: { token: next.access_token as string }, headers: basic(CLIENT.id, CLIENT.secret) });
    await call(svc.url, 'GET', '/api/profile', { headers: bearer(next.access_token as string) });
    await call(svc.url, 'POST', '/login', { body: '{"password":"leaky-pass-123"', headers: { 'content-type': 'application/json' } });
  } finally {
    await svc.stop();
  }
  assert.ok(log.includes('"url":"/login"'), 'requests are logged');
  for (const secret of [USER.password, 'wrong-password-xyz', 'leaky-pass-123', CLIENT.secret, Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')]) {
    assert.ok(!log.includes(secret), 'a password or secret reached the log');
  }
  assert.ok(!log.includes('rt_'), 'a refresh token reached the log');
  assert.ok(!log.includes('eyJ'), 'a JWT reached the log');
});

it('CORS: only configured origins, with preflight', async () => {
  const svc = await startService({ corsOrigins: ['https://app.example'] });
  try {
    const allowed = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://app.example' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await fetch(`${svc.url}/healthz`, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${svc.url}/login`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    const refused = await fetch(`${svc.url}/login`, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(refused.status, 403);
  } finally {
    await svc.stop();
  }
});
