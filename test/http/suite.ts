/**
 * One behaviour suite for every middleware adapter: each framework's test starts a real server
 * with the same four routes and runs these checks over HTTP. Verifiers are a JWTManager and an
 * OpaqueTokenManager sharing a memory store, so revocation is real.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JWTManager } from '../../src/jwt/index.js';
import { toCookieChunks } from '../../src/jwt/cookie-chunks.js';
import { OpaqueTokenManager } from '../../src/opaque/index.js';
import { MemoryTokenStore } from '../../src/store/index.js';

/** The verifiers a framework's server protects its routes with. */
export interface Verifiers {
  jwt: JWTManager;
  opaque: OpaqueTokenManager;
}

/**
 * Starts a server with routes that answer `{ sub, scopes }` from the request's auth:
 * `GET /jwt/me` (JWT, requiredScopes ['read']), `GET /jwt/admin` (requiredScopes ['admin']),
 * `GET /opaque/me` (opaque), `GET /cookie/me` (JWT from cookie `at` or header),
 * `GET /optional` (JWT, optional: `{ sub: null }` without a token).
 */
export type StartServer = (verifiers: Verifiers) => Promise<{ url: string; close: () => Promise<void> }>;

/** Runs the shared suite against one framework. */
export function runMiddlewareSuite(framework: string, start: StartServer): void {
  describe(`${framework} middleware`, () => {
    const store = new MemoryTokenStore();
    const jwt = JWTManager.withHMAC(new Uint8Array(32).fill(7), { store, issuer: 'https://auth.test', audience: 'api' });
    const opaque = new OpaqueTokenManager({ store });
    let server: { url: string; close: () => Promise<void> };
    before(async () => { server = await start({ jwt, opaque }); });
    after(async () => { await server.close(); await store.close(); });

    const get = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(server.url + path, { headers });
      const text = await res.text();
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body: JSON.parse(text) as Record<string, unknown> };
    };
    const tokenFor = async (scope: string) => (await jwt.generateToken({ subject: 'user-1', customClaims: { scope } })).token;

    it('no token: 401 with a bare Bearer challenge (no error code)', async () => {
      const res = await get('/jwt/me');
      assert.equal(res.status, 401);
      assert.equal(res.challenge, 'Bearer realm="cjwt"');
      assert.equal(res.body.code, 'ERR_NO_TOKEN');
    });

    it('a valid JWT puts the claims on the request', async () => {
      const res = await get('/jwt/me', { authorization: `Bearer ${await tokenFor('read write')}` });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { sub: 'user-1', scopes: ['read', 'write'] });
    });

    it('a missing scope is 403 insufficient_scope naming the scope', async () => {
      const res = await get('/jwt/admin', { authorization: `Bearer ${await tokenFor('read')}` });
      assert.equal(res.status, 403);
      assert.equal(res.challenge, 'Bearer realm="cjwt", error="insufficient_scope", error_description="the token lacks a required scope", scope="admin"');
      assert.equal(res.body.error, 'insufficient_scope');
    });

    it('a revoked JWT is 401 invalid_token ERR_TOKEN_REVOKED', async () => {
      const token = await tokenFor('read');
      assert.equal((await get('/jwt/me', { authorization: `Bearer ${token}` })).status, 200);
      await jwt.revokeToken(token);
      const res = await get('/jwt/me', { authorization: `Bearer ${token}` });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'ERR_TOKEN_REVOKED');
      assert.match(res.challenge ?? '', /error="invalid_token"/);
    });

    it('a tampered or expired JWT is 401 with its code', async () => {
      const token = await tokenFor('read');
      const tampered = await get('/jwt/me', { authorization: `Bearer ${token.slice(0, -3)}AAA` });
      assert.equal(tampered.status, 401);
      assert.equal(tampered.body.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
      const expired = (await jwt.generateToken({ subject: 'user-1', issuedAt: 1000, expiresAt: 2000 })).token;
      const res = await get('/jwt/me', { authorization: `Bearer ${expired}` });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'ERR_JWT_EXPIRED');
    });

    it('opaque tokens through OpaqueTokenManager, revocation included', async () => {
      const { token } = await opaque.generateToken({ userId: 'user-2', scope: ['read'] });
      const ok = await get('/opaque/me', { authorization: `Bearer ${token}` });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, { sub: 'user-2', scopes: ['read'] });
      await opaque.revokeToken(token);
      const revoked = await get('/opaque/me', { authorization: `Bearer ${token}` });
      assert.equal(revoked.status, 401);
      assert.equal(revoked.body.code, 'ERR_TOKEN_REVOKED');
      const typo = await get('/opaque/me', { authorization: `Bearer ${token.slice(0, -1)}x` });
      assert.equal(typo.status, 401);
      assert.equal(typo.body.code, 'ERR_TOKEN_MALFORMED');
    });

    it('tokens in a cookie, chunked cookies joined; header and cookie disagreeing is 400', async () => {
      const token = await tokenFor('read');
      const chunks = toCookieChunks('at', token, { maxCookieSize: 64 });
      assert.ok(chunks.length > 2);
      const cookie = chunks.map((c) => `${c.name}=${c.value}`).join('; ');
      const ok = await get('/cookie/me', { cookie });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.sub, 'user-1');
      const other = await tokenFor('read write');
      const both = await get('/cookie/me', { cookie, authorization: `Bearer ${other}` });
      assert.equal(both.status, 400);
      assert.match(both.challenge ?? '', /error="invalid_request"/);
      const broken = await get('/cookie/me', { cookie: chunks.slice(0, -1).map((c) => `${c.name}=${c.value}`).join('; ') });
      assert.equal(broken.status, 400);
    });

    it('a non-Bearer Authorization header is 400 invalid_request', async () => {
      const res = await get('/jwt/me', { authorization: 'Basic dXNlcjpwYXNz' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
    });

    it('optional auth lets anonymous requests through, but not bad tokens', async () => {
      assert.deepEqual((await get('/optional')).body, { sub: null, scopes: [] });
      assert.equal((await get('/optional', { authorization: 'Bearer x.y.z' })).status, 401);
    });
  });
}
