/**
 * `npm run bench:lifecycle-refresh`: refresh-token rotations per second (TokenPairIssuer.refreshTokens)
 * on each store backend, next to a floor measured in the same run on the same store: the bare
 * work every rotation needs, by hand (one HS256 access token signed by the same JWTManager, a
 * random token and its SHA-256, then `consume`, `put` access, `put` refresh, `revoke` parent).
 * The ratio issuer / floor is the cost of what the issuer adds (format check, family bookkeeping,
 * events, sealing); a rotation with the reuse grace on (the successor pair sealed with
 * AES-256-GCM) is measured too.
 *
 * Each cell runs `--rounds` interleaved rounds of `--duration` ms per implementation; the best
 * round counts (what holds on a shared machine). The memory store's rates are per CPU-second of
 * the process (all the work is in-process); the others are per wall-clock second (the database
 * server's work counts). Concurrency 1 is one family refreshed in a
 * chain; concurrency 16 is 16 families refreshed at once.
 *
 * Servers come from CJWT_TEST_REDIS_URL / CJWT_TEST_POSTGRES_URL / CJWT_TEST_MYSQL_URL when set,
 * otherwise the bench starts its own with the test harnesses (test/support/servers/).
 *
 * Flags: --only=memory,sqlite,redis,postgres,mysql  --duration=MS (default 150)  --rounds=N (default 10)  --json
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JWTManager } from '../src/jwt/index.js';
import { TokenPairIssuer } from '../src/lifecycle/refresh/index.js';
import { createTokenStore, type CreateTokenStoreOptions } from '../src/store/create.js';
import type { TokenStore } from '../src/store/types.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const asJson = args.includes('--json');
const only = flag('only')?.split(',');
const durationMs = Number(flag('duration') ?? 150);
const rounds = Number(flag('rounds') ?? 10);
const started = Date.now();
const log = (line: string): void => { if (!asJson) process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`); };

interface Row {
  backend: string;
  concurrency: number;
  rotationsPerSec: number;
  graceRotationsPerSec: number;
  floorPerSec: number;
  ratio: number;
}

/** A lane: one chain of operations (each awaits the previous). */
type Lane = () => Promise<unknown>;

/**
 * Ops/s of `lanes` run concurrently for `ms` of wall time. With `cpuTime`, per CPU-second of
 * this process instead: for the memory store all the work is ours, and on a shared machine wall
 * time would mostly measure the neighbours.
 */
async function measureLanes(lanes: Lane[], ms: number, cpuTime = false): Promise<number> {
  const until = performance.now() + ms;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const counts = await Promise.all(lanes.map(async (lane) => {
    let n = 0;
    while (performance.now() < until) { await lane(); n++; }
    return n;
  }));
  const ops = counts.reduce((a, b) => a + b, 0);
  if (cpuTime) {
    const used = process.cpuUsage(cpu);
    return ops / Math.max((used.user + used.system) / 1e6, 1e-6);
  }
  return ops / ((performance.now() - start) / 1000);
}

/** Best of `rounds` interleaved rounds for each implementation. */
async function compare(impls: Record<string, Lane[]>, cpuTime: boolean): Promise<Record<string, number>> {
  const best: Record<string, number> = {};
  for (const lanes of Object.values(impls)) await measureLanes(lanes, 150); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const [name, lanes] of Object.entries(impls)) best[name] = Math.max(best[name] ?? 0, await measureLanes(lanes, durationMs, cpuTime));
  }
  return best;
}

const hmac = randomBytes(32);
const secret = randomBytes(32);

/** Lanes that each refresh one family of `pairs` in a chain. */
async function rotationLanes(pairs: TokenPairIssuer, concurrency: number): Promise<Lane[]> {
  return Promise.all(Array.from({ length: concurrency }, async (_, i) => {
    let current = await pairs.issueTokenPair({ subject: `bench-${i}`, device: { userAgent: 'bench' } });
    return async () => { current = await pairs.refreshTokens(current.refreshToken); };
  }));
}

