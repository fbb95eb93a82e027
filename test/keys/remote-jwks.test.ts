import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isCjwtError } from '../../src/jose/errors.js';
import { KeyRing } from '../../src/keys/key-ring.js';
import { parseCacheControlMaxAge } from '../../src/keys/jwks-fetch.js';
import { createRemoteJWKSet } from '../../src/keys/remote-jwks.js';
import { createRemoteJWTVerifier, verifyJWTWithRemoteJWKS } from '../../src/keys/remote-verify.js';

/** A real JWKS endpoint on 127.0.0.1 whose behaviour each test sets. */
interface Endpoint {
  url: string;
  hits: number;
  body: () => string;
  status: number;
  cacheControl: string | undefined;
  delayMs: number;
  server: Server;
}

async function startEndpoint(ring: KeyRing): Promise<Endpoint> {
  const ep = { hits: 0, body: () => JSON.stringify(ring.jwks()), status: 200, cacheControl: undefined, delayMs: 0 } as Omit<Endpoint, 'url' | 'server'> & Partial<Endpoint>;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    ep.hits += 1;
    const answer = (): void => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (ep.cacheControl !== undefined) headers['cache-control'] = ep.cacheControl;
      res.writeHead(ep.status, headers);
      res.end(ep.body());
    };
    if (ep.delayMs > 0) setTimeout(answer, ep.delayMs).unref();
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ep.server = server;
  ep.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return ep as Endpoint;
}

async function stopEndpoint(ep: Endpoint): Promise<void> {
  ep.server.closeAllConnections();
  await new Promise<void>((resolve) => ep.server.close(() => resolve()));
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    assert.ok(isCjwtError(err), `expected a typed error, got ${String(err)}`);
    return err.code;
  }
}

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = Date.now();
  return { now: () => t, advance: (ms) => { t += ms; } };
}

const exp = (): number => Math.floor(Date.now() / 1000) + 600;

describe('remote JWKS against a local HTTP server', () => {
  let ring: KeyRing;
  let ep: Endpoint;

  before(async () => {
    ring = KeyRing.generate('ES256');
    ep = await startEndpoint(ring);
  });
  after(async () => stopEndpoint(ep));

  const reset = (): void => {
    ep.hits = 0;
    ep.status = 200;
    ep.cacheControl = undefined;
    ep.delayMs = 0;
    ep.body = () => JSON.stringify(ring.jwks());
  };

  it('fetches once, caches, and verifies through the cached set', async () => {
    reset();
    const jwks = createRemoteJWKSet(ep.url);
    const verify = createRemoteJWTVerifier(jwks, { requiredClaims: ['sub'] });
    for (let i = 0; i < 5; i++) {
      const { payload } = await verify(ring.sign({ sub: `u${i}`, exp: exp() }));
      assert.equal(payload.sub, `u${i}`);
    }
    assert.equal(ep.hits, 1);
    assert.equal(jwks.fresh, true);
    assert.deepEqual(jwks.jwks, ring.jwks());
  });

  it('concurrent first callers share one request', async () => {
    reset();
    ep.delayMs = 50;
    const jwks = createRemoteJWKSet(ep.url);
    const token = ring.sign({ sub: 'c', exp: exp() });
    const results = await Promise.all(Array.from({ length: 20 }, () => verifyJWTWithRemoteJWKS(token, jwks)));
    assert.equal(results.length, 20);
    assert.ok(results.every((r) => r.payload.sub === 'c'));
    assert.equal(ep.hits, 1);
  });

  it('refetches on an unknown kid, at most once per cooldown', async () => {
    reset();
    const c = clock();
    const jwks = createRemoteJWKSet(ep.url, { cooldownMs: 30_000, now: c.now });
    const local = KeyRing.generate('ES256');
    ep.body = () => JSON.stringify(local.jwks());
    assert.equal((await verifyJWTWithRemoteJWKS(local.sign({ sub: 'a', exp: exp() }), jwks)).payload.sub, 'a');
    assert.equal(ep.hits, 1);

    local.rotate({ gracePeriod: '1h' });
    const rotatedToken = local.sign({ sub: 'b', exp: exp() });
    // Inside the cooldown: no refetch storm, the unknown kid is refused.
    const codes = await Promise.all(Array.from({ length: 10 }, () => codeOf(verifyJWTWithRemoteJWKS(rotatedToken, jwks))));
    assert.deepEqual(new Set(codes), new Set(['ERR_JWKS_NO_MATCHING_KEY']));
    assert.equal(ep.hits, 1);

    c.advance(30_001);
    const again = await Promise.all(Array.from({ length: 10 }, () => verifyJWTWithRemoteJWKS(rotatedToken, jwks)));
    assert.ok(again.every((r) => r.payload.sub === 'b'));
    assert.equal(ep.hits, 2);
    // A kid nobody knows costs one more fetch after the cooldown, then none.
    const stranger = KeyRing.generate('ES256').sign({ sub: 'x', exp: exp() });
    c.advance(30_001);
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(stranger, jwks)), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(stranger, jwks)), 'ERR_JWKS_NO_MATCHING_KEY');
    assert.equal(ep.hits, 3);
  });

  it('honours Cache-Control max-age', async () => {
    reset();
    ep.cacheControl = 'public, max-age=60';
    const c = clock();
    const jwks = createRemoteJWKSet(ep.url, { cooldownMs: 1000, cacheMaxAgeMs: 3_600_000, now: c.now });
    const token = ring.sign({ sub: 'm', exp: exp() });
    await verifyJWTWithRemoteJWKS(token, jwks);
    c.advance(59_000);
    await verifyJWTWithRemoteJWKS(token, jwks);
    assert.equal(ep.hits, 1);
    c.advance(2_000);
    assert.equal(jwks.fresh, false);
    await verifyJWTWithRemoteJWKS(token, jwks);
    assert.equal(ep.hits, 2);
    assert.equal(parseCacheControlMaxAge('no-store'), 0);
    assert.equal(parseCacheControlMaxAge('max-age=abc'), undefined);
    assert.equal(parseCacheControlMaxAge(null), undefined);
  });

  it('times out with ERR_JWKS_TIMEOUT', async () => {
    reset();
    ep.delayMs = 4000;
    const jwks = createRemoteJWKSet(ep.url, { timeoutMs: 100 });
    const started = Date.now();
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(ring.sign({ sub: 't', exp: exp() }), jwks)), 'ERR_JWKS_TIMEOUT');
    assert.ok(Date.now() - started < 3500, 'the timeout cut the request short');
  });

  it('serves the cached set while the endpoint answers errors, within the stale window', async () => {
    reset();
    ep.cacheControl = 'max-age=10';
    const c = clock();
    const jwks = createRemoteJWKSet(ep.url, { cooldownMs: 1000, staleIfErrorMs: 60_000, now: c.now });
    const token = ring.sign({ sub: 's', exp: exp() });
    await verifyJWTWithRemoteJWKS(token, jwks);
    ep.status = 503;
    c.advance(11_000);
    assert.equal((await verifyJWTWithRemoteJWKS(token, jwks)).payload.sub, 's');
    assert.equal(jwks.stats.staleServed, 1);
    assert.equal(jwks.stats.failures, 1);
    c.advance(60_000);
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, jwks)), 'ERR_JWKS_FETCH_FAILED');
  });

  it('reports bad bodies with typed errors', async () => {
    reset();
    const token = ring.sign({ sub: 'b', exp: exp() });
    ep.body = () => 'not json';
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, createRemoteJWKSet(ep.url))), 'ERR_JWKS_FETCH_FAILED');
    ep.body = () => JSON.stringify({ keys: 'nope' });
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, createRemoteJWKSet(ep.url))), 'ERR_JWKS_INVALID');
    ep.body = () => JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI' }] });
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, createRemoteJWKSet(ep.url))), 'ERR_JWKS_NO_MATCHING_KEY');
    ep.body = () => JSON.stringify({ keys: [], pad: 'x'.repeat(2048) });
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, createRemoteJWKSet(ep.url, { maxBodyBytes: 1024 }))), 'ERR_JWKS_FETCH_FAILED');
    reset();
    ep.status = 302;
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, createRemoteJWKSet(ep.url))), 'ERR_JWKS_FETCH_FAILED');
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS('x'.repeat(9000), createRemoteJWKSet(ep.url))), 'ERR_TOKEN_TOO_LARGE');
  });
});

