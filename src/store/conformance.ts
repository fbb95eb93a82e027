/**
 * The executable TokenStore contract (src/store/types.ts), shipped so that a custom backend can
 * prove itself: every backend's test file calls {@link runConformanceSuite} (from
 * `cjwt/store/conformance`) and must pass unchanged. Loads node:test, so import it only from
 * tests. Each run uses a random prefix for ids, subjects, clients and tags, so several runs may
 * share one database server.
 *
 * @example
 * runConformanceSuite('memory', async (options) => new MemoryTokenStore(options), { exclusive: true });
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CjwtError, StorageError } from '../jose/errors.js';
import type { CjwtErrorCode } from '../jose/errors.js';
import type { TokenRecord, TokenStore, TokenStoreOptions } from './types.js';
import { compareRecords } from './record-codec.js';
import { BAD_INPUT_STRINGS, COLLATION_TRAPS } from './conformance-strings.js';

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions {
  /** Retention the suite asks `open` for (default 1 hour); the suite's times are built on it. */
  revocationRetentionMs?: number;
  /** The store is private to this run (no other writer): the suite then checks exact cleanup counts. */
  exclusive?: boolean;
  /** Every `open()` reaches the same data (a server or a file), so the suite checks that close loses nothing. */
  persistent?: boolean;
}

/** Opens a fresh connection to the store under test with the options the suite needs. */
export type OpenStore = (options: TokenStoreOptions) => Promise<TokenStore>;

const HOUR = 60 * 60 * 1000;

