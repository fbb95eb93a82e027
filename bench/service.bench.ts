/**
 * `npm run bench:service`: the token service over HTTP with autocannon, against the floor a
 * bare Fastify route sets in the same run at the same concurrency:
 * - `/verify` (HS256, ES256; revocation checked by a store round trip, and by the revocation
 *   feed's in-memory mirror) vs a route doing the same node:crypto verification and answering
 *   the same JSON;
 * - `/introspect` of opaque tokens vs a route doing SHA-256 plus the same `getByHash`.
 * Each floor is measured twice: bare, and sending the service's security headers (so the table
 * shows how much of the gap those headers are).
 * Servers run in a child process (this file with `--serve`), so the load generator does not
 * share their event loop. Options: `--seconds=N` per round (default 2), `--rounds=N` interleaved rounds, best kept (default 5), `--connections=N` (default 32),
 * `--redis=URL` (or REDIS_URL) adds the Redis store.
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac, timingSafeEqual, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyInstance } from 'fastify';
import type * as OpaqueModule from '../src/opaque/index.js';
import type * as HttpSetupModule from '../src/server/http-setup.js';
import type * as ServerModule from '../src/server/index.js';

interface ServedScenario {
  serviceUrl: string;
  /** The same service with `revocation: 'feed'` on the same store and data directory. */
  feedServiceUrl: string;
  /** The floor routes again, sending the service's security headers. */
  bareHeadersUrl: string;
  bareUrl: string;
  accessToken: string;
  opaqueToken: string;
  clientAuth: string;
}

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

