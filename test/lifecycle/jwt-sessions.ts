/**
 * JWTManager with a store, the same flows on every backend: seed 001's session example, revocation
 * by jti, evict-oldest, atomic refresh, events, the claims cache with revocation, and "the store
 * holds no token". Each backend's jwt-sessions-<backend>.test.ts calls {@link runJwtSessionSuite}.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MaxSessionsExceeded, generateSecret, type CjwtError } from '../../src/jose/index.js';
import { JWTManager, type JWTManagerConfig } from '../../src/jwt/index.js';
import { TokenEvents, type TokenEventMap, type TokenEventName } from '../../src/lifecycle/index.js';
import type { TokenStore } from '../../src/store/index.js';

/** Registers the suite for the store `open` returns (closed after the suite). */
export function runJwtSessionSuite(name: string, open: (() => Promise<TokenStore>) | undefined): void {
  describe(`JWTManager with a store: ${name}`, { timeout: 60_000 }, () => {
    let store: TokenStore;
    const secret = generateSecret('HS256');
    const prefix = `u${randomBytes(5).toString('hex')}`;
    const manager = (config: JWTManagerConfig = {}): JWTManager => JWTManager.withHMAC(secret, { issuer: 'https://auth.example', keyId: 'k1', store, ...config });

    before(async () => {
      assert.ok(open, `no store for ${name}: is its test server running?`);
      store = await open();
    });
    after(async () => {
      await store?.close();
    });

    it("seed 001's session example: max 3, the 4th login refused, revoke-all, every token refused, count 0", async () => {
      const provider = manager({ trackUserTokens: true, maxUserSessions: 3 });
      const userId = `${prefix}-user123`;
      const tokens: string[] = [];
      const counts: number[] = [];
      let refused: unknown;
      for (let i = 1; i <= 4; i++) {
        try {
          const { token } = await provider.generateToken({
            subject: userId, customClaims: { data: { session_id: `session_${i}` } }, device: { id: `dev-${i}`, userAgent: 'ExampleApp/1.0', platform: 'iOS' },
          });
          tokens.push(token);
          counts.push(await provider.getUserSessionCount(userId));
        } catch (err) {
          refused = err;
        }
      }
      assert.deepEqual(counts, [1, 2, 3]);
      assert.ok(refused instanceof MaxSessionsExceeded);
      assert.equal(refused.code, 'ERR_MAX_SESSIONS_EXCEEDED');
      assert.equal(refused.live, 3);
      assert.equal(refused.max, 3);
      for (const token of tokens) assert.equal((await provider.verifyToken(token)).valid, true);

      const active = await provider.getActiveUserTokens(userId);
      assert.deepEqual(active.map((r) => r.device?.id), ['dev-1', 'dev-2', 'dev-3']);
      assert.ok(active.every((r) => r.kind === 'access' && r.subject === userId && r.hash === undefined && r.device?.platform === 'iOS'));

      assert.equal(await provider.revokeAllUserTokens(userId), 3);
      for (const token of tokens) {
        const result = await provider.verifyToken(token);
        assert.equal(result.valid, false);
        assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
      }
      assert.equal(await provider.getUserSessionCount(userId), 0);
      assert.deepEqual(await provider.getActiveUserTokens(userId), []);
      // A slot is free again: the next login is accepted.
      const next = await provider.generateToken({ subject: userId });
      assert.equal((await provider.verifyToken(next.token)).valid, true);
    });

    it('revokeToken, revokeTokenById, isTokenRevoked; twice is ERR_TOKEN_ALREADY_REVOKED; untracked tokens too', async () => {
      for (const trackUserTokens of [true, false]) {
        const m = manager({ trackUserTokens });
        const subject = `${prefix}-rev-${String(trackUserTokens)}`;
        const a = await m.generateToken({ subject });
        const b = await m.generateToken({ subject });
        assert.equal(await m.isTokenRevoked(a.jwtId), false);
        await m.revokeToken(a.token, 'logout');
        assert.equal(await m.isTokenRevoked(a.jwtId), true);
        const refused = await m.verifyToken(a.token);
        assert.equal(!refused.valid && refused.error.code, 'ERR_TOKEN_REVOKED');
        await assert.rejects(m.revokeToken(a.token), { code: 'ERR_TOKEN_ALREADY_REVOKED' });
        await m.revokeTokenById(b.jwtId, b.expiresAt);
        await assert.rejects(m.revokeTokenById(b.jwtId, b.expiresAt), { code: 'ERR_TOKEN_ALREADY_REVOKED' });
        assert.equal((await m.verifyToken(b.token)).valid, false);
        const record = await store.get(a.jwtId);
        assert.equal(record?.revokedReason, 'logout');
        assert.equal(record?.subject, subject);
      }
      // A forged token cannot revoke anything.
      const m = manager();
      const victim = await m.generateToken({ subject: `${prefix}-victim` });
      const forger = JWTManager.withHMAC(generateSecret('HS256'), { issuer: 'https://auth.example', keyId: 'k1' });
      const forged = await forger.generateToken({ subject: `${prefix}-victim`, jwtId: victim.jwtId });
      await assert.rejects(m.revokeToken(forged.token), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
      assert.equal(await m.isTokenRevoked(victim.jwtId), false);
    });

    it('evict-oldest: the oldest session is revoked to admit the new one; events say so', async () => {
      const events = new TokenEvents();
      const seen: Array<[TokenEventName, unknown]> = [];
      for (const name of ['token.issued', 'token.revoked', 'session.evicted', 'session.limit_exceeded', 'token.rejected'] as const) {
        events.on(name, (e) => seen.push([name, e]));
      }
      const m = manager({ maxUserSessions: 2, sessionLimitPolicy: 'evict-oldest', events });
      assert.equal(m.events, events);
      const subject = `${prefix}-evict`;
      const first = await m.generateToken({ subject });
      const second = await m.generateToken({ subject });
      const third = await m.generateToken({ subject });
      assert.equal(await m.getUserSessionCount(subject), 2);
      const refused = await m.verifyToken(first.token);
      assert.equal(!refused.valid && refused.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal((await m.verifyToken(second.token)).valid, true);
      assert.equal((await m.verifyToken(third.token)).valid, true);
      assert.equal((await store.get(first.jwtId))?.revokedReason, 'session_limit');
      const evicted = seen.find(([n]) => n === 'session.evicted')?.[1] as TokenEventMap['session.evicted'];
      assert.deepEqual(evicted.evicted, [first.jwtId]);
      assert.equal(evicted.tokenId, third.jwtId);
      const rejected = seen.find(([n]) => n === 'token.rejected')?.[1] as TokenEventMap['token.rejected'];
      assert.deepEqual({ ...rejected, time: 0 }, { time: 0, kind: 'access', code: 'ERR_TOKEN_REVOKED', tokenId: first.jwtId, subject });
      assert.equal(seen.filter(([n]) => n === 'token.issued').length, 3);
      // No event carries a token.
      const text = JSON.stringify(seen);
      for (const t of [first, second, third]) assert.ok(!text.includes(t.token) && !text.includes(t.token.split('.')[2]!));
      const audit = m.getAuditLogs({ action: 'revoke' });
      assert.deepEqual(audit.map((e) => [e.jti, e.reason]), [[first.jwtId, 'session_limit']]);
    });

    it('refresh revokes the old token atomically: a second refresh is ERR_TOKEN_REVOKED; device facts carry over', async () => {
      const m = manager({ trackUserTokens: true });
      const subject = `${prefix}-refresh`;
      const original = await m.generateToken({ subject, customClaims: { role: 'admin' }, device: { id: 'laptop', ip: '192.0.2.7' } });
      const [one, two] = await Promise.allSettled([m.refresh(original.token), m.refresh(original.token)]);
      const wins = [one, two].filter((r) => r.status === 'fulfilled');
      const losses = [one, two].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(wins.length, 1);
      assert.equal(losses.length, 1);
      assert.equal((losses[0]!.reason as CjwtError).code, 'ERR_TOKEN_REVOKED');
      const fresh = (wins[0] as PromiseFulfilledResult<Awaited<ReturnType<JWTManager['refresh']>>>).value;
      const verified = await m.verifyToken(fresh.token);
      assert.ok(verified.valid);
      assert.equal(verified.customClaims.role, 'admin');
      assert.equal((await m.verifyToken(original.token)).valid, false);
      await assert.rejects(m.refresh(original.token), { code: 'ERR_TOKEN_REVOKED' });
      const sessions = await m.getActiveUserTokens(subject);
      assert.deepEqual(sessions.map((r) => [r.id, r.device]), [[fresh.jwtId, { id: 'laptop', ip: '192.0.2.7' }]]);
    });

    it('claims cache: a cached token revoked later is refused on its next (cached) verification', async () => {
      const m = manager({ trackUserTokens: true, claimsCache: true });
      const { token, jwtId } = await m.generateToken({ subject: `${prefix}-cache` });
      assert.equal((await m.verifyToken(token)).valid, true);
      assert.equal((await m.verifyToken(token)).valid, true);
      assert.equal(m.claimsCache?.stats().hits, 1);
      // Revoked through another manager (another server) sharing the store.
      await manager().revokeTokenById(jwtId);
      const result = await m.verifyToken(token);
      assert.equal(!result.valid && result.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal(m.claimsCache?.stats().hits, 2);
    });

    it('the store holds ids, never a token', async () => {
      const m = manager({ trackUserTokens: true });
      const subject = `${prefix}-dump`;
      const issued = await Promise.all([1, 2, 3].map(() => m.generateToken({ subject, device: { id: 'd' } })));
      await m.revokeToken(issued[0]!.token);
      const { records } = await store.list({ subject });
      assert.equal(records.length, 3);
      const dump = JSON.stringify(records);
      for (const { token } of issued) {
        for (const part of token.split('.')) assert.ok(!dump.includes(part), 'a token segment is in the store');
      }
    });

    it('without tracking, session queries refuse with ERR_NO_REVOCATION_STORE rather than answer 0', async () => {
      const m = manager();
      await assert.rejects(m.getUserSessionCount('anyone'), { code: 'ERR_NO_REVOCATION_STORE' });
      await assert.rejects(m.revokeAllUserTokens('anyone'), { code: 'ERR_NO_REVOCATION_STORE' });
      assert.throws(() => m.verifyTokenSync('x.y.z'), { code: 'ERR_JOSE_NOT_SUPPORTED' });
    });
  });
}