describe('remote JWKS with the server down', () => {
  it('fails with ERR_JWKS_FETCH_FAILED and does not retry within the cooldown', async () => {
    const ring = KeyRing.generate('ES256');
    const ep = await startEndpoint(ring);
    const url = ep.url;
    await stopEndpoint(ep);
    const c = clock();
    const jwks = createRemoteJWKSet(url, { cooldownMs: 5000, timeoutMs: 1000, now: c.now });
    const token = ring.sign({ sub: 'd', exp: exp() });
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, jwks)), 'ERR_JWKS_FETCH_FAILED');
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, jwks)), 'ERR_JWKS_FETCH_FAILED');
    assert.equal(jwks.stats.fetches, 1);
    c.advance(5001);
    assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, jwks)), 'ERR_JWKS_FETCH_FAILED');
    assert.equal(jwks.stats.fetches, 2);
  });

  it('keeps serving a cached set after the server goes away', async () => {
    const ring = KeyRing.generate('EdDSA');
    const ep = await startEndpoint(ring);
    const c = clock();
    const jwks = createRemoteJWKSet(ep.url, { cacheMaxAgeMs: 1000, cooldownMs: 100, now: c.now });
    const token = ring.sign({ sub: 'k', exp: exp() });
    await verifyJWTWithRemoteJWKS(token, jwks);
    await stopEndpoint(ep);
    c.advance(5000);
    assert.equal((await verifyJWTWithRemoteJWKS(token, jwks)).payload.sub, 'k');
    assert.equal(jwks.stats.staleServed, 1);
  });
});

describe('remote JWKS stale window', () => {
  it('does not serve a set past its stale window between two failed fetches (inside the cooldown)', async () => {
    const ring = KeyRing.generate('ES256');
    const ep = await startEndpoint(ring);
    try {
      ep.cacheControl = 'max-age=10';
      const c = clock();
      const jwks = createRemoteJWKSet(ep.url, { cooldownMs: 5000, staleIfErrorMs: 1000, now: c.now });
      const token = ring.sign({ sub: 'w', exp: exp() });
      assert.equal((await verifyJWTWithRemoteJWKS(token, jwks)).payload.sub, 'w');
      ep.status = 503;
      c.advance(20_000); // past max-age (10 s) and the stale window (1 s)
      assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, jwks)), 'ERR_JWKS_FETCH_FAILED');
      c.advance(100); // inside the cooldown: no new fetch, and still no stale set
      assert.equal(await codeOf(verifyJWTWithRemoteJWKS(token, jwks)), 'ERR_JWKS_FETCH_FAILED');
      assert.equal(jwks.stats.fetches, 2);
    } finally {
      await stopEndpoint(ep);
    }
  });
});
