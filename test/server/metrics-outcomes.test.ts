/**
 * `cjwt_operations_total` tells refusals from successes: a refused /verify is counted under its
 * error code, an inactive /introspect answer as `inactive`, over real HTTP and GET /metrics.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { basic, call, CLIENT, login, startService, type RunningService } from './harness.js';

let svc: RunningService;
before(async () => { svc = await startService({ rateLimitMax: 0 }); });
after(async () => { await svc.stop(); });

/** The counter's value for an operation and outcome (0 when absent). */
async function counted(operation: string, outcome: string): Promise<number> {
  const text = (await call(svc.url, 'GET', '/metrics')).text;
  const m = new RegExp(`^cjwt_operations_total\\{operation="${operation}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
  return m === null ? 0 : Number(m[1]);
}

it('refused verifications count under their error code, valid ones as ok', async () => {
  const pair = (await login(svc.url)).body;
  assert.equal((await call(svc.url, 'POST', '/verify', { json: { token: pair.access_token } })).status, 200);
  assert.equal((await call(svc.url, 'POST', '/verify', { json: { token: 'abc.def.ghi' } })).status, 401);
  assert.equal((await call(svc.url, 'POST', '/verify', { json: { type: 'refresh', token: 'rt_unknown' } })).status, 401);
  await call(svc.url, 'POST', '/revoke', { form: { token: pair.refresh_token as string } });
  const revoked = await call(svc.url, 'POST', '/verify', { json: { token: pair.access_token } });
  assert.equal(revoked.body.code, 'ERR_TOKEN_REVOKED');
  assert.equal((await call(svc.url, 'POST', '/verify', { json: { type: 'refresh', token: pair.refresh_token } })).body.code, 'ERR_TOKEN_REVOKED');
  assert.equal(await counted('verify', 'ok'), 1);
  assert.equal(await counted('verify', 'ERR_TOKEN_REVOKED'), 2);
  assert.equal(await counted('verify', 'ERR_TOKEN_NOT_FOUND'), 1);
  assert.ok((await counted('verify', 'ERR_JWS_INVALID')) + (await counted('verify', 'ERR_JWT_INVALID')) + (await counted('verify', 'ERR_TOKEN_MALFORMED')) >= 1, 'the malformed token counts under its code');
});

it('inactive introspections count as inactive, active ones as ok', async () => {
  const pair = (await login(svc.url)).body;
  const introspect = (token: string) => call(svc.url, 'POST', '/introspect', { form: { token }, headers: basic(CLIENT.id, CLIENT.secret) });
  assert.equal((await introspect(pair.access_token as string)).body.active, true);
  assert.equal((await introspect(pair.refresh_token as string)).body.active, true);
  assert.deepEqual((await introspect('rt_unknown')).body, { active: false });
  assert.deepEqual((await introspect('abc.def.ghi')).body, { active: false });
  assert.equal(await counted('introspect', 'ok'), 2);
  assert.equal(await counted('introspect', 'inactive'), 2);
});
