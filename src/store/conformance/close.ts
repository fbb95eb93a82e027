/** Conformance: cancellation and close. Part of {@link runConformanceSuite}. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StorageError } from '../../jose/errors.js';
import { type ConformanceContext } from './context.js';

/** Registers the 'cancellation and close' conformance tests. */
export function cancellationAndCloseTests(ctx: ConformanceContext): void {
  const { uid, make, storeOptions, open, options } = ctx;
  describe('cancellation and close', () => {
    it('an already aborted signal rejects every call with StorageError carrying the reason', async () => {
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      controller.abort(reason);
      const signal = controller.signal;
      const record = make({ subject: uid('user'), hash: uid('h') });
      const calls: Array<Promise<unknown>> = [
        ctx.store.put(record, { signal }), ctx.store.get(record.id, { signal }), ctx.store.getByHash('x', { signal }),
        ctx.store.delete(record.id, { signal }), ctx.store.list({ subject: record.subject }, {}, { signal }),
        ctx.store.count({}, { signal }), ctx.store.revoke(record.id, 'r', { signal }), ctx.store.isRevoked(record.id, { signal }),
        ctx.store.revokeWhere({ subject: record.subject }, 'r', { signal }), ctx.store.addSession(record, 5, 'reject', { signal }),
        ctx.store.consume('x', { signal }), ctx.store.cleanup(undefined, { signal }),
      ];
      for (const call of calls) {
        await assert.rejects(call, (err: unknown) => {
          assert.ok(err instanceof StorageError, String(err));
          assert.equal(err.code, 'ERR_STORAGE');
          assert.equal(err.cause, reason);
          return true;
        });
      }
      assert.equal(await ctx.store.get(record.id), undefined, 'an aborted put writes nothing');
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
      if (options.persistent) assert.deepEqual(await ctx.store.get(record.id), record, 'close loses nothing acknowledged');
    });
  });
}
