/**
 * kill -9 of `cjwt serve` under load on SQLite: after a restart on the same data directory every
 * acknowledged session is live and every acknowledged logout is still in force.
 */
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { freePort } from '../support/server-process.js';
import { bearer, call, makeDataDir, spawnServe, USER } from './harness.js';

let dispose: (() => void) | undefined;
after(() => dispose?.());

it('sessions and revocations acknowledged before kill -9 survive the restart', async () => {
  const data = await makeDataDir();
  dispose = data.dispose;
  const port = await freePort();
  const first = await spawnServe(data.dir, port);
  const live: Array<{ access: string; refresh: string }> = [];
  const loggedOut: Array<{ access: string; refresh: string }> = [];
  let stop = false;
  const worker = async (n: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      try {
        const pair = await call(first.url, 'POST', '/login', { json: { ...USER, device_id: `w${n}-${i}` } });
        if (pair.status !== 200) continue;
        const tokens = { access: pair.body.access_token as string, refresh: pair.body.refresh_token as string };
        if (i % 2 === 1) {
          const out = await call(first.url, 'POST', '/logout', { json: { refresh_token: tokens.refresh } });
          // Any other answer leaves the session's state unknown: it counts in neither list.
          if (out.status === 200) loggedOut.push(tokens);
        } else {
          live.push(tokens);
        }
      } catch {
        return; // the server died mid-request: that request was never acknowledged
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, n) => worker(n));
  while (live.length + loggedOut.length < 150) await new Promise((r) => setTimeout(r, 20));
  await first.kill();
  stop = true;
  await Promise.all(workers);
  assert.ok(live.length > 20 && loggedOut.length > 20, `load ran: ${live.length} live, ${loggedOut.length} logged out`);

  const second = await spawnServe(data.dir, port);
  try {
    for (const t of live) {
      const res = await call(second.url, 'GET', '/api/profile', { headers: bearer(t.access) });
      assert.equal(res.status, 200, `an acknowledged session is live after the restart (${res.text})`);
    }
    for (const t of loggedOut) {
      const res = await call(second.url, 'GET', '/api/profile', { headers: bearer(t.access) });
      assert.equal(res.status, 401, 'an acknowledged logout holds after the restart');
      const refresh = await call(second.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: t.refresh } });
      assert.equal(refresh.status, 400);
    }
    // The refresh tokens of live sessions still rotate.
    const one = await call(second.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: live[0]!.refresh } });
    assert.equal(one.status, 200);
  } finally {
    // SIGTERM: drain and close the store, exit 0.
    assert.equal(await second.stop(), 0);
  }
});
