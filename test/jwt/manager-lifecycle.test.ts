/**
 * JWTManager's lifecycle options without a database: configuration errors, events on the
 * stateless path, shared emitters, the audit subscription, the claims cache on nested JWE, and
 * a store that fails (StorageError, never valid).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError, generateKeyPair, generateSecret } from '../../src/jose/index.js';
import { JWTManager, type VerifyTokenResult } from '../../src/jwt/index.js';
import { AuditLog, ClaimsCache, TokenEvents, subscribeAuditLog, type TokenEventName } from '../../src/lifecycle/index.js';
import { MemoryTokenStore } from '../../src/store/index.js';

const SECRET = generateSecret('HS256');
const SIGNING = generateKeyPair('ES256');
const ENCRYPTION = generateKeyPair('P-256');

function codeOf(result: VerifyTokenResult): string | undefined {
  return result.valid ? undefined : result.error.code;
}

function record(events: TokenEvents): Array<{ name: TokenEventName; event: Record<string, unknown> }> {
  const seen: Array<{ name: TokenEventName; event: Record<string, unknown> }> = [];
  for (const name of ['token.issued', 'token.validated', 'token.rejected', 'token.revoked', 'token.refreshed', 'session.evicted', 'session.limit_exceeded'] as const) {
    events.on(name, (event) => seen.push({ name, event: { ...event } }));
  }
  return seen;
}

describe('JWTManager lifecycle configuration', () => {
  it('tracking and limits need a store; stateful calls without one are ERR_NO_REVOCATION_STORE', async () => {
    assert.throws(() => JWTManager.withHMAC(SECRET, { trackUserTokens: true }), { code: 'ERR_NO_REVOCATION_STORE' });
    assert.throws(() => JWTManager.withHMAC(SECRET, { maxUserSessions: 3 }), { code: 'ERR_NO_REVOCATION_STORE' });
    assert.throws(() => JWTManager.withHMAC(SECRET, { store: new MemoryTokenStore(), maxUserSessions: -1 }), RangeError);
    assert.throws(() => JWTManager.withHMAC(SECRET, { store: new MemoryTokenStore(), sessionLimitPolicy: 'drop' as never }), RangeError);
    const m = JWTManager.withHMAC(SECRET);
    const { token, jwtId } = await m.generateToken({ subject: 'u' });
    await assert.rejects(m.revokeToken(token), { code: 'ERR_NO_REVOCATION_STORE' });
    await assert.rejects(m.revokeTokenById(jwtId), { code: 'ERR_NO_REVOCATION_STORE' });
    await assert.rejects(m.isTokenRevoked(jwtId), { code: 'ERR_NO_REVOCATION_STORE' });
    await assert.rejects(m.getActiveUserTokens('u'), { code: 'ERR_NO_REVOCATION_STORE' });
  });

  it('a tracked token needs a subject; a store refuses tokens without jti', async () => {
    const store = new MemoryTokenStore();
    const m = JWTManager.withHMAC(SECRET, { store, trackUserTokens: true, keyId: 'k' });
    await assert.rejects(m.generateToken({}), { code: 'ERR_JWT_INVALID' });
    const plain = JWTManager.withHMAC(SECRET, { keyId: 'k' });
    const noJti = plain.keyRing.sign({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 60 }, { typ: 'JWT' });
    assert.equal((await plain.verifyToken(noJti)).valid, true);
    assert.equal(codeOf(await m.verifyToken(noJti)), 'ERR_JWT_CLAIM_VALIDATION_FAILED');
  });
});

describe('JWTManager events', () => {
  it('the stateless path emits issued, validated and rejected (a hash prefix, never the token)', async () => {
    const m = JWTManager.withHMAC(SECRET);
    const seen = record(m.events);
    const { token, jwtId } = await m.generateToken({ subject: 'alice' });
    assert.equal((await m.verifyToken(token)).valid, true);
    const forged = `${token.slice(0, -2)}AA`;
    assert.equal(codeOf(m.verifyTokenSync(forged)), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    assert.deepEqual(seen.map((s) => s.name), ['token.issued', 'token.validated', 'token.rejected']);
    assert.deepEqual({ ...seen[1]!.event, time: 0 }, { time: 0, kind: 'access', tokenId: jwtId, subject: 'alice' });
    const rejected = seen[2]!.event;
    assert.equal(rejected.code, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    assert.equal(typeof rejected.hashPrefix, 'string');
    assert.equal((rejected.hashPrefix as string).length, 8);
    assert.equal(rejected.tokenId, undefined);
    const text = JSON.stringify(seen);
    for (const part of forged.split('.')) assert.ok(!text.includes(part));
  });

  it('managers given one emitter share it; the audit log subscribes to it', async () => {
    const events = new TokenEvents();
    const audit = new AuditLog();
    const unsubscribe = subscribeAuditLog(events, audit);
    const store = new MemoryTokenStore();
    const a = JWTManager.withHMAC(SECRET, { events, store, keyId: 'k', maxUserSessions: 1 });
    const b = JWTManager.withHMAC(SECRET, { events, store, keyId: 'k', maxUserSessions: 1 });
    assert.equal(a.events, b.events);
    const first = await a.generateToken({ subject: 'bob' });
    await assert.rejects(b.generateToken({ subject: 'bob' }), { code: 'ERR_MAX_SESSIONS_EXCEEDED', live: 1, max: 1 });
    await b.revokeToken(first.token, 'logout');
    assert.equal(codeOf(await a.verifyToken(first.token)), 'ERR_TOKEN_REVOKED');
    const refreshed = await b.generateToken({ subject: 'bob' });
    await a.refresh(refreshed.token);
    assert.deepEqual(audit.entries().map((e) => [e.action, e.outcome, e.reason]), [
      ['generate', 'success', undefined],
      ['session_limit', 'failure', 'ERR_MAX_SESSIONS_EXCEEDED'],
      ['revoke', 'success', 'logout'],
      ['verify', 'failure', 'ERR_TOKEN_REVOKED'],
      ['generate', 'success', undefined],
      ['verify', 'success', undefined],
      ['revoke', 'success', 'refreshed'],
      ['generate', 'success', undefined],
      ['refresh', 'success', undefined],
    ]);
    assert.ok(audit.entries().every((e) => e.subject === 'bob'));
    unsubscribe();
    await a.generateToken({ subject: 'carol' });
    assert.equal(audit.size, 9);
  });

  it('a throwing listener changes nothing', async () => {
    const errors: unknown[] = [];
    const events = new TokenEvents((err) => errors.push(err));
    events.on('token.validated', () => { throw new Error('listener bug'); });
    const m = JWTManager.withHMAC(SECRET, { events });
    const { token } = await m.generateToken({ subject: 'x' });
    assert.equal((await m.verifyToken(token)).valid, true);
    assert.equal(errors.length, 1);
  });
});

describe('JWTManager claims cache', () => {
  const nested = (config: Parameters<typeof JWTManager.withECDSA>[1] = {}): JWTManager => JWTManager.withECDSA(SIGNING.privateKey, {
    issuer: 'https://auth.example', encryption: { key: ENCRYPTION.publicKey, decryptionKey: ENCRYPTION.privateKey }, ...config,
  });

  it('nested JWE: the second verification is a cache hit with the same claims; a tampered token is not', async () => {
    const m = nested({ claimsCache: { max: 100 } });
    const { token } = await m.generateToken({ subject: 'alice', customClaims: { role: 'admin' } });
    const first = await m.verifyToken(token);
    const second = m.verifyTokenSync(token);
    assert.ok(first.valid && second.valid);
    assert.deepEqual(second.claims, first.claims);
    assert.equal(second.customClaims.role, 'admin');
    assert.deepEqual(m.claimsCache?.stats(), { hits: 1, misses: 1, size: 1 });
    const parts = token.split('.');
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    assert.equal(codeOf(await m.verifyToken(parts.join('.'))), 'ERR_JWE_DECRYPTION_FAILED');
    assert.equal(m.claimsCache?.stats().size, 1);
  });

  it('never serves a token past its exp', async () => {
    let now = Date.UTC(2030, 0, 1);
    const m = nested({ claimsCache: true, now: () => now, defaultTtl: 60 });
    const { token } = await m.generateToken({ subject: 'alice' });
    assert.equal((await m.verifyToken(token)).valid, true);
    now += 59_000;
    assert.equal((await m.verifyToken(token)).valid, true);
    now += 1_000;
    assert.equal(codeOf(await m.verifyToken(token)), 'ERR_JWT_EXPIRED');
    assert.equal(m.claimsCache?.stats().hits, 1);
  });

  it('a cache shared by two managers never hands one manager the other\'s verdict', async () => {
    const cache = new ClaimsCache();
    const a = JWTManager.withHMAC(SECRET, { claimsCache: cache, keyId: 'k' });
    const b = JWTManager.withHMAC(generateSecret('HS256'), { claimsCache: cache, keyId: 'k' });
    const { token } = await a.generateToken({ subject: 'alice' });
    assert.equal((await a.verifyToken(token)).valid, true);
    assert.equal(codeOf(await b.verifyToken(token)), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  });
});

describe('JWTManager with a failing store', () => {
  it('verifyToken rejects with StorageError (never valid); generateToken hands out nothing', async () => {
    const store = new MemoryTokenStore();
    const m = JWTManager.withHMAC(SECRET, { store, trackUserTokens: true, claimsCache: true });
    const { token } = await m.generateToken({ subject: 'alice' });
    assert.equal((await m.verifyToken(token)).valid, true);
    await store.close();
    await assert.rejects(m.verifyToken(token), StorageError);
    await assert.rejects(m.generateToken({ subject: 'alice' }), StorageError);
    await assert.rejects(m.refresh(token), StorageError);
    const metrics = m.getMetrics();
    assert.equal(metrics.failuresByReason.ERR_STORAGE, 2);
    assert.equal(metrics.generated, 1);
  });
});
