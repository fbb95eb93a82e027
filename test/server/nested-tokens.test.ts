/**
 * `encryptAccessTokens`: access tokens issued as nested JWTs (the signed JWS inside a JWE,
 * ECDH-ES+A256KW / A256GCM as seed 002 names), the encryption key generated once and kept sealed
 * in the data directory, and every path that reads an access token decrypting it: /verify,
 * /introspect, /logout, the bearer API, and a restart on the same data directory.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/server-process.js';
import { resolveServiceConfig } from '../../src/server/index.js';
import { basic, bearer, call, CLIENT, login, makeDataDir, spawnServe, startService, USER, type RunningService } from './harness.js';

function header(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('nested (signed, then encrypted) access tokens', () => {
  let svc: RunningService;
  // A fixed issuer: the restarted service listens on another port but must accept the same tokens.
  before(async () => { svc = await startService({ rateLimitMax: 0, encryptAccessTokens: true, issuer: 'https://auth.test' }); });
  after(async () => { await svc.stop(); });

  it('login gives a JWE around the JWS; the refresh token stays opaque', async () => {
    const pair = (await login(svc.url)).body;
    const access = pair.access_token as string;
    assert.equal(access.split('.').length, 5, 'a compact JWE');
    const h = header(access);
    assert.equal(h.alg, 'ECDH-ES+A256KW');
    assert.equal(h.enc, 'A256GCM');
    assert.equal(h.cty, 'JWT');
    assert.equal(typeof h.kid, 'string');
    assert.match(pair.refresh_token as string, /^rt_/);
  });

  it('/verify, /introspect, the bearer API and /logout read the encrypted token', async () => {
    const pair = (await login(svc.url)).body;
    const access = pair.access_token as string;
    const verified = await call(svc.url, 'POST', '/verify', { json: { token: access } });
    assert.equal(verified.status, 200, verified.text);
    assert.equal((verified.body.claims as Record<string, unknown>).sub, USER.username);
    const introspected = await call(svc.url, 'POST', '/introspect', { form: { token: access }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.equal(introspected.body.active, true);
    assert.equal(introspected.body.sub, USER.username);
    assert.equal((await call(svc.url, 'GET', '/api/profile', { headers: bearer(access) })).status, 200);
    const tampered = `${access.slice(0, -6)}AAAAAA`;
    const refused = await call(svc.url, 'POST', '/verify', { json: { token: tampered } });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'ERR_JWE_DECRYPTION_FAILED');
    assert.deepEqual((await call(svc.url, 'POST', '/introspect', { form: { token: tampered }, headers: basic(CLIENT.id, CLIENT.secret) })).body, { active: false });
    assert.equal((await call(svc.url, 'POST', '/logout', { headers: bearer(access) })).status, 200);
    assert.equal((await call(svc.url, 'POST', '/verify', { json: { token: access } })).body.code, 'ERR_TOKEN_REVOKED');
    assert.deepEqual((await call(svc.url, 'POST', '/introspect', { form: { token: access }, headers: basic(CLIENT.id, CLIENT.secret) })).body, { active: false });
  });

  it('POST /issue returns access_jwe as a nested JWE; /token keeps issuing them', async () => {
    const issued = await call(svc.url, 'POST', '/issue', { json: { sub: 'u-jwe', scope: ['read'] }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.equal(issued.status, 200, issued.text);
    assert.equal((issued.body.access_jwe as string).split('.').length, 5);
    assert.equal((await call(svc.url, 'POST', '/verify', { json: { type: 'access', token: issued.body.access_jwe } })).status, 200);
    const next = await call(svc.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: issued.body.refresh_jwe as string } });
    assert.equal((next.body.access_token as string).split('.').length, 5);
  });

  it('a plain JWS is refused when access tokens are encrypted', async () => {
    const plain = await startService({ rateLimitMax: 0, dataDir: svc.dir });
    try {
      const jws = (await login(plain.url)).body.access_token as string;
      assert.equal(jws.split('.').length, 3);
      const refused = await call(svc.url, 'POST', '/verify', { json: { token: jws } });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.code, 'ERR_JWE_INVALID');
    } finally {
      await plain.service.close();
    }
  });

  it('the encryption key is kept sealed (mode 0600) and survives a restart', async () => {
    const file = join(svc.dir, 'encryption-key.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { publicJwk: Record<string, unknown>; kid: string };
    assert.equal(saved.publicJwk.d, undefined, 'no private member in clear');
    assert.ok(!readFileSync(file, 'utf8').includes('"d"'));
    const access = (await login(svc.url)).body.access_token as string;
    assert.equal(header(access).kid, saved.kid);
    const restarted = await startService({ rateLimitMax: 0, dataDir: svc.dir, encryptAccessTokens: true, issuer: 'https://auth.test' });
    try {
      assert.equal((await call(restarted.url, 'POST', '/verify', { json: { token: access } })).status, 200);
    } finally {
      await restarted.service.close();
    }
  });
});

it('CJWT_ENCRYPT_ACCESS_TOKENS and `cjwt serve --encrypt-access-tokens` turn it on', async () => {
  assert.equal((await resolveServiceConfig({}, {})).encryptAccessTokens, false);
  assert.equal((await resolveServiceConfig({}, { CJWT_ENCRYPT_ACCESS_TOKENS: 'true' })).encryptAccessTokens, true);
  const data = await makeDataDir();
  const child = await spawnServe(data.dir, await freePort(), {}, ['--encrypt-access-tokens']);
  try {
    const access = (await login(child.url)).body.access_token as string;
    assert.equal(access.split('.').length, 5);
    assert.equal((await call(child.url, 'GET', '/api/profile', { headers: bearer(access) })).status, 200);
  } finally {
    await child.stop();
    data.dispose();
  }
});

it('the sealed encryption key refuses a wrong master key and an edited file', async () => {
  const { loadEncryptionKey, ENCRYPTION_KEY_FILE } = await import('../../src/server/encryption-key.js');
  const { writeFileSync } = await import('node:fs');
  const data = await makeDataDir();
  try {
    const master = Buffer.alloc(32, 7);
    const first = await loadEncryptionKey(data.dir, master);
    assert.equal((await loadEncryptionKey(data.dir, master)).kid, first.kid, 'the same key on the next start');
    await assert.rejects(loadEncryptionKey(data.dir, Buffer.alloc(32, 8)), { code: 'ERR_KEY_STORAGE' });
    const file = join(data.dir, ENCRYPTION_KEY_FILE);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { kid: string };
    writeFileSync(file, JSON.stringify({ ...doc, kid: 'attacker-kid' }));
    await assert.rejects(loadEncryptionKey(data.dir, master), { code: 'ERR_KEY_STORAGE' });
  } finally {
    data.dispose();
  }
});

it('an /issue whose encrypted token would outgrow the size limit is 400, never a 500, and stores nothing', async () => {
  const svc = await startService({ rateLimitMax: 0, encryptAccessTokens: true });
  try {
    const scope = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')}${'s'.repeat(98)}`);
    const res = await call(svc.url, 'POST', '/issue', { json: { sub: 'big-subject', uid: 'u'.repeat(200), scope }, headers: basic(CLIENT.id, CLIENT.secret) });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.code, 'ERR_TOKEN_TOO_LARGE');
    assert.equal(await svc.service.store.count({ subject: 'big-subject' }), 0);
  } finally {
    await svc.stop();
  }
});

it('processes starting together on one data directory agree on one encryption key', async () => {
  const { loadEncryptionKey } = await import('../../src/server/encryption-key.js');
  const data = await makeDataDir();
  try {
    const master = Buffer.alloc(32, 9);
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadEncryptionKey(data.dir, master)));
    assert.equal(new Set(keys.map((k) => k.kid)).size, 1);
    const { readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(data.dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  } finally {
    data.dispose();
  }
});
