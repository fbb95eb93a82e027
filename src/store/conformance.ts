/**
 * The executable TokenStore contract (src/store/types.ts), shipped so that a custom backend can
 * prove itself: every backend's test file calls {@link runConformanceSuite} (from
 * `cjwt/store/conformance`) and must pass unchanged. Loads node:test, so import it only from
 * tests. Each run uses a random prefix for ids, subjects, clients and tags, so several runs may
 * share one database server. The tests themselves live in src/store/conformance/, one file per
 * part of the contract.
 *
 * @example
 * runConformanceSuite('memory', async (options) => new MemoryTokenStore(options), { exclusive: true });
 */
import { after, before, describe } from 'node:test';
import { createConformanceContext, type ConformanceOptions, type OpenStore } from './conformance/context.js';
import { recordAccessTests } from './conformance/record-access.js';
import { expiryTests } from './conformance/expiry.js';
import { listAndCountTests } from './conformance/list-count.js';
import { pagingTests } from './conformance/paging.js';
import { revocationTests } from './conformance/revocation.js';
import { sessionTests } from './conformance/sessions.js';
import { consumeTests } from './conformance/consume.js';
import { cleanupTests } from './conformance/cleanup.js';
import { cancellationAndCloseTests } from './conformance/close.js';
import { badInputTests } from './conformance/bad-input.js';

export type { ConformanceOptions, OpenStore } from './conformance/context.js';

/** Registers the conformance tests for one backend with node:test. */
export function runConformanceSuite(name: string, open: OpenStore, options: ConformanceOptions = {}): void {
  const ctx = createConformanceContext(open, options);
  describe(`TokenStore conformance: ${name}`, () => {
    before(async () => {
      ctx.store = await open(ctx.storeOptions);
    });
    after(async () => {
      await ctx.store?.close();
    });

    recordAccessTests(ctx);
    expiryTests(ctx);
    listAndCountTests(ctx);
    pagingTests(ctx);
    revocationTests(ctx);
    sessionTests(ctx);
    consumeTests(ctx);
    cleanupTests(ctx);
    cancellationAndCloseTests(ctx);
    badInputTests(ctx);
  });
}
