/**
 * Cross-process races through TokenPairIssuer: worker processes (race-worker.ts), each with its
 * own issuer and store connection, race on one refresh token or one subject's logins. Each
 * race-<backend>.test.ts calls {@link runRefreshRaces}.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TokenStore } from '../../../src/store/types.js';
import { backend, type BackendName } from './backends.js';
import { raceIssuer, type RaceConfig, type RaceTally, type RaceTask } from './race-config.js';
import { forkWorkers, stopWorkers } from '../../support/workers.js';

const WORKER = join(import.meta.dirname, 'race-worker.ts');

/** Registers the race tests on backend `name` with `workerCount` processes (at least 4 for the proof). */
export function runRefreshRaces(name: Exclude<BackendName, 'memory'>, workerCount = 4): void {
  const target = backend(name);
  describe(`TokenPairIssuer races across ${workerCount} processes: ${name}`, { timeout: 600_000 }, () => {
    if (target === undefined || target.url === undefined) {
      it(`needs the ${name} test server`, () => assert.fail(`CJWT_TEST_${name.toUpperCase()}_URL is not set: run npm run test:only -- lifecycle/refresh/race-${name}`));
      return;
    }
    const url = target.url;
    const workers: ChildProcess[] = [];
    let store: TokenStore;
    const config = (reuseGraceMs: number, maxUserSessions = 0): RaceConfig => ({
      hmac: randomBytes(32).toString('base64url'), secret: randomBytes(32).toString('base64url'), reuseGraceMs, maxUserSessions,
    });

    before(async () => {
      store = await target.open();
      await forkWorkers(WORKER, [url, JSON.stringify(target.options)], workerCount, workers);
    });

    after(async () => {
      await stopWorkers(workers);
      await store?.close();
      target.dispose();
    });

    // Sends every worker its share of `calls` at once and sums the tallies.
    const race = async (task: (calls: number) => RaceTask, calls: number): Promise<RaceTally> => {
      const tallies = await Promise.all(workers.map((child, i) => new Promise<RaceTally>((resolve, reject) => {
        const onExit = (code: number | null): void => reject(new Error(`worker ${i} died (${String(code)})`));
        child.once('exit', onExit);
        child.once('message', (tally: RaceTally) => { child.off('exit', onExit); resolve(tally); });
        child.send(task(Math.floor(calls / workers.length) + (i < calls % workers.length ? 1 : 0)));
      })));
      const total: RaceTally = { type: 'result', successes: 0, pairs: [], codes: {}, errors: [] };
      for (const t of tallies) {
        total.successes += t.successes;
        for (const pair of t.pairs) if (!total.pairs.some((p) => p.refreshToken === pair.refreshToken)) total.pairs.push(pair);
        for (const [code, n] of Object.entries(t.codes)) total.codes[code] = (total.codes[code] ?? 0) + n;
        total.errors.push(...t.errors);
      }
      return total;
    };

    it('1,000 racing refreshes of one refresh token: exactly one new pair, then the family is revoked', async () => {
      const cfg = config(0);
      const issuer = raceIssuer(cfg, store);
      const login = await issuer.issueTokenPair({ subject: `race-${randomBytes(4).toString('hex')}` });
      const result = await race((calls) => ({ type: 'refresh', config: cfg, token: login.refreshToken, calls }), 1000);
      assert.deepEqual(result.errors, []);
      assert.equal(result.successes, 1);
      assert.equal(result.pairs.length, 1);
      assert.deepEqual(result.codes, { ERR_REFRESH_TOKEN_REUSED: 999 });
      const winner = result.pairs[0]!;
      assert.equal(winner.familyId, login.familyId);
      assert.equal(await store.count({ familyId: login.familyId, status: 'active' }), 0);
      for (const token of [winner.accessToken, login.accessToken]) {
        const verified = await issuer.verifyAccessToken(token);
        assert.equal(verified.valid ? 'valid' : verified.error.code, 'ERR_TOKEN_REVOKED');
      }
      await assert.rejects(issuer.refreshTokens(winner.refreshToken), { code: 'ERR_TOKEN_REVOKED' });
    });

    it('two tabs (1,000 racing retries) within the reuse grace: all get the same successor pair, the family lives on', async () => {
      const cfg = config(60_000);
      const issuer = raceIssuer(cfg, store);
      const login = await issuer.issueTokenPair({ subject: `tabs-${randomBytes(4).toString('hex')}` });
      const result = await race((calls) => ({ type: 'refresh', config: cfg, token: login.refreshToken, calls }), 1000);
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.codes, {});
      assert.equal(result.successes, 1000);
      assert.equal(result.pairs.length, 1);
      const successor = result.pairs[0]!;
      assert.ok((await issuer.verifyAccessToken(successor.accessToken)).valid);
      // login access, successor access and successor refresh; the login's refresh token was spent.
      assert.equal(await store.count({ familyId: login.familyId, status: 'active' }), 3);
      const next = await issuer.refreshTokens(successor.refreshToken);
      assert.equal(next.familyId, login.familyId);
    });

    it('200 racing logins with maxUserSessions 5: exactly 5 live sessions', async () => {
      const cfg = config(0, 5);
      const subject = `logins-${randomBytes(4).toString('hex')}`;
      const result = await race((calls) => ({ type: 'login', config: cfg, subject, calls }), 200);
      assert.deepEqual(result.errors, []);
      assert.equal(result.successes, 5);
      assert.deepEqual(result.codes, { ERR_MAX_SESSIONS_EXCEEDED: 195 });
      assert.equal((await raceIssuer(cfg, store).listSessions(subject)).length, 5);
      assert.equal(await store.count({ subject, kind: 'access', status: 'active' }), 5);
    });
  });
}
