/**
 * The opaque-token flows on the in-memory store (the manager's default), and the manager's own
 * input checks: options, requests, close.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpaqueTokenManager, TokenEvents } from '../../src/opaque/index.js';
import { MemoryTokenStore } from '../../src/store/index.js';
import { runOpaqueScenarios } from './scenarios.js';

runOpaqueScenarios('memory', async () => ({ store: new MemoryTokenStore() }));

describe('OpaqueTokenManager options and requests', () => {
  it('refuses weak options with typed errors', () => {
    assert.throws(() => new OpaqueTokenManager({ length: 15 }), { code: 'ERR_KEY_WEAK' });
    assert.throws(() => new OpaqueTokenManager({ secret: 'too short' }), { code: 'ERR_KEY_WEAK' });
    assert.throws(() => new OpaqueTokenManager({ defaultTtl: 'soon' }), { code: 'ERR_STORE_INVALID_INPUT' });
    assert.throws(() => new OpaqueTokenManager({ defaultTtl: 0 }), { code: 'ERR_STORE_INVALID_INPUT' });
    assert.throws(() => OpaqueTokenManager.withStorage(new MemoryTokenStore(), 8, 'x_'), { code: 'ERR_KEY_WEAK' });
  });

  it('refuses bad requests before issuing anything', async () => {
    let clock = 1_800_000_000_000;
    const manager = new OpaqueTokenManager({ now: () => clock, defaultTtl: '2h' });
    const bad: unknown[] = [
      undefined, {}, { userId: '' }, { userId: 42 }, { userId: 'u', scope: 'read' }, { userId: 'u', ttl: -5 },
      { userId: 'u', ttl: '1 fortnight' }, { userId: 'u', expiresAt: new Date(clock - 1) }, { userId: 'u', expiresAt: 'tomorrow' },
      { userId: 'u', expiresAt: clock / 1000 + 60, ttl: 60 }, { userId: 'u', customData: [1] }, { userId: 'u', tags: [1] },
      { userId: 'u', labels: { a: 1 } },
    ];
    for (const request of bad) {
      await assert.rejects(manager.generateToken(request as never), { code: 'ERR_STORE_INVALID_INPUT' }, JSON.stringify(request));
    }
    assert.equal(await manager.countTokens(), 0);
    const byDefault = await manager.generateToken({ userId: 'u' });
    assert.equal(byDefault.expiresAt.getTime() - byDefault.issuedAt.getTime(), 2 * 3_600_000);
    assert.equal(byDefault.issuedAt.getTime(), clock);
    const bySeconds = await manager.generateToken({ userId: 'u', expiresAt: clock / 1000 + 90 });
    assert.equal(bySeconds.expiresAt.getTime(), clock + 90_000);
    assert.equal(byDefault.kind, 'opaque');
    clock += 2 * 3_600_000;
    const expired = await manager.validateToken(byDefault.token);
    assert.ok(!expired.valid);
    assert.equal(expired.error.code, 'ERR_TOKEN_EXPIRED');
    await manager.close();
  });

  it('requiredScopes that is not an array of strings is a typed error, not a TypeError', async () => {
    const manager = new OpaqueTokenManager();
    const { token } = await manager.generateToken({ userId: 'u', scope: ['read'] });
    for (const requiredScopes of ['read', [1], {}]) {
      await assert.rejects(manager.validateToken({ token, requiredScopes: requiredScopes as never }), { code: 'ERR_STORE_INVALID_INPUT' });
    }
    await manager.close();
  });

  it('close(): an owned store is closed, every call then rejects with StorageError; a given store stays open', async () => {
    const owned = new OpaqueTokenManager();
    const { token } = await owned.generateToken({ userId: 'u' });
    await owned.close();
    await owned.close();
    await assert.rejects(owned.validateToken(token), { code: 'ERR_STORAGE' });
    await assert.rejects(owned.generateToken({ userId: 'u' }), { code: 'ERR_STORAGE' });
    await assert.rejects(owned.store.count({}), { code: 'ERR_STORAGE' });

    const store = new MemoryTokenStore();
    const borrowed = new OpaqueTokenManager({ store });
    await borrowed.generateToken({ userId: 'u' });
    await borrowed.close();
    await assert.rejects(borrowed.listTokens(), { code: 'ERR_STORAGE' });
    assert.equal(await store.count({}), 1);
    await store.close();
  });

  it('events: a listener that throws changes nothing; payloads carry ids and hash prefixes only', async () => {
    const failures: string[] = [];
    const events = new TokenEvents((_err, name) => failures.push(name));
    const payloads: string[] = [];
    events.on('token.issued', () => { throw new Error('listener bug'); });
    events.on('token.rejected', (e) => payloads.push(JSON.stringify(e)));
    events.on('token.revoked', (e) => payloads.push(JSON.stringify(e)));
    const manager = new OpaqueTokenManager({ events });
    assert.equal(manager.events, events);
    const { token, id } = await manager.generateToken({ userId: 'u', clientId: 'c' });
    assert.deepEqual(failures, ['token.issued']);
    assert.ok((await manager.validateToken(token)).valid);
    await manager.revokeToken(token, 'logout');
    await manager.validateToken(token);
    await manager.validateToken(token.slice(0, -1));
    assert.equal(await manager.revokeAllUserTokens('u', 'password change'), 0);
    assert.equal(payloads.length, 4);
    for (const payload of payloads) assert.ok(!payload.includes(token) && !payload.includes(token.slice(5, -6)));
    const revoked = JSON.parse(payloads[0] as string) as Record<string, unknown>;
    assert.deepEqual({ ...revoked, time: 0 }, { time: 0, kind: 'opaque', tokenId: id, subject: 'u', clientId: 'c', reason: 'logout' });
    assert.equal((JSON.parse(payloads[2] as string) as { code: string }).code, 'ERR_TOKEN_MALFORMED');
    assert.deepEqual({ ...(JSON.parse(payloads[3] as string) as object), time: 0 }, { time: 0, subject: 'u', reason: 'password change', count: 0 });
    await manager.close();
  });
});