/** Registers the conformance tests for one backend with node:test. */
export function runConformanceSuite(name: string, open: OpenStore, options: ConformanceOptions = {}): void {
  const retention = options.revocationRetentionMs ?? HOUR;
  const storeOptions: TokenStoreOptions = { revocationRetentionMs: retention };
  const P = `c${randomBytes(6).toString('hex')}`;
  const T0 = Date.now();
  let seq = 0;
  const uid = (label: string): string => `${P}-${label}-${String(++seq).padStart(4, '0')}`;
  const make = (fields: Partial<TokenRecord> & { subject: string }): TokenRecord => ({
    id: uid('id'),
    kind: 'access',
    issuedAt: T0 - 10_000 + seq,
    expiresAt: T0 + HOUR,
    ...fields,
  });
  const rejectsWith = async (promise: Promise<unknown>, code: CjwtErrorCode): Promise<void> => {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof CjwtError, `expected a CjwtError, got ${String(err)}`);
      assert.equal(err.code, code);
      return true;
    });
  };
  const ids = (records: TokenRecord[]): string[] => records.map((r) => r.id);

  describe(`TokenStore conformance: ${name}`, () => {
    let store: TokenStore;
    before(async () => {
      store = await open(storeOptions);
    });
    after(async () => {
      await store?.close();
    });

    describe('record access', () => {
      it('put/get round-trips every field exactly', async () => {
        const record: TokenRecord = {
          id: uid('full'), hash: uid('hash'), kind: 'refresh', subject: uid('user'), clientId: uid('client'),
          familyId: uid('fam'), parentId: uid('parent'), scope: ['read', 'write'], issuedAt: T0 - 5000,
          expiresAt: T0 + HOUR, device: { id: uid('dev'), userAgent: 'UA/1.0', platform: 'linux', ip: '127.0.0.1' },
          labels: { env: 'prod', region: 'eu' }, tags: ['a', 'b'], data: { nested: { n: 1, list: [true, null, 'x'] } },
        };
        await store.put(record);
        assert.deepEqual(await store.get(record.id), record);
        assert.deepEqual(await store.getByHash(record.hash as string), record);
        const copy = await store.get(record.id);
        (copy as TokenRecord).subject = 'mutated';
        assert.equal((await store.get(record.id))?.subject, record.subject, 'returned records are copies');
      });

      it('get/getByHash of unknown keys resolve undefined', async () => {
        assert.equal(await store.get(uid('missing')), undefined);
        assert.equal(await store.getByHash(uid('missing-hash')), undefined);
      });

      it('concurrent point reads each get their own answer, and see a revocation made before them', async () => {
        const subject = uid('user');
        const records = Array.from({ length: 40 }, (_, i) => make({ subject, hash: i % 4 === 3 ? undefined : uid('hash') }));
        for (const r of records) await store.put(r);
        for (const r of records.slice(0, 10)) await store.revoke(r.id, 'x');
        const expected = await Promise.all(records.map(async (r) => store.get(r.id)));
        // 200 reads at once, mixed kinds, some repeated, some unknown: backends may batch them.
        const reads = Array.from({ length: 200 }, (_, i) => {
          const r = records[(i * 7) % records.length] as TokenRecord;
          const want = expected[(i * 7) % records.length];
          switch (i % 5) {
            case 0: return store.get(r.id).then((got) => assert.deepEqual(got, want));
            case 1: return r.hash === undefined ? Promise.resolve()
              : store.getByHash(r.hash).then((got) => assert.deepEqual(got, want));
            case 2: return store.isRevoked(r.id).then((got) => assert.equal(got, want?.revokedAt !== undefined));
            case 3: return store.getByHash(uid('unknown-hash')).then((got) => assert.equal(got, undefined));
            default: return store.isRevoked(uid('unknown-id')).then((got) => assert.equal(got, false));
          }
        });
        await Promise.all(reads);
        // While a burst of reads is in flight, a revocation completes; every read issued after it sees it.
        const target = records[20] as TokenRecord;
        const burst = Array.from({ length: 50 }, () => store.isRevoked(target.id));
        await store.revoke(target.id, 'late');
        const after = await Promise.all([store.isRevoked(target.id), store.getByHash(target.hash as string), store.get(target.id)]);
        assert.equal(after[0], true);
        assert.equal(after[1]?.revokedReason, 'late');
        assert.equal(after[2]?.revokedReason, 'late');
        await Promise.all(burst);
      });

      it('revocation and consumption are one-way: put and addSession over a stored id keep them', async () => {
        const subject = uid('user');
        const revoked = make({ subject, hash: uid('h'), kind: 'refresh' });
        const consumed = make({ subject, hash: uid('h'), kind: 'refresh' });
        for (const r of [revoked, consumed]) await store.put(r);
        await store.revoke(revoked.id, 'stolen', { now: T0 + 3 });
        await store.consume(consumed.hash as string, { now: T0 + 4 });
        // A new version without the lifecycle fields (even under another subject) stays revoked / consumed.
        const moved = uid('user');
        await store.put({ ...revoked, subject: moved, labels: { v: '2' } });
        const again = await store.addSession({ ...consumed, subject: uid('user'), labels: { v: '2' } }, 10, 'reject');
        assert.equal(again.added, true);
        assert.equal(await store.isRevoked(revoked.id), true);
        const storedRevoked = await store.get(revoked.id);
        assert.deepEqual([storedRevoked?.subject, storedRevoked?.labels, storedRevoked?.revokedAt, storedRevoked?.revokedReason],
          [moved, { v: '2' }, T0 + 3, 'stolen']);
        assert.equal((await store.getByHash(consumed.hash as string))?.consumedAt, T0 + 4);
        const replay = await store.consume(consumed.hash as string) as { consumed: boolean; reason?: string; consumedAt?: number };
        assert.deepEqual([replay.consumed, replay.reason, replay.consumedAt], [false, 'already_consumed', T0 + 4]);
        // The first revocation stays, whatever a later version claims.
        await store.put({ ...revoked, subject: moved, revokedAt: T0 + 9, revokedReason: 'other' });
        assert.deepEqual([(await store.get(revoked.id))?.revokedAt, (await store.get(revoked.id))?.revokedReason], [T0 + 3, 'stolen']);
        // A version that brings its own revocation to a live record is stored as given.
        const live = make({ subject, hash: uid('h') });
        await store.put(live);
        await store.put({ ...live, revokedAt: T0 + 6, revokedReason: 'given' });
        assert.equal((await store.get(live.id))?.revokedReason, 'given');
      });

      it('put replaces by id, and a replaced hash is no longer found', async () => {
        const subject = uid('user');
        const first = make({ subject, hash: uid('h1') });
        await store.put(first);
        const second = { ...first, hash: uid('h2'), labels: { v: '2' } };
        await store.put(second);
        assert.deepEqual(await store.get(first.id), second);
        assert.equal(await store.getByHash(first.hash as string), undefined);
        assert.deepEqual(await store.getByHash(second.hash), second);
        assert.equal(await store.count({ subject }), 1);
      });

      it('delete removes the record and its hash; a second delete resolves false', async () => {
        const record = make({ subject: uid('user'), hash: uid('h') });
        await store.put(record);
        assert.equal(await store.delete(record.id), true);
        assert.equal(await store.get(record.id), undefined);
        assert.equal(await store.getByHash(record.hash as string), undefined);
        assert.equal(await store.delete(record.id), false);
      });

      it('a second record with the same hash is rejected with ERR_STORE_CONFLICT', async () => {
        const hash = uid('dup');
        const first = make({ subject: uid('user'), hash });
        await store.put(first);
        await rejectsWith(store.put(make({ subject: uid('user'), hash })), 'ERR_STORE_CONFLICT');
        assert.deepEqual(await store.getByHash(hash), first);
        await store.put({ ...first, tags: ['again'] });
        assert.deepEqual((await store.getByHash(hash))?.tags, ['again']);
      });

      it('a hash held by a record past expiry plus retention is handed over by put and addSession', async () => {
        const gone = { issuedAt: T0 - retention - 120_000, expiresAt: T0 - retention - 60_000 };
        for (const viaSession of [false, true]) {
          const hash = uid('h');
          const old = make({ subject: uid('user'), hash, ...gone });
          await store.put(old);
          const fresh = make({ subject: uid('user'), hash });
          if (viaSession) assert.deepEqual(await store.addSession(fresh, 5, 'reject'), { added: true, evicted: [] });
          else await store.put(fresh);
          assert.deepEqual(await store.getByHash(hash), fresh);
          assert.equal(await store.get(old.id), undefined);
        }
        // Backends that hand over without deleting keep the old records until a sweep; sweep now,
        // so the cleanup tests count only their own.
        await store.cleanup();
      });

      it('malformed records and arguments are rejected with ERR_STORE_INVALID_INPUT', async () => {
        const subject = uid('user');
        await rejectsWith(store.put(make({ subject, id: '' })), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.put(make({ subject, expiresAt: Number.NaN })), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.put({ ...make({ subject }), subject: 42 as unknown as string }), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.put(make({ subject, data: { big: 1n } })), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.list({ subject }, { limit: 0 }), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.list({ subject }, { cursor: 'not a cursor!' }), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.list({ subject, status: 'bogus' as 'active' }), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.addSession(make({ subject }), 0, 'reject'), 'ERR_STORE_INVALID_INPUT');
        assert.equal(await store.count({ subject }), 0);
      });

      it('times are whole milliseconds: fractional record times are refused, a fractional now is floored', async () => {
        const subject = uid('user');
        await rejectsWith(store.put(make({ subject, issuedAt: T0 + 0.5 })), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.put(make({ subject, expiresAt: T0 + HOUR + 0.25 })), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.put(make({ subject, revokedAt: 2 ** 53 })), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.addSession(make({ subject, kind: 'refresh', expiresAt: 1.5 }), 3, 'reject'), 'ERR_STORE_INVALID_INPUT');
        const record = make({ subject, hash: uid('h'), expiresAt: T0 + 1000 });
        await store.put(record);
        // now = expiresAt - 0.5 floors to expiresAt - 1: still live, exactly as unfloored.
        assert.equal(await store.count({ subject, status: 'active' }, { now: T0 + 999.5 }), 1);
        assert.equal(await store.count({ subject, status: 'active' }, { now: T0 + 1000.5 }), 0);
        assert.deepEqual(await store.revoke(record.id, 'x', { now: T0 + 5.9 }), { revoked: true, revokedAt: T0 + 5 });
        assert.equal((await store.get(record.id))?.revokedAt, T0 + 5);
        const other = make({ subject, hash: uid('h') });
        await store.put(other);
        const consumed = await store.consume(other.hash as string, { now: T0 + 7.2 });
        assert.equal(consumed.consumed && consumed.record.consumedAt, T0 + 7);
        assert.equal(await store.count({ subject }), 2);
      });

      it('a null page lists like no page; a bad cleanup time or store option is ERR_STORE_INVALID_INPUT', async () => {
        const subject = uid('user');
        const record = make({ subject });
        await store.put(record);
        const page = await store.list({ subject }, null as unknown as undefined);
        assert.deepEqual(ids(page.records), [record.id]);
        await rejectsWith(store.cleanup('x' as unknown as number), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.cleanup(Number.NaN), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(open({ revocationRetentionMs: -1 }), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(open({ ...storeOptions, operationTimeoutMs: 0 }), 'ERR_STORE_INVALID_INPUT');
        assert.deepEqual(await store.get(record.id), record);
      });
    });

    describe('expiry', () => {
      it('an expired record is returned with its times but never counted as active', async () => {
        const subject = uid('user');
        const record = make({ subject, hash: uid('h'), expiresAt: T0 + 60_000 });
        await store.put(record);
        const later = { now: T0 + 120_000 };
        assert.deepEqual(await store.get(record.id, later), record);
        assert.deepEqual(await store.getByHash(record.hash as string, later), record);
        assert.deepEqual(ids((await store.list({ subject, status: 'active' }, {}, { now: T0 })).records), [record.id]);
        assert.deepEqual((await store.list({ subject, status: 'active' }, {}, later)).records, []);
        assert.deepEqual(ids((await store.list({ subject, status: 'expired' }, {}, later)).records), [record.id]);
        assert.equal(await store.count({ subject, status: 'expired' }, later), 1);
        assert.equal(await store.count({ subject, status: 'active' }, later), 0);
        assert.equal(await store.isRevoked(record.id, later), false);
      });

      it('a record already expired in real time is status expired by default', async () => {
        const subject = uid('user');
        const record = make({ subject, expiresAt: T0 - 1000 });
        await store.put(record);
        assert.equal(await store.count({ subject, status: 'expired' }), 1);
        assert.equal(await store.count({ subject, status: 'active' }), 0);
      });
    });

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
        for (const r of Object.values(recs)) await store.put(r);
        assert.equal((await store.revoke(recs.c.id, 'test', { now: T0 })).revoked, true);
        assert.equal((await store.revoke(recs.e.id, 'test', { now: T0 })).revoked, true);
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
          const got = await store.list(filter());
          assert.deepEqual(ids(got.records), want);
          assert.equal(got.nextCursor, undefined);
          assert.equal(await store.count(filter()), want.length);
          for (const r of got.records) assert.deepEqual(r, (await store.get(r.id)));
        });
      }

      it('status is evaluated at options.now', async () => {
        const later = { now: T0 + HOUR + 1 };
        assert.deepEqual(ids((await store.list({ subject, status: 'active' }, {}, later)).records), []);
        // d is past its retention at that time, so it may or may not have vanished.
        const expired = ids((await store.list({ subject, status: 'expired' }, {}, later)).records);
        assert.deepEqual(expired.filter((id) => id !== recs.d?.id), [recs.a, recs.b].map((r) => (r as TokenRecord).id));
      });
    });

    describe('paging', () => {
      const subject = `${P}-paging`;
      const all: TokenRecord[] = [];
      before(async () => {
        for (let i = 0; i < 25; i++) {
          // Five records share each issuedAt, so the id breaks ties; ids are inserted out of order.
          const record = make({ subject, id: `${P}-p-${String((i * 7) % 25).padStart(2, '0')}`, issuedAt: T0 - 1000 * (i % 5) });
          all.push(record);
          await store.put(record);
        }
        all.sort(compareRecords);
      });

      it('pages in issuedAt, id order with no duplicates or omissions', async () => {
        const seen: TokenRecord[] = [];
        const sizes: number[] = [];
        let cursor: string | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await store.list({ subject }, { limit: 7, ...(cursor === undefined ? {} : { cursor }) });
          sizes.push(page.records.length);
          seen.push(...page.records);
          if (guard === 0) {
            // Keyset paging: a record inserted before the cursor neither repeats nor shifts later pages.
            await store.put(make({ subject: `${subject}`, id: `${P}-p-early`, issuedAt: T0 - 1_000_000 }));
          }
          cursor = page.nextCursor;
          if (cursor === undefined) break;
        }
        assert.deepEqual(sizes, [7, 7, 7, 4]);
        assert.deepEqual(seen, all);
        assert.equal(new Set(ids(seen)).size, 25);
        await store.delete(`${P}-p-early`);
      });

      it('the last full page has no nextCursor; default limit returns everything under 100', async () => {
        const sizes: number[] = [];
        let cursor: string | undefined;
        for (let guard = 0; guard < 10; guard++) {
          const page = await store.list({ subject }, { limit: 5, ...(cursor === undefined ? {} : { cursor }) });
          sizes.push(page.records.length);
          cursor = page.nextCursor;
          if (cursor === undefined) break;
        }
        assert.deepEqual(sizes, [5, 5, 5, 5, 5]);
        const whole = await store.list({ subject });
        assert.deepEqual(whole.records, all);
        assert.equal(whole.nextCursor, undefined);
        const exact = await store.list({ subject }, { limit: 25 });
        assert.equal(exact.records.length, 25);
        assert.equal(exact.nextCursor, undefined);
      });

      it('pages a filtered list (status) with the filter kept across pages', async () => {
        const revoked = [all[3], all[11], all[19]].map((r) => (r as TokenRecord).id);
        for (const id of revoked) await store.revoke(id, 'paging', { now: T0 });
        const first = await store.list({ subject, status: 'revoked' }, { limit: 2 });
        assert.deepEqual(ids(first.records), revoked.slice(0, 2));
        assert.ok(first.nextCursor !== undefined);
        const second = await store.list({ subject, status: 'revoked' }, { limit: 2, cursor: first.nextCursor });
        assert.deepEqual(ids(second.records), revoked.slice(2));
        assert.equal(second.nextCursor, undefined);
        assert.equal(await store.count({ subject, status: 'active' }), 22);
      });
    });

    describe('revocation', () => {
      it('revoke sets revokedAt/revokedReason; a second revoke reports already_revoked', async () => {
        const record = make({ subject: uid('user') });
        await store.put(record);
        assert.deepEqual(await store.revoke(record.id, 'logout', { now: T0 + 5 }), { revoked: true, revokedAt: T0 + 5 });
        const stored = await store.get(record.id);
        assert.equal(stored?.revokedAt, T0 + 5);
        assert.equal(stored?.revokedReason, 'logout');
        assert.deepEqual(await store.revoke(record.id, 'again', { now: T0 + 9 }), { revoked: false, reason: 'already_revoked', revokedAt: T0 + 5 });
        assert.equal((await store.get(record.id))?.revokedReason, 'logout');
        assert.deepEqual(await store.revoke(uid('missing')), { revoked: false, reason: 'not_found' });
      });

      it('isRevoked: unknown false, live false, revoked true, revoked and expired within retention true', async () => {
        const subject = uid('user');
        const live = make({ subject });
        const revoked = make({ subject });
        const shortLived = make({ subject, expiresAt: T0 + 1000 });
        const pastExpiry = make({ subject, expiresAt: T0 - 1000 });
        for (const r of [live, revoked, shortLived, pastExpiry]) await store.put(r);
        await store.revoke(revoked.id, 'x');
        await store.revoke(shortLived.id, 'x', { now: T0 });
        await store.revoke(pastExpiry.id, 'x', { now: T0 - 2000 });
        assert.equal(await store.isRevoked(uid('unknown')), false);
        assert.equal(await store.isRevoked(live.id), false);
        assert.equal(await store.isRevoked(revoked.id), true);
        assert.equal(await store.isRevoked(shortLived.id, { now: T0 + 1000 + retention / 2 }), true);
        assert.equal(await store.isRevoked(pastExpiry.id), true);
      });

      it('revokeWhere by subject revokes every not-yet-revoked record of that subject only', async () => {
        const subject = uid('user');
        const bystander = make({ subject: uid('user') });
        const mine = [make({ subject }), make({ subject, kind: 'refresh' }), make({ subject, hash: uid('h') })];
        const already = make({ subject });
        for (const r of [...mine, already, bystander]) await store.put(r);
        await store.revoke(already.id, 'earlier', { now: T0 });
        assert.equal(await store.revokeWhere({ subject }, 'password_change', { now: T0 + 1 }), 3);
        for (const r of mine) {
          const got = await store.get(r.id);
          assert.equal(got?.revokedAt, T0 + 1);
          assert.equal(got?.revokedReason, 'password_change');
        }
        assert.equal((await store.get(already.id))?.revokedReason, 'earlier');
        assert.equal(await store.isRevoked(bystander.id), false);
        assert.equal(await store.revokeWhere({ subject }, 'again'), 0);
        assert.equal(await store.count({ subject, status: 'revoked' }), 4);
      });

      it('revokeWhere by family revokes the chain across subjects', async () => {
        const familyId = uid('fam');
        const chain = [make({ subject: uid('user'), familyId }), make({ subject: uid('user'), familyId, kind: 'refresh' })];
        const outside = make({ subject: (chain[0] as TokenRecord).subject });
        for (const r of [...chain, outside]) await store.put(r);
        assert.equal(await store.revokeWhere({ familyId }, 'refresh_reuse'), 2);
        for (const r of chain) assert.equal(await store.isRevoked(r.id), true);
        assert.equal(await store.isRevoked(outside.id), false);
      });

      it('revokeWhere honours the other filter fields', async () => {
        const subject = uid('user');
        const keep = make({ subject, kind: 'access', tags: ['keep'] });
        const drop = make({ subject, kind: 'refresh', tags: ['drop'] });
        await store.put(keep);
        await store.put(drop);
        assert.equal(await store.revokeWhere({ subject, tags: ['drop'] }), 1);
        assert.equal(await store.isRevoked(drop.id), true);
        assert.equal(await store.isRevoked(keep.id), false);
      });
    });

    describe('sessions', () => {
      it('reject: at max live sessions nothing is inserted; expired, revoked and other kinds do not count', async () => {
        const subject = uid('user');
        await store.put(make({ subject, kind: 'session', expiresAt: T0 - 1 }));
        const revoked = make({ subject, kind: 'session' });
        await store.put(revoked);
        await store.revoke(revoked.id);
        await store.put(make({ subject, kind: 'other' }));
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(await store.addSession(make({ subject, kind: 'session' }), 3, 'reject'), { added: true, evicted: [] });
        }
        const extra = make({ subject, kind: 'session' });
        assert.deepEqual(await store.addSession(extra, 3, 'reject'), { added: false, reason: 'max_sessions_exceeded', live: 3 });
        assert.equal(await store.get(extra.id), undefined);
        assert.equal(await store.count({ subject, kind: 'session', status: 'active' }), 3);
      });

      it('evict-oldest revokes the oldest live sessions (reason session_limit) and reports them', async () => {
        const subject = uid('user');
        const sessions = [3, 2, 1].map((age) => make({ subject, kind: 'session', issuedAt: T0 - age * 1000 }));
        for (const s of sessions) assert.deepEqual(await store.addSession(s, 3, 'evict-oldest'), { added: true, evicted: [] });
        const fourth = make({ subject, kind: 'session', issuedAt: T0 });
        assert.deepEqual(await store.addSession(fourth, 3, 'evict-oldest', { now: T0 + 1 }), { added: true, evicted: [(sessions[0] as TokenRecord).id] });
        const evicted = await store.get((sessions[0] as TokenRecord).id);
        assert.equal(evicted?.revokedReason, 'session_limit');
        assert.equal(evicted?.revokedAt, T0 + 1);
        assert.deepEqual(await store.get(fourth.id), fourth);
        assert.equal(await store.count({ subject, kind: 'session', status: 'active' }), 3);
        const fifth = make({ subject, kind: 'session', issuedAt: T0 + 10 });
        const result = await store.addSession(fifth, 2, 'evict-oldest');
        assert.deepEqual(result, { added: true, evicted: [(sessions[1] as TokenRecord).id, (sessions[2] as TokenRecord).id] });
        assert.deepEqual(ids((await store.list({ subject, kind: 'session', status: 'active' })).records), [fourth.id, fifth.id]);
      });

      it('counts sessions at options.now', async () => {
        const subject = uid('user');
        assert.equal((await store.addSession(make({ subject, kind: 'session', expiresAt: T0 + 1000 }), 1, 'reject', { now: T0 })).added, true);
        assert.equal((await store.addSession(make({ subject, kind: 'session' }), 1, 'reject', { now: T0 + 500 })).added, false);
        assert.equal((await store.addSession(make({ subject, kind: 'session' }), 1, 'reject', { now: T0 + 2000 })).added, true);
      });

      it('a rejected addSession over an existing id leaves the stored record exactly as it was', async () => {
        // Short retention: a write's key expiry (expiresAt + retention) of an expired record is past.
        const own = await open({ revocationRetentionMs: 1000 });
        try {
          const subject = uid('user');
          const other = uid('user');
          const first = make({ subject, kind: 'session', hash: uid('h') });
          await own.put(first);
          await own.put(make({ subject, kind: 'session' }));
          await own.put(make({ subject: other, kind: 'session' }));
          await own.revoke(first.id, 'logout', { now: T0 });
          const stored = { ...first, revokedAt: T0, revokedReason: 'logout' };
          assert.deepEqual(await own.get(first.id), stored);
          const expired = Date.now() - 5000;
          const changed = { ...first, hash: uid('h'), familyId: uid('fam'), issuedAt: first.issuedAt - 5, expiresAt: expired };
          for (const attempt of [{ ...first, expiresAt: expired }, changed, { ...first, subject: other, expiresAt: expired }]) {
            const result = await own.addSession(attempt, 1, 'reject');
            assert.equal(result.added, false, `rejected (${attempt.subject === subject ? 'same' : 'other'} subject)`);
            assert.equal(await own.isRevoked(first.id), true);
            assert.deepEqual(await own.get(first.id), stored);
            assert.deepEqual(await own.getByHash(first.hash as string), stored);
            assert.deepEqual(ids((await own.list({ subject, status: 'revoked' })).records), [first.id]);
            assert.equal(await own.count({ subject: other }), 1);
            assert.equal(await own.getByHash(changed.hash), undefined);
            assert.equal(await own.count({ familyId: changed.familyId }), 0);
          }
        } finally {
          await own.close();
        }
      });
    });

    describe('consume', () => {
      it('the first consume wins; a second reports already_consumed with the first time', async () => {
        const record = make({ subject: uid('user'), kind: 'refresh', hash: uid('h') });
        await store.put(record);
        const first = await store.consume(record.hash as string, { now: T0 + 7 });
        assert.equal(first.consumed, true);
        assert.deepEqual(first.record, { ...record, consumedAt: T0 + 7 });
        assert.equal((await store.get(record.id))?.consumedAt, T0 + 7);
        const second = await store.consume(record.hash as string, { now: T0 + 8 });
        assert.deepEqual(second, { consumed: false, reason: 'already_consumed', consumedAt: T0 + 7, record: { ...record, consumedAt: T0 + 7 } });
        await store.revoke(record.id, 'family', { now: T0 + 9 });
        const third = await store.consume(record.hash as string);
        assert.equal(third.consumed === false && third.reason, 'already_consumed');
      });

      it('unknown, expired and revoked tokens are not consumed', async () => {
        assert.deepEqual(await store.consume(uid('nohash')), { consumed: false, reason: 'not_found' });
        const expired = make({ subject: uid('user'), hash: uid('h'), expiresAt: T0 - 1 });
        const revoked = make({ subject: uid('user'), hash: uid('h') });
        await store.put(expired);
        await store.put(revoked);
        await store.revoke(revoked.id, 'x', { now: T0 });
        const e = await store.consume(expired.hash as string);
        assert.equal(e.consumed === false && e.reason, 'expired');
        assert.equal(e.record?.id, expired.id);
        const r = await store.consume(revoked.hash as string);
        assert.equal(r.consumed === false && r.reason, 'revoked');
        assert.equal(r.record?.id, revoked.id);
        assert.equal((await store.get(expired.id))?.consumedAt, undefined);
        assert.equal((await store.get(revoked.id))?.consumedAt, undefined);
      });

      it('of 20 concurrent consumes exactly one wins', async () => {
        const record = make({ subject: uid('user'), hash: uid('h') });
        await store.put(record);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.consume(record.hash as string)));
        const winners = results.filter((r) => r.consumed);
        assert.equal(winners.length, 1);
        const firstUse = (winners[0] as { record: TokenRecord }).record.consumedAt;
        for (const r of results) if (!r.consumed) assert.deepEqual([r.reason, r.reason === 'already_consumed' && r.consumedAt], ['already_consumed', firstUse]);
      });
    });

    describe('cleanup', () => {
      it('removes only records past expiresAt + retention', async () => {
        const subject = uid('user');
        const ancient = make({ subject, expiresAt: T0 - retention - 60_000 });
        const ancientRevoked = make({ subject, hash: uid('h'), expiresAt: T0 - retention - 30_000 });
        const recent = make({ subject, expiresAt: T0 - 1000 });
        const recentRevoked = make({ subject, expiresAt: T0 - 1000 });
        const live = make({ subject });
        for (const r of [ancient, ancientRevoked, recent, recentRevoked, live]) await store.put(r);
        await store.revoke(ancientRevoked.id, 'x', { now: T0 - retention - 40_000 });
        await store.revoke(recentRevoked.id, 'x', { now: T0 - 2000 });
        const removed = await store.cleanup();
        if (options.exclusive) assert.equal(removed, 2);
        else assert.ok(Number.isInteger(removed) && removed >= 0);
        assert.equal(await store.get(ancient.id), undefined);
        assert.equal(await store.get(ancientRevoked.id), undefined);
        assert.equal(await store.getByHash(ancientRevoked.hash as string), undefined);
        assert.deepEqual(await store.get(recent.id), recent);
        assert.equal(await store.isRevoked(recentRevoked.id), true);
        assert.deepEqual(await store.get(live.id), live);
        assert.deepEqual(ids((await store.list({ subject })).records).sort(), [recent.id, recentRevoked.id, live.id].sort());
      });

      it('cleanup(now) uses the given time', async () => {
        const subject = uid('user');
        const record = make({ subject, expiresAt: T0 - retention + 60_000 });
        await store.put(record);
        assert.deepEqual(await store.get(record.id), record);
        await store.cleanup(T0);
        assert.deepEqual(await store.get(record.id), record, 'within retention at T0');
        if (options.exclusive) {
          assert.equal(await store.cleanup(T0 + 120_000), 1);
          assert.equal(await store.get(record.id), undefined);
        }
      });
    });

    describe('cancellation and close', () => {
      it('an already aborted signal rejects every call with StorageError carrying the reason', async () => {
        const controller = new AbortController();
        const reason = new Error('caller gave up');
        controller.abort(reason);
        const signal = controller.signal;
        const record = make({ subject: uid('user'), hash: uid('h') });
        const calls: Array<Promise<unknown>> = [
          store.put(record, { signal }), store.get(record.id, { signal }), store.getByHash('x', { signal }),
          store.delete(record.id, { signal }), store.list({ subject: record.subject }, {}, { signal }),
          store.count({}, { signal }), store.revoke(record.id, 'r', { signal }), store.isRevoked(record.id, { signal }),
          store.revokeWhere({ subject: record.subject }, 'r', { signal }), store.addSession(record, 5, 'reject', { signal }),
          store.consume('x', { signal }), store.cleanup(undefined, { signal }),
        ];
        for (const call of calls) {
          await assert.rejects(call, (err: unknown) => {
            assert.ok(err instanceof StorageError, String(err));
            assert.equal(err.code, 'ERR_STORAGE');
            assert.equal(err.cause, reason);
            return true;
          });
        }
        assert.equal(await store.get(record.id), undefined, 'an aborted put writes nothing');
      });

      it('calls after close reject with StorageError; close twice is fine', async () => {
        const own = await open(storeOptions);
        const record = make({ subject: uid('user'), hash: uid('h') });
        await own.put(record);
        assert.deepEqual(await own.get(record.id), record);
        await own.close();
        await own.close();
        const calls: Array<Promise<unknown>> = [
          own.put(record), own.get(record.id), own.getByHash(record.hash as string), own.delete(record.id),
          own.list({}), own.count({}), own.revoke(record.id), own.isRevoked(record.id), own.revokeWhere({ subject: record.subject }),
          own.addSession(record, 1, 'reject'), own.consume(record.hash as string), own.cleanup(),
        ];
        for (const call of calls) await assert.rejects(call, StorageError);
        if (options.persistent) assert.deepEqual(await store.get(record.id), record, 'close loses nothing acknowledged');
      });
    });

    describe('bad input is stored and found exactly', () => {
      BAD_INPUT_STRINGS.forEach(([title, s], i) => {
        it(`${title}`, async () => {
          const record: TokenRecord = {
            id: `${P}-bad-${i}-${s}`, hash: `${P}-hash-${i}-${s}`, kind: 'opaque', subject: `${P}-sub-${i}-${s}`,
            clientId: `${P}-cl-${i}-${s}`, familyId: `${P}-fam-${i}-${s}`, issuedAt: T0, expiresAt: T0 + HOUR,
            labels: { [s]: s, plain: s }, tags: [s, `${P}-tag-${i}`], device: { id: `${P}-dev-${i}-${s}`, userAgent: s },
            data: { s },
          };
          await store.put(record);
          assert.deepEqual(await store.get(record.id), record);
          assert.deepEqual(await store.getByHash(record.hash as string), record);
          assert.deepEqual((await store.list({ subject: record.subject })).records, [record]);
          assert.deepEqual((await store.list({ subject: record.subject, labels: { [s]: s } })).records, [record]);
          assert.deepEqual((await store.list({ clientId: record.clientId as string })).records, [record]);
          assert.deepEqual((await store.list({ familyId: record.familyId as string })).records, [record]);
          assert.deepEqual((await store.list({ deviceId: (record.device as { id: string }).id })).records, [record]);
          assert.equal(await store.count({ tags: [s, `${P}-tag-${i}`] }), 1);
          assert.equal(await store.count({ subject: record.subject, labels: { plain: `${s}x` } }), 0);
          assert.equal((await store.revoke(record.id, s, { now: T0 })).revoked, true);
          assert.equal(await store.isRevoked(record.id), true);
          assert.equal((await store.get(record.id))?.revokedReason, s);
          const consumed = await store.consume(record.hash as string);
          assert.equal(consumed.consumed === false && consumed.reason, 'revoked');
          assert.equal(await store.delete(record.id), true);
          assert.equal(await store.get(record.id), undefined);
        });
      });

      it('wildcards and collation neighbours match only themselves', async () => {
        const base = `${P}-wild`;
        const subjects = [`${base}-a`, `${base}-*`, `${base}-%`, `${base}-_`, `${base}-?`, `${base}-[a]`];
        for (const subject of subjects) await store.put(make({ subject, id: `${subject}#id`, hash: `${subject}#h` }));
        for (const subject of subjects) {
          assert.deepEqual(ids((await store.list({ subject })).records), [`${subject}#id`]);
          assert.equal((await store.getByHash(`${subject}#h`))?.subject, subject);
        }
        assert.equal(await store.get(`${base}-*#id`.replace('*', 'a')).then((r) => r?.subject), `${base}-a`);
        assert.equal(await store.get(`${base}-%`), undefined);
        for (const [x, y] of COLLATION_TRAPS) {
          const sx = `${P}-col-${x}`;
          const sy = `${P}-col-${y}`;
          await store.put(make({ subject: sx, id: `${sx}#id`, hash: `${sx}#h` }));
          await store.put(make({ subject: sy, id: `${sy}#id`, hash: `${sy}#h` }));
          assert.deepEqual(ids((await store.list({ subject: sx })).records), [`${sx}#id`]);
          assert.deepEqual(ids((await store.list({ subject: sy })).records), [`${sy}#id`]);
          assert.equal((await store.get(`${sx}#id`))?.subject, sx);
          assert.equal((await store.getByHash(`${sy}#h`))?.subject, sy);
        }
      });

      it('lone surrogates are rejected rather than stored inexactly', async () => {
        await rejectsWith(store.put(make({ subject: `${P}-\ud800` })), 'ERR_STORE_INVALID_INPUT');
      });

      it('a lookup with a lone surrogate finds nothing, not the U+FFFD record it would encode to', async () => {
        const record = make({ subject: uid('user'), id: `${P}-tok\ufffd`, hash: `${P}-hash\ufffd` });
        await store.put(record);
        for (const lone of ['\ud800', '\udfff']) {
          const id = `${P}-tok${lone}`;
          const hash = `${P}-hash${lone}`;
          assert.equal(await store.get(id), undefined);
          assert.equal(await store.getByHash(hash), undefined);
          assert.equal(await store.isRevoked(id), false);
          assert.deepEqual(await store.revoke(id, 'x'), { revoked: false, reason: 'not_found' });
          assert.deepEqual(await store.consume(hash), { consumed: false, reason: 'not_found' });
          assert.equal(await store.delete(id), false);
        }
        assert.deepEqual(await store.get(record.id), record);
        assert.equal(await store.isRevoked(record.id), false);
        await rejectsWith(store.get(42 as unknown as string), 'ERR_STORE_INVALID_INPUT');
        await rejectsWith(store.revoke(null as unknown as string), 'ERR_STORE_INVALID_INPUT');
      });
    });
  });
}
