/**
 * Rate limits of /login and /token over real HTTP: one budget per client IP and one per username,
 * so a username attacked from many addresses is limited too (429 with Retry-After).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { call, startService } from './harness.js';

const wrong = (username: string) => ({ json: { username, password: 'wrong-password' } });

describe('rate limits per IP and per username', () => {
  it('the per-username limit trips when the attempts come from different X-Forwarded-For addresses', async () => {
    const svc = await startService({ rateLimitMax: 3, rateLimitWindowMs: 60_000, trustProxy: true });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await call(svc.url, 'POST', '/login', { ...wrong('alice'), headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
        statuses.push(res.status);
        if (res.status === 429) {
          assert.equal(res.body.code, 'ERR_RATE_LIMITED');
          assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After is set');
        }
      }
      assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
      // Another username from a fresh address has its own budget.
      assert.equal((await call(svc.url, 'POST', '/login', { ...wrong('bob'), headers: { 'x-forwarded-for': '203.0.113.99' } })).status, 401);
      // The username is compared case-insensitively, so case variants share the budget.
      assert.equal((await call(svc.url, 'POST', '/login', { ...wrong('ALICE'), headers: { 'x-forwarded-for': '203.0.113.77' } })).status, 429);
    } finally {
      await svc.stop();
    }
  });

  it('the per-IP limit trips across usernames from one address', async () => {
    const svc = await startService({ rateLimitMax: 3, rateLimitWindowMs: 60_000, trustProxy: true });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await call(svc.url, 'POST', '/login', { ...wrong(`user${i}`), headers: { 'x-forwarded-for': '198.51.100.7' } })).status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      // /token is limited per IP as well (it names no username).
      const token = (ip: string) => call(svc.url, 'POST', '/token', { form: { grant_type: 'refresh_token', refresh_token: 'rt_x' }, headers: { 'x-forwarded-for': ip } });
      const tokenStatuses: number[] = [];
      for (let i = 0; i < 4; i++) tokenStatuses.push((await token('198.51.100.8')).status);
      assert.deepEqual(tokenStatuses, [400, 400, 400, 429]);
      assert.equal((await token('198.51.100.9')).status, 400, 'another address has its own /token budget');
    } finally {
      await svc.stop();
    }
  });

  it('without trustProxy the per-username limit still trips for different source addresses', async () => {
    const svc = await startService({ rateLimitMax: 2, rateLimitWindowMs: 60_000, host: '127.0.0.1' });
    try {
      // Linux routes all of 127.0.0.0/8 to loopback: each request comes from another source address.
      const port = new URL(svc.url).port;
      const { request } = await import('node:http');
      const attempt = (localAddress: string) => new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/login', method: 'POST', localAddress, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ username: 'alice', password: 'wrong-password' }));
      });
      const statuses = [await attempt('127.0.0.2'), await attempt('127.0.0.3'), await attempt('127.0.0.4')];
      assert.deepEqual(statuses, [401, 401, 429]);
    } finally {
      await svc.stop();
    }
  });
});
