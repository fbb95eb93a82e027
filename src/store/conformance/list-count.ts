/** Conformance: list and count. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { TokenRecord, TokenStore } from '../types.js';
import { HOUR, type ConformanceContext } from './context.js';

/** Registers the 'list and count' conformance tests. */
export function listAndCountTests(ctx: ConformanceContext): void {
  const { P, T0, make, ids } = ctx;
  describe('list and count', () => {
    const subject = `${P}-filters`;
    const client = { a: `${P}-client-a`, b: `${P}-client-b` };
    const family = `${P}-family-1`;
    const tag = { one: `${P}-t1`, two: `${P}-t2` };
    const label = `${P}-label`;
    const device = { one: `${P}-dev-1`, two: `${P}-dev-2` };
    const recs: Record<string, TokenRecord> = {};
    before(async () => {
      recs.a = make({ subject, id: `${P}-f-a`, kind: 'access', clientId: client.a, familyId: family, tags: [tag.one, tag.two],
        labels: { [label]: 'prod', region: 'eu' }, device: { id: device.one }, issuedAt: T0 - 5000 });
      recs.b = make({ subject, id: `${P}-f-b`, kind: 'refresh', clientId: client.b, familyId: family, tags: [tag.one],
        labels: { [label]: 'dev' }, device: { id: device.two }, issuedAt: T0 - 4000 });
      recs.c = make({ subject, id: `${P}-f-c`, kind: 'access', clientId: client.a, issuedAt: T0 - 3000 });
      recs.d = make({ subject, id: `${P}-f-d`, kind: 'opaque', clientId: client.b, issuedAt: T0 - 2000, expiresAt: T0 - 1000 });
      recs.e = make({ subject, id: `${P}-f-e`, kind: 'opaque', tags: [tag.two], issuedAt: T0 - 1000, expiresAt: T0 - 500 });
      recs.other = make({ subject: `${P}-someone-else`, id: `${P}-f-o`, clientId: client.a, familyId: family, tags: [tag.one],
        labels: { [label]: 'prod' }, device: { id: device.one }, issuedAt: T0 - 6000 });
      for (const r of Object.values(recs)) await ctx.store.put(r);
      assert.equal((await ctx.store.revoke(recs.c.id, 'test', { now: T0 })).revoked, true);
      assert.equal((await ctx.store.revoke(recs.e.id, 'test', { now: T0 })).revoked, true);
    });

    const cases: Array<[string, () => Parameters<TokenStore['list']>[0], string[]]> = [
      ['subject', () => ({ subject }), ['a', 'b', 'c', 'd', 'e']],
      ['subject + kind', () => ({ subject, kind: 'access' }), ['a', 'c']],
      ['clientId', () => ({ clientId: client.a }), ['other', 'a', 'c']],
      ['subject + clientId', () => ({ subject, clientId: client.b }), ['b', 'd']],
      ['familyId', () => ({ familyId: family }), ['other', 'a', 'b']],
      ['status active', () => ({ subject, status: 'active' }), ['a', 'b']],
      ['status revoked (wins over expired)', () => ({ subject, status: 'revoked' }), ['c', 'e']],
      ['status expired', () => ({ subject, status: 'expired' }), ['d']],
      ['one tag', () => ({ tags: [tag.one] }), ['other', 'a', 'b']],
      ['all of two tags', () => ({ tags: [tag.one, tag.two] }), ['a']],
      ['label', () => ({ labels: { [label]: 'prod' } }), ['other', 'a']],
      ['two labels', () => ({ labels: { [label]: 'prod', region: 'eu' } }), ['a']],
      ['label with other value', () => ({ subject, labels: { [label]: 'dev' } }), ['b']],
      ['deviceId', () => ({ deviceId: device.one }), ['other', 'a']],
      ['deviceId + subject', () => ({ subject, deviceId: device.two }), ['b']],
      ['everything at once', () => ({ subject, clientId: client.a, kind: 'access', familyId: family, status: 'active',
        tags: [tag.two], labels: { region: 'eu' }, deviceId: device.one }), ['a']],
      ['no match', () => ({ subject, kind: 'nope' }), []],
    ];
    for (const [title, filter, expected] of cases) {
      it(`filters by ${title}`, async () => {
        const want = expected.map((k) => (recs[k] as TokenRecord).id);
        const got = await ctx.store.list(filter());
        assert.deepEqual(ids(got.records), want);
        assert.equal(got.nextCursor, undefined);
        assert.equal(await ctx.store.count(filter()), want.length);
        for (const r of got.records) assert.deepEqual(r, (await ctx.store.get(r.id)));
      });
    }

    it('status is evaluated at options.now', async () => {
      const later = { now: T0 + HOUR + 1 };
      assert.deepEqual(ids((await ctx.store.list({ subject, status: 'active' }, {}, later)).records), []);
      // d is past its retention at that time, so it may or may not have vanished.
      const expired = ids((await ctx.store.list({ subject, status: 'expired' }, {}, later)).records);
      assert.deepEqual(expired.filter((id) => id !== recs.d?.id), [recs.a, recs.b].map((r) => (r as TokenRecord).id));
    });
  });
}
