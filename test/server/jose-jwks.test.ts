/**
 * A client nobody here wrote: jose's createRemoteJWKSet + jwtVerify against the running
 * service's JWKS verifies its access tokens, before and after a key rotation (old tokens keep
 * verifying through the grace period; new ones are signed by the new key).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { bearer, call, login, startService, type RunningService } from './harness.js';

let svc: RunningService;
before(async () => { svc = await startService(); });
after(async () => { await svc.stop(); });

it('jose verifies the service\'s access tokens through its JWKS, across a rotation', async () => {
  const jwksUrl = new URL(`${svc.url}/.well-known/jwks.json`);
  const options = { issuer: svc.url, audience: 'api', typ: 'at+jwt' };
  const before = (await login(svc.url)).body.access_token as string;
  const first = await jwtVerify(before, createRemoteJWKSet(jwksUrl), options);
  assert.equal(first.payload.sub, 'alice');
  const oldKid = decodeProtectedHeader(before).kid;

  const newKid = await svc.service.rotateKeys('1h');
  assert.notEqual(newKid, oldKid);
  const after = (await login(svc.url)).body.access_token as string;
  assert.equal(decodeProtectedHeader(after).kid, newKid);

  // A fresh client (no cached JWKS) sees both keys.
  const jwks = createRemoteJWKSet(jwksUrl);
  assert.equal((await jwtVerify(after, jwks, options)).payload.sub, 'alice');
  assert.equal((await jwtVerify(before, jwks, options)).payload.sub, 'alice');
  const keys = ((await call(svc.url, 'GET', '/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid);
  assert.deepEqual(keys.sort(), [oldKid, newKid].sort());

  // The service itself still honours the old token, and the rotation was persisted sealed.
  assert.equal((await call(svc.url, 'GET', '/api/profile', { headers: bearer(before) })).status, 200);
  const saved = await readFile(join(svc.dir, 'keys.json'), 'utf8');
  assert.ok(saved.includes(newKid));
  assert.ok(!saved.includes('"d"'), 'private key material is sealed, not readable');

  // A forged token (signed by a key not in the JWKS) is refused by jose too.
  const tampered = `${after.slice(0, after.lastIndexOf('.') + 1)}${'A'.repeat(86)}`;
  await assert.rejects(jwtVerify(tampered, jwks, options), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
});

it('a restart on the same data directory keeps the keys (tokens stay valid)', async () => {
  const token = (await login(svc.url)).body.access_token as string;
  const again = await startService({ dataDir: svc.dir, port: 0 });
  try {
    // The second service has another port, hence another issuer: check the signature via JWKS.
    const jwks = createRemoteJWKSet(new URL(`${again.url}/.well-known/jwks.json`));
    const verified = await jwtVerify(token, jwks, { audience: 'api' });
    assert.equal(verified.payload.sub, 'alice');
  } finally {
    await again.service.close();
  }
});
