/**
 * The TokenPairIssuer flows against one store backend: login, rotation, reuse detection, the
 * reuse grace (two tabs), family lifetime and idle timeout, logout, sessions and their limits,
 * events, and at the end a raw dump of the backend that must hold none of the tokens handed out.
 * Each flows-<backend>.test.ts calls {@link runRefreshFlows}.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { JWTManager } from '../../../src/jwt/index.js';
import { TokenEvents, type TokenEventName } from '../../../src/lifecycle/events.js';
import { createOpaqueTokenFormat } from '../../../src/opaque/index.js';
import { PairSeal, deriveKey } from '../../../src/lifecycle/refresh/pair-seal.js';
import { TokenPairIssuer, type TokenPair, type TokenPairIssuerOptions } from '../../../src/lifecycle/refresh/index.js';
import type { TokenStore } from '../../../src/store/types.js';
import { backend, type BackendName } from './backends.js';

/** A test clock the JWTManager and the issuer share. */
export class TestClock {
  t = Date.UTC(2030, 0, 1);
  readonly now = (): number => this.t;
  advance(ms: number): void { this.t += ms; }
}

/** Rejects with a CjwtError whose code is `code`; resolves to the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (err) {
    assert.equal((err as { code?: string }).code, code, `expected ${code}, got ${String(err)}`);
    return err as Error & { code: string };
  }
  assert.fail(`expected rejection with ${code}`);
}

const MINUTE = 60_000;

/** Registers the flow tests on backend `name`. */
export function runRefreshFlows(name: BackendName): void {
  const target = backend(name);
  describe(`TokenPairIssuer flows: ${name}`, { timeout: 120_000 }, () => {
    if (target === undefined) {
      it(`needs the ${name} test server`, () => assert.fail(`CJWT_TEST_${name.toUpperCase()}_URL is not set: run npm run test:only -- lifecycle/refresh/flows-${name}`));
      return;
    }
    let store: TokenStore;
    const handedOut: TokenPair[] = [];
    const secret = randomBytes(32);
    const hmac = randomBytes(32);
    const eventLog: Array<{ name: TokenEventName; payload: unknown }> = [];

    before(async () => { store = await target.open(); });
    after(async () => { await store?.close(); target.dispose(); });

    /** A fresh issuer over the shared store with its own clock (and a manager on the same clock). */
    const setup = (options: Partial<TokenPairIssuerOptions> & { encrypted?: boolean } = {}): { pairs: TokenPairIssuer; clock: TestClock; events: TokenEvents; jwt: JWTManager } => {
      const clock = new TestClock();
      const { encrypted, ...rest } = options;
      const jwt = JWTManager.withHMAC(hmac, { now: clock.now, issuer: 'https://auth.test', audience: 'api', ...(encrypted ? { encryption: { key: randomBytes(32) } } : {}) });
      const events = new TokenEvents((err) => { throw err; });
      for (const eventName of ['token.issued', 'token.refreshed', 'refresh.reuse_detected', 'token.revoked', 'session.evicted', 'session.limit_exceeded'] as const) {
        events.on(eventName, (payload) => eventLog.push({ name: eventName, payload }));
      }
      const pairs = new TokenPairIssuer({ jwt, store, now: clock.now, events, secret, refreshTokenPrefix: 'cjrt', ...rest });
      // Every pair handed out is kept for the dump check at the end.
      const issue = pairs.issueTokenPair.bind(pairs);
      const refresh = pairs.refreshTokens.bind(pairs);
      pairs.issueTokenPair = async (input) => { const p = await issue(input); handedOut.push(p); return p; };
      pairs.refreshTokens = async (token) => { const p = await refresh(token); handedOut.push(p); return p; };
      return { pairs, clock, events, jwt };
    };
    const user = (): string => `user-${randomBytes(6).toString('hex')}`;

    for (const encrypted of [false, true]) {
      it(`login, refresh, reuse: the family is revoked, every token refused (${encrypted ? 'nested JWE' : 'JWS'} access tokens)`, async () => {
        const { pairs, clock, events } = setup({ encrypted });
        const reuse: unknown[] = [];
        events.on('refresh.reuse_detected', (e) => reuse.push(e));
        const subject = user();
        const login = await pairs.issueTokenPair({ subject, clientId: 'web', scope: 'read write', claims: { role: 'admin' }, device: { id: 'd1', userAgent: 'Firefox' } });
        assert.equal(login.accessToken.split('.').length, encrypted ? 5 : 3);
        assert.match(login.refreshToken, /^cjrt_/);
        assert.equal(login.sessionId, login.familyId);
        assert.equal(login.accessExpiresAt, clock.t + 15 * MINUTE);
        assert.equal(login.refreshExpiresAt, clock.t + 30 * 24 * 60 * MINUTE);
        const verified = await pairs.verifyAccessToken(login.accessToken);
        assert.ok(verified.valid);
        assert.equal(verified.claims.sub, subject);
        assert.equal(verified.claims.sid, login.familyId);
        assert.equal(verified.claims.client_id, 'web');
        assert.equal(verified.claims.scope, 'read write');
        assert.equal(verified.claims.role, 'admin');

        clock.advance(MINUTE);
        const next = await pairs.refreshTokens(login.refreshToken);
        assert.equal(next.familyId, login.familyId);
        assert.notEqual(next.refreshToken, login.refreshToken);
        const nextClaims = await pairs.verifyAccessToken(next.accessToken);
        assert.ok(nextClaims.valid);
        assert.equal(nextClaims.claims.role, 'admin');
        assert.equal(nextClaims.claims.scope, 'read write');
        // Rotation alone does not revoke the previous access token (it simply expires).
        assert.ok((await pairs.verifyAccessToken(login.accessToken)).valid);
        const third = await pairs.refreshTokens(next.refreshToken);

        clock.advance(MINUTE);
        const err = await rejectsWith(pairs.refreshTokens(login.refreshToken), 'ERR_REFRESH_TOKEN_REUSED');
        // Three access tokens and the one live refresh token (the spent ones were revoked as rotated).
        assert.equal((err as unknown as { revoked: number }).revoked, 4);
        assert.equal(reuse.length, 1);
        assert.equal((reuse[0] as { familyId: string }).familyId, login.familyId);
        for (const pair of [login, next, third]) {
          const result = await pairs.verifyAccessToken(pair.accessToken);
          assert.equal(result.valid, false);
          assert.equal(result.valid ? '' : result.error.code, 'ERR_TOKEN_REVOKED');
        }
        await rejectsWith(pairs.refreshTokens(third.refreshToken), 'ERR_TOKEN_REVOKED');
        await rejectsWith(pairs.refreshTokens(next.refreshToken), 'ERR_REFRESH_TOKEN_REUSED');
        assert.equal(await store.count({ familyId: login.familyId, status: 'active' }), 0);
        assert.deepEqual(await pairs.listSessions(subject), []);
      });
    }

    it('two tabs within the grace get the same successor pair; after the grace the retry revokes the family', async () => {
      const { pairs, clock } = setup({ reuseGraceMs: 10_000 });
      const login = await pairs.issueTokenPair({ subject: user() });
      const [tabA, tabB] = await Promise.all([pairs.refreshTokens(login.refreshToken), pairs.refreshTokens(login.refreshToken)]);
      assert.deepEqual(tabA, tabB);
      clock.advance(5_000);
      assert.deepEqual(await pairs.refreshTokens(login.refreshToken), tabA);
      assert.ok((await pairs.verifyAccessToken(tabA.accessToken)).valid);
      clock.advance(5_001);
      await rejectsWith(pairs.refreshTokens(login.refreshToken), 'ERR_REFRESH_TOKEN_REUSED');
      await rejectsWith(pairs.refreshTokens(tabA.refreshToken), 'ERR_TOKEN_REVOKED');
      assert.equal((await pairs.verifyAccessToken(tabA.accessToken)).valid, false);
    });

    it('within the grace, a retry after the successor was itself used is a reuse', async () => {
      const { pairs, clock } = setup({ reuseGraceMs: 10_000 });
      const login = await pairs.issueTokenPair({ subject: user() });
      const second = await pairs.refreshTokens(login.refreshToken);
      clock.advance(1000);
      const third = await pairs.refreshTokens(second.refreshToken);
      await rejectsWith(pairs.refreshTokens(login.refreshToken), 'ERR_REFRESH_TOKEN_REUSED');
      assert.equal((await pairs.verifyAccessToken(third.accessToken)).valid, false);
    });

    it('the sealed successor in the store is no token: it decrypts only with the server secret', async () => {
      const { pairs } = setup({ reuseGraceMs: 10_000 });
      const login = await pairs.issueTokenPair({ subject: user() });
      const next = await pairs.refreshTokens(login.refreshToken);
      const successor = (await store.list({ familyId: next.familyId, kind: 'refresh', status: 'active' })).records[0];
      assert.equal(typeof successor?.data?.sealedPair, 'string');
      const text = JSON.stringify(successor);
      assert.ok(!text.includes(next.refreshToken) && !text.includes(next.accessToken));
      // Only the server secret opens it, and only for the record it was sealed for.
      const sealed = successor!.data!.sealedPair as string;
      const opened = new PairSeal(deriveKey(secret, 'seal')).open(sealed, successor!.id, next.familyId);
      assert.deepEqual(opened, next);
      assert.equal(new PairSeal(deriveKey(randomBytes(32), 'seal')).open(sealed, successor!.id, next.familyId), undefined);
      assert.equal(new PairSeal(deriveKey(secret, 'seal')).open(sealed, `${next.familyId}.7`, next.familyId), undefined);
    });

    it('absolute family lifetime: rotations cannot extend a login past familyMaxLifetime', async () => {
      const { pairs, clock } = setup({ familyMaxLifetime: '1h', refreshTtl: '30m' });
      const login = await pairs.issueTokenPair({ subject: user() });
      let current = login;
      for (let i = 0; i < 2; i++) {
        clock.advance(25 * MINUTE);
        current = await pairs.refreshTokens(current.refreshToken);
      }
      // 50 minutes in: the last pair is capped at the family's end.
      assert.equal(current.refreshExpiresAt, login.refreshExpiresAt + 30 * MINUTE);
      assert.equal(current.refreshExpiresAt, clock.t + 10 * MINUTE);
      assert.equal(current.accessExpiresAt, clock.t + 10 * MINUTE);
      clock.advance(10 * MINUTE);
      await rejectsWith(pairs.refreshTokens(current.refreshToken), 'ERR_FAMILY_EXPIRED');
      assert.equal((await pairs.verifyAccessToken(current.accessToken)).valid, false);
    });

    it('idle timeout: a refresh token not used in time expires; used in time, the session goes on', async () => {
      const { pairs, clock } = setup({ idleTimeout: '10m' });
      const login = await pairs.issueTokenPair({ subject: user() });
      assert.equal(login.refreshExpiresAt, clock.t + 10 * MINUTE);
      clock.advance(9 * MINUTE);
      const next = await pairs.refreshTokens(login.refreshToken);
      clock.advance(10 * MINUTE);
      await rejectsWith(pairs.refreshTokens(next.refreshToken), 'ERR_TOKEN_EXPIRED');
    });

    it('logout by refresh token or by access token revokes the family; sessions list, revoke one, revoke all', async () => {
      const { pairs, clock } = setup();
      const subject = user();
      const a = await pairs.issueTokenPair({ subject, device: { id: 'phone', platform: 'ios' }, labels: { app: 'mobile' }, tags: ['beta'] });
      clock.advance(MINUTE);
      const b = await pairs.issueTokenPair({ subject, device: { id: 'laptop', userAgent: 'Firefox' } });
      clock.advance(MINUTE);
      const c = await pairs.issueTokenPair({ subject });
      clock.advance(1);
      const d = await pairs.issueTokenPair({ subject });
      clock.advance(MINUTE);
      const b2 = await pairs.refreshTokens(b.refreshToken);
      const sessions = await pairs.listSessions(subject);
      assert.deepEqual(sessions.map((s) => s.familyId), [a.familyId, b.familyId, c.familyId, d.familyId]);
      assert.deepEqual(sessions[0]?.device, { id: 'phone', platform: 'ios' });
      assert.deepEqual(sessions[0]?.labels, { app: 'mobile' });
      assert.deepEqual(sessions[0]?.tags, ['beta']);
      assert.equal(sessions[0]?.refreshCount, 0);
      assert.equal(sessions[0]?.lastRefreshedAt, undefined);
      assert.equal(sessions[1]?.refreshCount, 1);
      assert.equal(sessions[1]?.lastRefreshedAt, clock.t);
      assert.equal(sessions[1]?.issuedAt, clock.t - 2 * MINUTE - 1);

      assert.deepEqual(await pairs.logout(a.refreshToken), { familyId: a.familyId, revoked: 2 });
      assert.equal((await pairs.verifyAccessToken(a.accessToken)).valid, false);
      assert.deepEqual(await pairs.logout(b2.accessToken), { familyId: b.familyId, revoked: 3 });
      await rejectsWith(pairs.refreshTokens(b2.refreshToken), 'ERR_TOKEN_REVOKED');
      assert.deepEqual((await pairs.revokeSession(c.familyId, 'someone-else')).revoked, 0);
      assert.ok((await pairs.verifyAccessToken(c.accessToken)).valid);
      assert.deepEqual(await pairs.revokeSession(c.familyId, subject), { familyId: c.familyId, revoked: 2 });
      assert.deepEqual((await pairs.listSessions(subject)).map((s) => s.familyId), [d.familyId]);
      assert.deepEqual(await pairs.revokeAllSessions(subject), { revoked: 2 });
      assert.deepEqual(await pairs.listSessions(subject), []);
      for (const pair of [a, b, b2, c, d]) assert.equal((await pairs.verifyAccessToken(pair.accessToken)).valid, false);
    });

    it('maxUserSessions 3, reject: the 4th login is refused with the live count; rotation does not use a slot', async () => {
      const { pairs, events } = setup({ maxUserSessions: 3 });
      const limits: unknown[] = [];
      events.on('session.limit_exceeded', (e) => limits.push(e));
      const subject = user();
      const logins = [await pairs.issueTokenPair({ subject }), await pairs.issueTokenPair({ subject }), await pairs.issueTokenPair({ subject })];
      await pairs.refreshTokens(logins[0]!.refreshToken);
      const err = await rejectsWith(pairs.issueTokenPair({ subject }), 'ERR_MAX_SESSIONS_EXCEEDED');
      assert.equal((err as unknown as { live: number }).live, 3);
      assert.equal(limits.length, 1);
      assert.equal((await pairs.listSessions(subject)).length, 3);
      assert.equal(await store.count({ subject, kind: 'access' }), 4);
      await pairs.logout(logins[1]!.refreshToken);
      assert.ok((await pairs.issueTokenPair({ subject })).familyId);
    });

    it('maxUserSessions 2, evict-oldest: the least recently refreshed session is revoked with all its tokens', async () => {
      const { pairs, clock, events } = setup({ maxUserSessions: 2, sessionLimitPolicy: 'evict-oldest' });
      const evictions: Array<{ evicted: string[] }> = [];
      events.on('session.evicted', (e) => evictions.push(e));
      const subject = user();
      const first = await pairs.issueTokenPair({ subject });
      clock.advance(MINUTE);
      const second = await pairs.issueTokenPair({ subject });
      clock.advance(MINUTE);
      await pairs.refreshTokens(first.refreshToken);
      clock.advance(MINUTE);
      const third = await pairs.issueTokenPair({ subject });
      assert.deepEqual(evictions.map((e) => e.evicted), [[second.familyId]]);
      assert.equal((await pairs.verifyAccessToken(second.accessToken)).valid, false);
      await rejectsWith(pairs.refreshTokens(second.refreshToken), 'ERR_TOKEN_REVOKED');
      assert.deepEqual((await pairs.listSessions(subject)).map((s) => s.familyId), [first.familyId, third.familyId]);
    });

    it('malformed and forged refresh tokens are refused without a store call; unknown ones are not found', async () => {
      const { pairs } = setup();
      let calls = 0;
      const counting = new Proxy(store, { get: (t, p, r) => { const v = Reflect.get(t, p, r) as unknown; if (typeof v === 'function') { return (...args: unknown[]) => { calls++; return (v as (...a: unknown[]) => unknown).apply(t, args); }; } return v; } });
      const counted = new TokenPairIssuer({ jwt: JWTManager.withHMAC(hmac), store: counting, refreshTokenPrefix: 'cjrt', secret });
      const login = await pairs.issueTokenPair({ subject: user() });
      const typo = login.refreshToken.slice(0, 10) + (login.refreshToken[10] === 'a' ? 'b' : 'a') + login.refreshToken.slice(11);
      // Well formed with a valid checksum, but its HMAC is not under this server's secret.
      const forged = createOpaqueTokenFormat({ prefix: 'cjrt', secret: randomBytes(32) }).generate().token;
      const malformed = ['', 'cjrt_', 'rt_' + login.refreshToken.slice(5), login.refreshToken.slice(0, -1), login.refreshToken + 'a', typo, forged, 'x'.repeat(10_000)];
      for (const bad of malformed) {
        await rejectsWith(counted.refreshTokens(bad), 'ERR_TOKEN_MALFORMED');
        await rejectsWith(counted.logout(bad), 'ERR_TOKEN_MALFORMED');
      }
      await rejectsWith(counted.refreshTokens(42 as unknown as string), 'ERR_TOKEN_MALFORMED');
      assert.equal(calls, 0);
      // Without a secret only the shape and checksum are checked: an unknown token costs one lookup.
      const unsigned = new TokenPairIssuer({ jwt: JWTManager.withHMAC(hmac), store, refreshTokenPrefix: 'cjrt' });
      const unknown = createOpaqueTokenFormat({ prefix: 'cjrt' }).generate().token;
      await rejectsWith(unsigned.refreshTokens(unknown), 'ERR_TOKEN_NOT_FOUND');
      await rejectsWith(unsigned.logout(unknown), 'ERR_TOKEN_NOT_FOUND');
      const tampered = await pairs.verifyAccessToken(login.accessToken.slice(0, -2) + 'xx');
      assert.equal(tampered.valid, false);
    });

    it('a store failure is a StorageError, never a pair or a valid token', async () => {
      const { pairs, jwt } = setup();
      const login = await pairs.issueTokenPair({ subject: user() });
      const closed = await target.open();
      if (closed === store) return; // the memory backend has one store: closing it would end the suite
      await closed.close();
      const broken = new TokenPairIssuer({ jwt, store: closed, refreshTokenPrefix: 'cjrt', secret });
      await rejectsWith(broken.refreshTokens(login.refreshToken), 'ERR_STORAGE');
      await rejectsWith(broken.verifyAccessToken(login.accessToken), 'ERR_STORAGE');
      await rejectsWith(broken.issueTokenPair({ subject: user() }), 'ERR_STORAGE');
      assert.ok((await pairs.verifyAccessToken(login.accessToken)).valid);
    });

    it('events carry ids and hash prefixes only, never a token', () => {
      assert.ok(eventLog.length > 20);
      const text = JSON.stringify(eventLog);
      for (const pair of handedOut) {
        assert.ok(!text.includes(pair.refreshToken) && !text.includes(pair.accessToken));
        assert.ok(!text.includes(pair.refreshToken.slice(5, 20)));
      }
    });

    it(`a raw dump of the ${name} store holds no access or refresh token`, async () => {
      assert.ok(handedOut.length > 20);
      const dump = await target.dump();
      assert.ok(dump.length > 1000, 'the dump is not empty');
      for (const pair of handedOut) {
        assert.ok(dump.includes(pair.familyId), 'the dump does hold the family ids');
        assert.ok(!dump.includes(pair.refreshToken), 'a refresh token is in the dump');
        assert.ok(!dump.includes(pair.refreshToken.slice(5)), 'the random part of a refresh token is in the dump');
        assert.ok(!dump.includes(pair.accessToken), 'an access token is in the dump');
        assert.ok(!dump.includes(pair.accessToken.slice(pair.accessToken.lastIndexOf('.') + 1)), 'an access token signature is in the dump');
      }
    });
  });
}
