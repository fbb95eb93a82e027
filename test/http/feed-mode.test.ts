/**
 * The middleware gets the feed mode from its verifier: expressAuth, fastifyAuth and honoAuth over
 * a `revocation: 'feed'` JWTManager refuse (401, ERR_TOKEN_REVOKED) a token another process
 * revoked, without a store round trip; a stale mirror with `whenStale: 'refuse'` answers 503.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { expressAuth, fastifyAuth, honoAuth, type HonoAuthVariables, type TokenVerifier } from '../../src/http/index.js';
import { JWTManager } from '../../src/jwt/index.js';
import { openRevocationFeed } from '../../src/lifecycle/feed/index.js';
import { SqliteTokenStore } from '../../src/store/index.js';
import { forkWorkers, stopWorkers } from '../support/workers.js';

const SECRET = new Uint8Array(32).fill(5);
const WORKER = fileURLToPath(new URL('../lifecycle/feed/feed-mode-worker.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cjwt-http-feed-'));
const path = join(dir, 'tokens.db');

type Server = { url: string; close: () => Promise<void> };

async function expressServer(verifier: TokenVerifier): Promise<Server> {
  const app = express();
  app.get('/me', expressAuth(verifier), (req, res) => { res.json({ sub: req.auth?.subject ?? null }); });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }) };
}

async function fastifyServer(verifier: TokenVerifier): Promise<Server> {
  const app = Fastify();
  await app.register(async (scope) => {
    await scope.register(fastifyAuth, { verifier });
    scope.get('/me', async (req) => ({ sub: req.auth?.subject ?? null }));
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

async function honoServer(verifier: TokenVerifier): Promise<Server> {
  const app = new Hono<{ Variables: HonoAuthVariables }>();
  app.get('/me', honoAuth(verifier), (c) => c.json({ sub: (c.get('auth') as HonoAuthVariables['auth'] | undefined)?.subject ?? null }));
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => { server.close(() => resolve()); }) };
}

const frameworks = { express: expressServer, fastify: fastifyServer, hono: honoServer };

describe('middleware over a feed-mode JWTManager', () => {
  let store: SqliteTokenStore;
  let manager: JWTManager;
  let worker: ChildProcess;
  before(async () => {
    store = await SqliteTokenStore.open(path, { sweepIntervalMs: 0 });
    manager = JWTManager.withHMAC(SECRET, { store, revocation: 'feed', metrics: false, audit: false });
    await manager.revocationFeedCheck!.start();
    [worker] = await forkWorkers(WORKER, [`sqlite:${path}`, 'x'], 1) as [ChildProcess];
  });
  after(async () => {
    await stopWorkers([worker]);
    await manager.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const revokeElsewhere = (jti: string, exp: number) => new Promise<void>((resolve, reject) => {
    worker.once('message', (reply: { type: string }) => (reply.type === 'done' ? resolve() : reject(new Error(reply.type))));
    worker.send({ type: 'revokeId', jti, exp });
  });

  for (const [name, start] of Object.entries(frameworks)) {
    it(`${name}: 200, then 401 ERR_TOKEN_REVOKED once another process revoked the token`, async () => {
      const server = await start(manager);
      try {
        const { token, jwtId, claims } = await manager.generateToken({ subject: `${name}-user` });
        const call = async () => {
          const res = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}` } });
          return { status: res.status, body: await res.json() as Record<string, unknown> };
        };
        assert.deepEqual(await call(), { status: 200, body: { sub: `${name}-user` } });
        const before = manager.revocationFeedCheck!.stats();
        await revokeElsewhere(jwtId, claims.exp!);
        const revokedAt = Date.now();
        let res = await call();
        while (res.status === 200 && Date.now() - revokedAt < 1000) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          res = await call();
        }
        assert.equal(res.status, 401);
        assert.equal(res.body.code, 'ERR_TOKEN_REVOKED');
        assert.equal(manager.revocationFeedCheck!.stats().store, before.store, 'answered from the mirror');
      } finally {
        await server.close();
      }
    });
  }

  it('a stale mirror with whenStale refuse: 503, not a token error', async () => {
    const feed = await openRevocationFeed(store);
    await feed.close();
    const refusing = JWTManager.withHMAC(SECRET, { store, revocation: 'feed', revocationFeed: { feed, maxStalenessMs: 50, whenStale: 'refuse' } });
    const server = await expressServer(refusing);
    try {
      const { token } = await refusing.generateToken({ subject: 'stale' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const res = await fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 503);
    } finally {
      await server.close();
      await refusing.close();
    }
  });
});