/** Lanes doing by hand the store work and signing of one rotation, without the issuer. */
async function floorLanes(jwt: JWTManager, store: TokenStore, concurrency: number): Promise<Lane[]> {
  const sha = (token: string): string => createHash('sha256').update(token).digest('base64url');
  return Promise.all(Array.from({ length: concurrency }, async (_, i) => {
    const familyId = randomBytes(16).toString('base64url');
    let generation = 0;
    let token = randomBytes(32).toString('base64url');
    const now = Date.now();
    await store.put({ id: `${familyId}.0`, hash: sha(token), kind: 'refresh', subject: `floor-${i}`, familyId, issuedAt: now, expiresAt: now + 86_400_000 });
    return async () => {
      const t = Date.now();
      const consumed = await store.consume(sha(token));
      if (!consumed.consumed) throw new Error('floor: consume lost');
      const access = await jwt.generateToken({ subject: `floor-${i}`, customClaims: { sid: familyId } });
      const next = randomBytes(32).toString('base64url');
      await store.put({ id: access.jwtId, kind: 'access', subject: `floor-${i}`, familyId, issuedAt: t, expiresAt: t + 900_000 });
      await store.put({ id: `${familyId}.${generation + 1}`, hash: sha(next), kind: 'refresh', subject: `floor-${i}`, familyId, parentId: `${familyId}.${generation}`, issuedAt: t, expiresAt: t + 86_400_000 });
      await store.revoke(`${familyId}.${generation}`, 'rotated');
      generation++;
      token = next;
    };
  }));
}

async function benchBackend(name: string, url: string, options: CreateTokenStoreOptions): Promise<Row[]> {
  const store = await createTokenStore(url, { ...options, sweepIntervalMs: 0 });
  const jwt = JWTManager.withHMAC(hmac, { issuer: 'https://auth.bench', metrics: false, audit: false });
  const plain = new TokenPairIssuer({ jwt, store, secret });
  const grace = new TokenPairIssuer({ jwt, store, secret, reuseGraceMs: 2000 });
  const rows: Row[] = [];
  try {
    for (const concurrency of [1, 16]) {
      log(`${name}: concurrency ${concurrency}...`);
      const best = await compare({
        rotation: await rotationLanes(plain, concurrency),
        grace: await rotationLanes(grace, concurrency),
        floor: await floorLanes(jwt, store, concurrency),
      }, name === 'memory');
      rows.push({
        backend: name, concurrency, rotationsPerSec: best.rotation!, graceRotationsPerSec: best.grace!, floorPerSec: best.floor!,
        ratio: best.rotation! / best.floor!,
      });
    }
  } finally {
    await store.close();
  }
  return rows;
}

interface ServerHandle { url: string; stop(): Promise<void> }

async function server(name: 'redis' | 'postgres' | 'mysql'): Promise<ServerHandle> {
  const env = { redis: 'CJWT_TEST_REDIS_URL', postgres: 'CJWT_TEST_POSTGRES_URL', mysql: 'CJWT_TEST_MYSQL_URL' }[name];
  const fromEnv = process.env[env];
  if (fromEnv) return { url: fromEnv, stop: async () => {} };
  log(`starting a ${name} server (set ${env} to use a running one)`);
  if (name === 'redis') return (await import('../test/support/servers/redis.js')).startRedis();
  if (name === 'postgres') return (await import('../test/support/servers/postgres.js')).startPostgres();
  return (await import('../test/support/servers/mysql.js')).startMySql();
}

const wanted = (name: string): boolean => only === undefined || only.includes(name);
const rows: Row[] = [];
const skipped: Record<string, string> = {};
const tag = `b${randomBytes(4).toString('hex')}`;

if (wanted('memory')) rows.push(...(await benchBackend('memory', 'memory:', {})));
if (wanted('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'cjwt-refresh-bench-'));
  try {
    rows.push(...(await benchBackend('sqlite', `sqlite:${join(dir, 'tokens.db')}`, {})));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const name of ['redis', 'postgres', 'mysql'] as const) {
  if (!wanted(name)) continue;
  let handle: ServerHandle | undefined;
  try {
    handle = await server(name);
    const options = name === 'redis' ? { prefix: `${tag}:` } : { tablePrefix: `${tag}_` };
    rows.push(...(await benchBackend(name, handle.url, options)));
  } catch (err) {
    skipped[name] = err instanceof Error ? (err.message.split('\n')[0] ?? String(err)) : String(err);
    log(`  ${name} skipped: ${skipped[name]}`);
  } finally {
    await handle?.stop();
  }
}

if (asJson) {
  process.stdout.write(`${JSON.stringify({ node: process.version, durationMs, rounds, rows, skipped }, null, 2)}\n`);
} else {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(`\nRefresh rotations per second (node ${process.version}, best of ${rounds} x ${durationMs} ms; memory per CPU-second, others per wall-clock second)\n`);
  console.log('| backend | concurrency | refreshTokens/s | with reuse grace (sealed successor) /s | floor (bare sign + consume, put, put, revoke) /s | ratio to floor |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.backend} | ${r.concurrency} | ${fmt(r.rotationsPerSec)} | ${fmt(r.graceRotationsPerSec)} | ${fmt(r.floorPerSec)} | ${r.ratio.toFixed(2)} |`);
  }
  for (const [name, why] of Object.entries(skipped)) console.log(`\n${name}: skipped (${why})`);
}