/** Child side: the service and the bare routes on one store, then wait for the parent to end us. */
async function serve(algorithm: 'HS256' | 'ES256', storeUrl: string | undefined): Promise<void> {
  const { default: Fastify } = await import('fastify');
  // The built package (`npm run bench:service` builds first): what users run, without the
  // TypeScript loader's per-function helpers in the measured path.
  const built = (entry: string): string => new URL(`../dist/${entry}/index.js`, import.meta.url).href;
  const { createTokenService } = (await import(built('server'))) as typeof ServerModule;
  const { OpaqueTokenManager } = (await import(built('opaque'))) as typeof OpaqueModule;
  const dataDir = mkdtempSync(join(tmpdir(), 'cjwt-bench-service-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const service = await createTokenService({
    port: 0, dataDir, algorithm, issuer: 'https://bench.test', logLevel: 'silent', rateLimitMax: 0, passwordHashCost: { N: 1024 }, ...(storeUrl === undefined ? {} : { store: storeUrl }),
  });
  const serviceUrl = await service.listen();
  const creds = service.initialCredentials!;
  const feedService = await createTokenService({
    port: 0, dataDir, algorithm, issuer: 'https://bench.test', logLevel: 'silent', rateLimitMax: 0, revocation: 'feed', ...(storeUrl === undefined ? {} : { store: storeUrl }),
  });
  const feedServiceUrl = await feedService.listen();
  const login = await fetch(`${serviceUrl}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: creds.username, password: creds.password }) });
  const { access_token: accessToken } = (await login.json()) as { access_token: string };
  const opaque = new OpaqueTokenManager({ store: service.store });
  const { token: opaqueToken } = await opaque.generateToken({ userId: 'bench-user', scope: ['read'], ttl: '1h' });

  // The floor: what no service can skip.
  const entry = service.keyRing().snapshotEntries().entries[0]!;
  const key: KeyObject = entry.verifyKey;
  const store = service.store;
  // The floor twice: bare, and sending the service's security headers (how much of the gap they are).
  const floorApp = (headers: Readonly<Record<string, string>> | undefined): FastifyInstance => {
    const app = Fastify({ logger: false });
    if (headers !== undefined) app.addHook('onRequest', (_request, reply, done) => { reply.headers(headers); done(); });
    app.post('/verify', async (request, reply) => {
      const { token } = request.body as { token: string };
      const dot1 = token.indexOf('.');
      const dot2 = token.lastIndexOf('.');
      const header = JSON.parse(Buffer.from(token.slice(0, dot1), 'base64url').toString()) as { alg: string };
      const data = Buffer.from(token.slice(0, dot2));
      const signature = Buffer.from(token.slice(dot2 + 1), 'base64url');
      let ok: boolean;
      if (header.alg === 'HS256') {
        const mac = createHmac('sha256', key).update(data).digest();
        ok = mac.length === signature.length && timingSafeEqual(mac, signature);
      } else {
        ok = cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      }
      const claims = JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url').toString()) as { exp: number };
      if (!ok || claims.exp * 1000 <= Date.now()) return reply.code(401).send({ valid: false, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
      return { valid: true, claims };
    });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    app.post('/introspect', async (request) => {
      const { token } = request.body as { token: string };
      const record = await store.getByHash(createHash('sha256').update(token).digest('base64url'));
      if (record === undefined || record.revokedAt !== undefined || record.expiresAt <= Date.now()) return { active: false };
      // The same JSON the service answers (RFC 7662 fields of an opaque token).
      return {
        active: true, token_type: record.kind, sub: record.subject, iss: 'https://bench.test', exp: Math.floor(record.expiresAt / 1000),
        iat: Math.floor(record.issuedAt / 1000), ...(record.scope === undefined ? {} : { scope: record.scope.join(' ') }),
      };
    });
    return app;
  };
  const { SECURITY_HEADERS } = (await import(new URL('../dist/server/http-setup.js', import.meta.url).href)) as typeof HttpSetupModule;
  const bare = floorApp(undefined);
  const bareWithHeaders = floorApp(SECURITY_HEADERS);
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareHeadersUrl = await bareWithHeaders.listen({ host: '127.0.0.1', port: 0 });
  const scenario: ServedScenario = { serviceUrl, feedServiceUrl, bareUrl, bareHeadersUrl, accessToken, opaqueToken, clientAuth: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString('base64')}` };
  process.stdout.write(`${JSON.stringify(scenario)}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => { void service.close().then(() => feedService.close()).then(() => bare.close()).then(() => bareWithHeaders.close()).then(() => process.exit(0)); });
}

async function startChild(algorithm: string, storeUrl: string | undefined): Promise<{ scenario: ServedScenario; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve', algorithm, ...(storeUrl === undefined ? [] : [storeUrl])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { scenario: JSON.parse(line) as ServedScenario, stop: () => { child.stdin!.end(); } };
}

async function rate(url: string, body: string, headers: Record<string, string>, seconds: number, connections: number): Promise<number> {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({ url, method: 'POST', body, headers, connections, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/**
 * Alternates the measurements (after a short warm-up of each) and keeps each one's best round:
 * on a shared, noisy machine the best round is what the code can do.
 */
async function interleaved(runs: Array<() => Promise<number>>, rounds: number): Promise<number[]> {
  for (const run of runs) await run();
  const best = runs.map(() => 0);
  for (let i = 0; i < rounds; i++) {
    for (const [j, run] of runs.entries()) best[j] = Math.max(best[j]!, await run());
  }
  return best;
}

/** Adds a table row and prints it at once (a long run shows progress). */
function report(rows: string[][], label: string, service: number, floor: number, floorHeaders: number): void {
  rows.push([label, service.toFixed(0), floor.toFixed(0), (service / floor).toFixed(2), floorHeaders.toFixed(0), (service / floorHeaders).toFixed(2)]);
  process.stderr.write(`${rows.at(-1)!.join(' | ')}\n`);
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds') ?? 2);
  const connections = Number(arg('connections') ?? 32);
  const rounds = Number(arg('rounds') ?? 5);
  const redis = arg('redis') ?? process.env.REDIS_URL;
  const stores: Array<[string, string | undefined]> = [['SQLite', undefined], ...(redis === undefined ? [] : [['Redis', redis] as [string, string]])];
  const rows: string[][] = [];
  for (const [storeName, storeUrl] of stores) {
    for (const alg of ['HS256', 'ES256'] as const) {
      const { scenario, stop } = await startChild(alg, storeUrl);
      try {
        const json = { 'content-type': 'application/json' };
        const verifyBody = JSON.stringify({ type: 'access', token: scenario.accessToken });
        const [service, feed, floor, floorHeaders] = await interleaved([
          () => rate(`${scenario.serviceUrl}/verify`, verifyBody, json, seconds, connections),
          () => rate(`${scenario.feedServiceUrl}/verify`, verifyBody, json, seconds, connections),
          () => rate(`${scenario.bareUrl}/verify`, verifyBody, json, seconds, connections),
          () => rate(`${scenario.bareHeadersUrl}/verify`, verifyBody, json, seconds, connections),
        ], rounds) as [number, number, number, number];
        report(rows, `/verify ${alg}, revocation: store round trip on ${storeName}`, service, floor, floorHeaders);
        report(rows, `/verify ${alg}, revocation: feed from ${storeName}`, feed, floor, floorHeaders);
        if (alg === 'ES256') {
          const form = { 'content-type': 'application/x-www-form-urlencoded' };
          const introspectBody = `token=${encodeURIComponent(scenario.opaqueToken)}`;
          const authed = { ...form, authorization: scenario.clientAuth };
          const [svc, bare, bareHeaders] = await interleaved([
            () => rate(`${scenario.serviceUrl}/introspect`, introspectBody, authed, seconds, connections),
            () => rate(`${scenario.bareUrl}/introspect`, introspectBody, form, seconds, connections),
            () => rate(`${scenario.bareHeadersUrl}/introspect`, introspectBody, form, seconds, connections),
          ], rounds) as [number, number, number];
          report(rows, `/introspect opaque on ${storeName}`, svc, bare, bareHeaders);
        }
      } finally {
        stop();
      }
    }
  }
  const table = [
    `| operation (${connections} connections, best of ${rounds} × ${seconds} s) | cjwt serve (req/s) | bare Fastify floor (req/s) | ratio | floor + security headers (req/s) | ratio to it |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  console.log(table);
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] as 'HS256' | 'ES256', process.argv[4]);
} else {
  await main();
}
