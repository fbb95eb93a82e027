/**
 * JWTManager races across processes on one shared store: {@link runJwtRaceSuite} forks worker
 * processes (jwt-race-worker.ts), each with its own managers over the same key and store, and
 * races them: logins against a session limit, refreshes of one token, and a claims-cache hit in
 * one process after a revocation in another.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateSecret } from '../../src/jose/index.js';
import { JWTManager } from '../../src/jwt/index.js';
import { createTokenStore, type TokenStore } from '../../src/store/index.js';
import type { RaceTask, RaceTally } from './jwt-race-worker.js';
import { forkWorkers, stopWorkers } from '../support/workers.js';

const WORKER = join(import.meta.dirname, 'jwt-race-worker.ts');

/** Registers the race tests for the store at `url` (a createTokenStore URL), with `workers` processes (at least 4). */
export function runJwtRaceSuite(name: string, url: string | undefined, workerCount = 4): void {
  describe(`JWTManager races across ${workerCount} processes: ${name}`, { timeout: 180_000 }, () => {
    const secret = generateSecret('HS256');
    const prefix = `r${randomBytes(5).toString('hex')}`;
    const workers: ChildProcess[] = [];
    let store: TokenStore;
    let manager: JWTManager;

    before(async () => {
      assert.ok(url, `no store URL for ${name}: is its test server running?`);
      store = await createTokenStore(url);
      manager = JWTManager.withHMAC(secret, { issuer: 'https://auth.example', keyId: 'race', store, trackUserTokens: true });
      const exported = Buffer.from(secret.export()).toString('base64url');
      await forkWorkers(WORKER, [url, exported], workerCount, workers);
    });

    after(async () => {
      await stopWorkers(workers);
      await store?.close();
    });

    const ask = (child: ChildProcess, task: RaceTask): Promise<RaceTally> => new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`worker died (${String(code)})`));
      child.once('exit', onExit);
      child.once('message', (tally: RaceTally) => { child.off('exit', onExit); resolve(tally); });
      child.send(task);
    });
    const race = (task: (i: number) => RaceTask): Promise<RaceTally[]> => Promise.all(workers.map((child, i) => ask(child, task(i))));
    const share = (total: number, i: number): number => Math.floor(total / workerCount) + (i < total % workerCount ? 1 : 0);

    it('200 racing logins with maxUserSessions 5: exactly 5 live sessions, every other login ERR_MAX_SESSIONS_EXCEEDED', async () => {
      const subject = `${prefix}-logins`;
      const tallies = await race((i) => ({ type: 'login', subject, calls: share(200, i), max: 5 }));
      assert.deepEqual(tallies.flatMap((t) => t.errors), []);
      assert.equal(tallies.reduce((n, t) => n + t.wins, 0), 5);
      assert.equal(tallies.reduce((n, t) => n + t.losses, 0), 195);
      assert.deepEqual([...new Set(tallies.flatMap((t) => t.codes))], ['ERR_MAX_SESSIONS_EXCEEDED']);
      assert.equal(await manager.getUserSessionCount(subject), 5);
      assert.equal(await store.count({ subject }), 5);
      const live = await manager.getActiveUserTokens(subject);
      assert.deepEqual(live.map((r) => r.id).sort(), tallies.flatMap((t) => t.issued).sort());
    });

    it('100 racing refreshes of one token from every process: exactly one wins, the rest ERR_TOKEN_REVOKED', async () => {
      const subject = `${prefix}-refresh`;
      const { token, jwtId } = await manager.generateToken({ subject, device: { id: 'phone' } });
      const tallies = await race((i) => ({ type: 'refresh', token, calls: share(100, i) }));
      assert.deepEqual(tallies.flatMap((t) => t.errors), []);
      assert.equal(tallies.reduce((n, t) => n + t.wins, 0), 1);
      assert.equal(tallies.reduce((n, t) => n + t.losses, 0), 99);
      assert.deepEqual([...new Set(tallies.flatMap((t) => t.codes))], ['ERR_TOKEN_REVOKED']);
      const [successor] = tallies.flatMap((t) => t.issued);
      const live = await manager.getActiveUserTokens(subject);
      assert.deepEqual(live.map((r) => [r.id, r.device?.id]), [[successor, 'phone']]);
      assert.equal(await manager.isTokenRevoked(jwtId), true);
    });

    it('claims cache: process B serves a token from its cache; after process A revokes it, B refuses it on a cache hit', async () => {
      const b = workers[0]!;
      const { token } = await manager.generateToken({ subject: `${prefix}-cache` });
      const first = await ask(b, { type: 'verify-cached', token });
      const second = await ask(b, { type: 'verify-cached', token });
      assert.equal(first.valid, true);
      assert.equal(second.valid, true);
      assert.equal(second.cacheHits, (first.cacheHits ?? 0) + 1);
      await manager.revokeToken(token, 'logout');
      const third = await ask(b, { type: 'verify-cached', token });
      assert.equal(third.valid, false);
      assert.deepEqual(third.codes, ['ERR_TOKEN_REVOKED']);
      // It was a hit: the cache still holds the claims; revocation is what refused them.
      assert.equal(third.cacheHits, (second.cacheHits ?? 0) + 1);
    });
  });
}
