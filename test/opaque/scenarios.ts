/**
 * The opaque-token flows every backend runs: seed 000's quick start, seed 003's distributed flow
 * (device, labels, tags; retrieve; validate; list by filter; revoke with a reason; refused with
 * the reason visible), the error codes, revoke-all, paging and cleanup. Each flow gets a store of
 * its own; after it, a dump of that store (when the backend has one) must hold no issued token
 * but must hold the last token's SHA-256 (so the dump demonstrably covers the records), and no event
 * may carry a token.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { OpaqueTokenManager, createOpaqueTokenFormat } from '../../src/opaque/index.js';
import type { OpaqueTokenManagerOptions } from '../../src/opaque/index.js';
import { TokenEvents } from '../../src/lifecycle/events.js';
import type { TokenStore } from '../../src/store/index.js';

/** A fresh store of one backend, and how to read everything it holds as text. */
export interface ScenarioStore {
  store: TokenStore;
  /** Every key, value, row or file byte the store holds, as text; absent for the memory store. */
  dump?: () => Promise<string>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One flow's manager, with a clock the flow moves and everything it saw. */
interface Harness {
  manager: OpaqueTokenManager;
  issued: string[];
  events: unknown[];
  advance(ms: number): void;
}

/**
 * Registers the opaque-token suite for one backend. `open` is called once per flow and must give
 * a store no other flow shares.
 */
export function runOpaqueScenarios(backend: string, open: () => Promise<ScenarioStore>): void {
  describe(`OpaqueTokenManager on ${backend}`, () => {
    const opened: ScenarioStore[] = [];
    after(async () => {
      for (const { store } of opened) await store.close().catch(() => {});
    });

    async function withHarness(flow: (h: Harness) => Promise<void>, options: OpaqueTokenManagerOptions = {}): Promise<void> {
      const scenario = await open();
      opened.push(scenario);
      let clock = Date.now();
      const events = new TokenEvents();
      const seen: unknown[] = [];
      for (const name of ['token.issued', 'token.validated', 'token.rejected', 'token.revoked'] as const) {
        events.on(name, (event) => { seen.push({ name, ...event }); });
      }
      const manager = new OpaqueTokenManager({ ...options, store: scenario.store, events, now: () => clock });
      const issued: string[] = [];
      const generate = manager.generateToken.bind(manager);
      manager.generateToken = async (request) => {
        const response = await generate(request);
        issued.push(response.token);
        return response;
      };
      await flow({ manager, issued, events: seen, advance: (ms) => { clock += ms; } });

      assert.ok(issued.length > 0);
      const eventText = JSON.stringify(seen);
      for (const token of issued) assert.ok(!eventText.includes(token), 'an event carries an issued token');
      if (scenario.dump !== undefined) {
        const dump = await scenario.dump();
        const format = createOpaqueTokenFormat();
        for (const token of issued) {
          assert.ok(!dump.includes(token), `the ${backend} dump holds an issued token`);
          // Also no token without its prefix or checksum: the random part itself is absent.
          assert.ok(!dump.includes(token.slice(token.indexOf('_') + 1, -6)), `the ${backend} dump holds a token's random part`);
        }
        assert.ok(dump.includes(format.hash(issued[issued.length - 1] as string)), `the ${backend} dump does not show the stored hashes`);
      }
    }

    it("seed 000's quick start: generate, validate, revoke, refused", () => withHarness(async ({ manager, events }) => {
      const response = await manager.generateToken({
        userId: 'user123', clientId: 'client456', scope: ['read', 'write'],
        expiresAt: new Date(Date.now() + DAY), customData: { role: 'admin' },
      });
      assert.match(response.token, /^cjwt_[0-9A-Za-z]{49}$/);
      assert.equal(response.userId, 'user123');
      assert.equal(response.clientId, 'client456');
      assert.deepEqual(response.scope, ['read', 'write']);
      assert.ok(response.expiresAt.getTime() > response.issuedAt.getTime());
      // The store holds the record under the token's SHA-256 (base64url) and nothing of the token.
      const stored = await manager.store.getByHash(createHash('sha256').update(response.token).digest('base64url'));
      assert.equal(stored?.id, response.id);
      assert.equal(stored?.hash, createHash('sha256').update(response.token).digest('base64url'));
      assert.ok(!JSON.stringify(stored).includes(response.token.slice(5, -6)));

      const result = await manager.validateToken({ token: response.token });
      assert.equal(result.valid, true);
      assert.ok(result.valid);
      assert.equal(result.tokenInfo.userId, 'user123');
      assert.equal(result.tokenInfo.id, response.id);
      assert.equal(result.tokenInfo.status, 'active');
      assert.deepEqual(result.tokenInfo.customData, { role: 'admin' });
      assert.deepEqual(result.tokenInfo.scope, ['read', 'write']);

      const revoked = await manager.revokeToken({ token: response.token });
      assert.equal(revoked.success, true);
      const after = await manager.validateToken(response.token);
      assert.equal(after.valid, false);
      assert.ok(!after.valid);
      assert.equal(after.error.code, 'ERR_TOKEN_REVOKED');

      assert.deepEqual(events.map((e) => (e as { name: string }).name), ['token.issued', 'token.validated', 'token.revoked', 'token.rejected']);
      assert.equal((events[3] as { code: string; tokenId: string }).code, 'ERR_TOKEN_REVOKED');
      assert.equal((events[3] as { tokenId: string }).tokenId, response.id);
    }));

    it("seed 003's flow: device, labels, tags; retrieve; validate; list; revoke with a reason", () => withHarness(async ({ manager }) => {
      const device = { id: 'device123', userAgent: 'ExampleApp/1.0', platform: 'iOS' };
      const created = await manager.generateToken({
        userId: 'user123', kind: 'access', scope: ['read'], ttl: '1h', device,
        labels: { environment: 'production' }, tags: ['mobile'],
      });
      // Decoys that each miss one condition of the filter below.
      await manager.generateToken({ userId: 'user123', kind: 'access', ttl: '1h', labels: { environment: 'staging' }, tags: ['mobile'] });
      await manager.generateToken({ userId: 'user123', kind: 'access', ttl: '1h', labels: { environment: 'production' }, tags: ['web'] });
      await manager.generateToken({ userId: 'user123', kind: 'opaque', ttl: '1h', labels: { environment: 'production' }, tags: ['mobile'] });
      await manager.generateToken({ userId: 'user999', kind: 'access', ttl: '1h', labels: { environment: 'production' }, tags: ['mobile'] });

      const byId = await manager.getTokenInfo({ id: created.id });
      const byToken = await manager.getTokenInfo(created.token);
      assert.deepEqual(byToken, byId);
      assert.equal(byId?.userId, 'user123');
      assert.deepEqual(byId?.device, device);
      assert.deepEqual(byId?.labels, { environment: 'production' });
      assert.deepEqual(byId?.tags, ['mobile']);

      const valid = await manager.validateToken({ token: created.token, requiredScopes: ['read'] });
      assert.ok(valid.valid);
      assert.deepEqual(valid.tokenInfo.device, device);

      const filter = { kind: 'access', userId: 'user123', tags: ['mobile'], labels: { environment: 'production' } };
      const listed = await manager.listTokens(filter, { limit: 10 });
      assert.deepEqual(listed.tokens.map((t) => t.id), [created.id]);
      assert.equal(listed.nextCursor, undefined);
      assert.equal(await manager.countTokens(filter), 1);
      assert.deepEqual((await manager.listTokens({ deviceId: 'device123' })).tokens.map((t) => t.id), [created.id]);

      const revoked = await manager.revokeToken({ id: created.id }, 'user logout');
      assert.ok(revoked.success);
      assert.equal(revoked.id, created.id);

      const info = await manager.getTokenInfo({ id: created.id });
      assert.equal(info?.status, 'revoked');
      assert.equal(info?.revokedReason, 'user logout');
      assert.equal(info?.revokedAt?.getTime(), revoked.revokedAt.getTime());

      const refused = await manager.validateToken(created.token);
      assert.ok(!refused.valid);
      assert.equal(refused.error.code, 'ERR_TOKEN_REVOKED');
      assert.equal(refused.tokenInfo?.revokedReason, 'user logout');
      assert.equal(await manager.countTokens({ ...filter, status: 'active' }), 0);
      assert.equal(await manager.countTokens({ ...filter, status: 'revoked' }), 1);

      const again = await manager.revokeToken(created.token, 'again');
      assert.ok(!again.success);
      assert.equal(again.error.code, 'ERR_TOKEN_ALREADY_REVOKED');
      assert.equal(again.revokedAt?.getTime(), revoked.revokedAt.getTime());
    }));

    it('error codes: malformed, not found, expired, insufficient scope', () => withHarness(async ({ manager, advance, events }) => {
      const { token } = await manager.generateToken({ userId: 'u1', scope: ['read'], ttl: 60 });

      const scope = await manager.validateToken({ token, requiredScopes: ['read', 'admin'] });
      assert.ok(!scope.valid);
      assert.equal(scope.error.code, 'ERR_INSUFFICIENT_SCOPE');
      assert.equal(scope.tokenInfo?.userId, 'u1');
      assert.ok((await manager.validateToken({ token, requiredScopes: ['read'] })).valid);
      assert.ok((await manager.validateToken({ token, requiredScopes: [] })).valid);

      const typo = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
      const malformed = await manager.validateToken(typo);
      assert.ok(!malformed.valid);
      assert.equal(malformed.error.code, 'ERR_TOKEN_MALFORMED');
      assert.equal(malformed.tokenInfo, undefined);

      // Well formed (right prefix, length and checksum) but never issued.
      const stranger = createOpaqueTokenFormat().generate().token;
      const unknown = await manager.validateToken(stranger);
      assert.ok(!unknown.valid);
      assert.equal(unknown.error.code, 'ERR_TOKEN_NOT_FOUND');

      advance(61_000);
      const expired = await manager.validateToken(token);
      assert.ok(!expired.valid);
      assert.equal(expired.error.code, 'ERR_TOKEN_EXPIRED');
      assert.equal(expired.tokenInfo?.status, 'expired');
      assert.equal(await manager.countTokens({ userId: 'u1', status: 'expired' }), 1);

      const codes = events.filter((e) => (e as { name: string }).name === 'token.rejected').map((e) => (e as { code: string }).code);
      assert.deepEqual(codes, ['ERR_INSUFFICIENT_SCOPE', 'ERR_TOKEN_MALFORMED', 'ERR_TOKEN_NOT_FOUND', 'ERR_TOKEN_EXPIRED']);
      const notFound = events.find((e) => (e as { code?: string }).code === 'ERR_TOKEN_NOT_FOUND') as { hashPrefix?: string };
      assert.equal(notFound.hashPrefix, createOpaqueTokenFormat().hash(stranger).slice(0, 8));
    }));

    it('revokeAllUserTokens logs a user out everywhere, and no one else', () => withHarness(async ({ manager }) => {
      const mine = await Promise.all(['phone', 'laptop', 'tablet'].map((id) => manager.generateToken({ userId: 'alice', device: { id } })));
      const theirs = await manager.generateToken({ userId: 'bob' });
      assert.equal(await manager.countTokens({ userId: 'alice', status: 'active' }), 3);
      assert.equal(await manager.revokeAllUserTokens('alice'), 3);
      for (const { token } of mine) {
        const result = await manager.validateToken(token);
        assert.ok(!result.valid);
        assert.equal(result.error.code, 'ERR_TOKEN_REVOKED');
        assert.equal(result.tokenInfo?.revokedReason, 'revoke_all');
      }
      assert.equal(await manager.countTokens({ userId: 'alice', status: 'active' }), 0);
      assert.equal(await manager.countTokens({ userId: 'alice', status: 'revoked' }), 3);
      assert.ok((await manager.validateToken(theirs.token)).valid);
      assert.equal(await manager.revokeAllUserTokens('alice'), 0);
    }));

    it('listTokens pages in issue order; cleanupExpiredTokens removes what expired past retention', () => withHarness(async ({ manager, advance }) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await manager.generateToken({ userId: 'pager', clientId: 'c1', ttl: '1h' })).id);
        advance(1);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await manager.listTokens({ userId: 'pager', clientId: 'c1' }, { limit: 2, ...(cursor === undefined ? {} : { cursor }) });
        assert.ok(page.tokens.length <= 2);
        seen.push(...page.tokens.map((t) => t.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined);
      assert.deepEqual(seen, ids);
      assert.equal(pages, 3);
      await assert.rejects(manager.listTokens({}, { limit: 0 }), { code: 'ERR_STORE_INVALID_INPUT' });

      advance(30 * DAY);
      assert.ok(await manager.cleanupExpiredTokens() >= 5);
      assert.equal(await manager.getTokenInfo({ id: ids[0] as string }), undefined);
      assert.equal(await manager.countTokens({ userId: 'pager' }), 0);
      // A live record for the dump check to find.
      assert.ok((await manager.validateToken((await manager.generateToken({ userId: 'after-cleanup' })).token)).valid);
    }));

    it('a manager with a secret refuses tokens of another secret as malformed; withStorage keeps length and prefix', () => withHarness(async ({ manager, issued: tracked }) => {
      const other = new OpaqueTokenManager({ store: manager.store, secret: 'another secret, at least 32 bytes long!!' });
      const foreign = await other.generateToken({ userId: 'eve' });
      tracked.push(foreign.token);
      const refused = await manager.validateToken(foreign.token);
      assert.ok(!refused.valid);
      assert.equal(refused.error.code, 'ERR_TOKEN_MALFORMED');
      assert.ok((await other.validateToken(foreign.token)).valid);

      const seeded = OpaqueTokenManager.withStorage(manager.store, 48, 'pg_');
      const issued = await seeded.generateToken({ userId: 'u' });
      tracked.push(issued.token);
      assert.match(issued.token, /^pg_[0-9A-Za-z]{71}$/);
      assert.ok((await seeded.validateToken(issued.token)).valid);
      await seeded.close();
      await assert.rejects(seeded.validateToken(issued.token), { code: 'ERR_STORAGE' });
      // close() of a manager given a store leaves the store open for its owner.
      assert.equal(await manager.store.count({ subject: 'u' }), 1);
    }, { secret: 'the secret of this flow, 32 bytes or more' }));
  });
}
