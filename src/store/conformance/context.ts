/**
 * What every part of the conformance suite shares: the store under test, the run's unique prefix,
 * record builders and assertion helpers. Built once per run by `runConformanceSuite`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CjwtError } from '../../jose/errors.js';
import type { CjwtErrorCode } from '../../jose/errors.js';
import type { TokenRecord, TokenStore, TokenStoreOptions } from '../types.js';

/** One hour in milliseconds: the default retention and the lifetime of the suite's records. */
export const HOUR = 60 * 60 * 1000;

/** Options of `runConformanceSuite`. */
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

/** The shared state of one conformance run. `store` is set by the suite's `before` hook. */
export interface ConformanceContext {
  store: TokenStore;
  readonly open: OpenStore;
  readonly options: ConformanceOptions;
  readonly retention: number;
  readonly storeOptions: TokenStoreOptions;
  /** Prefix of every id, subject, client and tag of this run, so runs can share a server. */
  readonly P: string;
  /** The run's reference time. */
  readonly T0: number;
  /** A new unique string with the run's prefix. */
  uid(label: string): string;
  /** A live access record with a unique id, overridable field by field. */
  make(fields: Partial<TokenRecord> & { subject: string }): TokenRecord;
  /** Asserts that the promise rejects with a CjwtError of this code. */
  rejectsWith(promise: Promise<unknown>, code: CjwtErrorCode): Promise<void>;
  /** The ids of the records, in order. */
  ids(records: TokenRecord[]): string[];
}

/** Builds the context of one run; the store is opened later, by the suite's `before` hook. */
export function createConformanceContext(open: OpenStore, options: ConformanceOptions): ConformanceContext {
  const retention = options.revocationRetentionMs ?? HOUR;
  const P = `c${randomBytes(6).toString('hex')}`;
  const T0 = Date.now();
  let seq = 0;
  const uid = (label: string): string => `${P}-${label}-${String(++seq).padStart(4, '0')}`;
  return {
    store: undefined as unknown as TokenStore,
    open,
    options,
    retention,
    storeOptions: { revocationRetentionMs: retention },
    P,
    T0,
    uid,
    make: (fields) => ({ id: uid('id'), kind: 'access', issuedAt: T0 - 10_000 + seq, expiresAt: T0 + HOUR, ...fields }),
    rejectsWith: async (promise, code) => {
      await assert.rejects(promise, (err: unknown) => {
        assert.ok(err instanceof CjwtError, `expected a CjwtError, got ${String(err)}`);
        assert.equal(err.code, code);
        return true;
      });
    },
    ids: (records) => records.map((r) => r.id),
  };
}
