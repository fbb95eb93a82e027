/**
 * Cross-process atomicity of a TokenStore: {@link runConcurrencySuite} forks worker processes
 * (concurrency-worker.ts) that each open the store from its URL and race on one token and one
 * subject. Each backend's concurrency-<backend>.test.ts calls it.
 *
 * @example
 * runConcurrencySuite('postgres', requireEnv('CJWT_TEST_POSTGRES_URL'));
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTokenStore } from '../../src/store/create.js';
import type { TokenRecord, TokenStore } from '../../src/store/types.js';
import type { WorkerTask, WorkerTally } from './concurrency-worker.js';
import { forkWorkers, stopWorkers } from '../support/workers.js';

/** Options of {@link runConcurrencySuite}. */
export interface ConcurrencyOptions {
  /** Worker processes (default 4, at least 4 for the proof). */
  workers?: number;
  /** Racing consume calls on one token (default 1000). */
  consumeCalls?: number;
  /** Racing addSession calls on one subject (default 200). */
  sessionCalls?: number;
}

const WORKER = join(import.meta.dirname, 'concurrency-worker.ts');

/** Registers the cross-process race tests for the store at `url` (a createTokenStore URL). */
export function runConcurrencySuite(name: string, url: string | undefined, options: ConcurrencyOptions = {}): void {
  const workerCount = options.workers ?? 4;
  const consumeCalls = options.consumeCalls ?? 1000;
  const sessionCalls = options.sessionCalls ?? 200;
  const prefix = `x${randomBytes(6).toString('hex')}`;

  describe(`cross-process concurrency: ${name}`, { timeout: 120_000 }, () => {
    const workers: ChildProcess[] = [];
    let store: TokenStore;

    before(async () => {
      assert.ok(url, `no store URL for ${name}: is its test server running (see scripts/run-tests.ts)?`);
      store = await createTokenStore(url);
      await forkWorkers(WORKER, [url], workerCount, workers);
    });

    after(async () => {
      await stopWorkers(workers);
      await store?.close();
    });

    // Sends every worker its task at once and collects the tallies.
    const race = (tasks: WorkerTask[]): Promise<WorkerTally[]> => Promise.all(workers.map((child, i) => new Promise<WorkerTally>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`worker ${i} died (${String(code)})`));
      child.once('exit', onExit);
      child.once('message', (tally: WorkerTally) => { child.off('exit', onExit); resolve(tally); });
      child.send(tasks[i] as WorkerTask);
    })));
    const split = <T>(items: T[]): T[][] => workers.map((_, i) => items.filter((__, j) => j % workers.length === i));
    const session = (subject: string, i: number, now: number): TokenRecord => ({
      id: `${subject}-s${String(i).padStart(3, '0')}`, kind: 'session', subject, issuedAt: now + i, expiresAt: now + 3_600_000,
    });

    it(`${consumeCalls} racing consume calls from ${workerCount} processes: exactly one winner`, async () => {
      const now = Date.now();
      const hash = `${prefix}-consume`;
      await store.put({ id: `${prefix}-refresh`, hash, kind: 'refresh', subject: `${prefix}-user`, issuedAt: now, expiresAt: now + 3_600_000 });
      const per = split(Array.from({ length: consumeCalls }, (_, i) => i)).map((part) => part.length);
      const tallies = await race(per.map((calls) => ({ type: 'consume', hash, calls })));
      assert.deepEqual(tallies.flatMap((t) => t.errors), []);
      assert.equal(tallies.reduce((n, t) => n + t.wins, 0), 1);
      assert.equal(tallies.reduce((n, t) => n + t.losses, 0), consumeCalls - 1);
      const consumedAt = (await store.get(`${prefix}-refresh`))?.consumedAt;
      assert.equal(typeof consumedAt, 'number');
      assert.deepEqual([...new Set(tallies.flatMap((t) => t.consumedAt))], [consumedAt]);
    });

    it(`${sessionCalls} racing addSession calls, max 5, reject: exactly 5 live sessions`, async () => {
      const subject = `${prefix}-reject`;
      const now = Date.now();
      const records = Array.from({ length: sessionCalls }, (_, i) => session(subject, i, now));
      const tallies = await race(split(records).map((part) => ({ type: 'addSession', records: part, max: 5, policy: 'reject' })));
      assert.deepEqual(tallies.flatMap((t) => t.errors), []);
      assert.equal(tallies.reduce((n, t) => n + t.wins, 0), 5);
      assert.equal(tallies.reduce((n, t) => n + t.losses, 0), sessionCalls - 5);
      assert.equal(await store.count({ subject, kind: 'session', status: 'active' }), 5);
      assert.equal(await store.count({ subject }), 5);
    });

    it(`${sessionCalls} racing addSession calls, max 5, evict-oldest: exactly 5 live sessions`, async () => {
      const subject = `${prefix}-evict`;
      const now = Date.now();
      const records = Array.from({ length: sessionCalls }, (_, i) => session(subject, i, now));
      const tallies = await race(split(records).map((part) => ({ type: 'addSession', records: part, max: 5, policy: 'evict-oldest' })));
      assert.deepEqual(tallies.flatMap((t) => t.errors), []);
      assert.equal(tallies.reduce((n, t) => n + t.wins, 0), sessionCalls);
      const evicted = tallies.flatMap((t) => t.evicted);
      assert.equal(evicted.length, sessionCalls - 5);
      assert.equal(new Set(evicted).size, sessionCalls - 5);
      assert.equal(await store.count({ subject, kind: 'session', status: 'active' }), 5);
      assert.equal(await store.count({ subject, status: 'revoked' }), sessionCalls - 5);
      const revoked = await store.list({ subject, status: 'revoked' }, { limit: 1000 });
      assert.ok(revoked.records.every((r) => r.revokedReason === 'session_limit'));
    });
  });
}
