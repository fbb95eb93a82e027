/**
 * `npm run bench:lifecycle-jwt`: what the token lifecycle costs JWTManager, measured in one run.
 * - verifyToken with revocation (a MemoryTokenStore: one `isRevoked(jti)` per call) next to the
 *   same manager without a store (the stateless path), HS256 and ES256. Target: >= 0.8.
 * - verifyToken of a nested JWE (ES256 inside ECDH-ES+A256KW / A256GCM) with the claims cache
 *   (a hit: SHA-256 of the token and an LRU lookup) next to the uncached decrypt-and-verify.
 *   Target: >= 10x. Also with the memory store on both sides (cache hit + revocation check).
 * Flags as the other benches: `--time=MS` per cell and implementation (default 1000),
 * `--rounds=N` (default 8), `--filter=TEXT`, `--json`.
 */
import { generateKeyPair, generateSecret, type JWSAlgorithm } from '../src/jose/index.js';
import { JWTManager, type JWTManagerConfig } from '../src/jwt/index.js';
import { KeyRing } from '../src/keys/index.js';
import { MemoryTokenStore } from '../src/store/index.js';
import { createHarness, formatJSON, formatTable, parseHarnessArgs, type Harness, type Row } from './harness.js';

async function check(manager: JWTManager, token: string): Promise<void> {
  const result = await manager.verifyToken(token);
  if (!result.valid) throw new Error(`bench token does not verify: ${result.error.code}`);
}

/** verifyToken with revocation on the memory store vs the stateless path. */
async function revocationCell(h: Harness, alg: JWSAlgorithm): Promise<Row | undefined> {
  const op = 'verifyToken: memory-store revocation vs none';
  if (!h.wants(op, alg)) return undefined;
  const ring = new KeyRing();
  ring.add(alg === 'HS256' ? generateSecret('HS256') : generateKeyPair(alg).privateKey, { alg, kid: 'bench' });
  const config: JWTManagerConfig = { issuer: 'https://issuer.example', audience: 'api', defaultTtl: '1h' };
  const stateless = JWTManager.withKeyRing(ring, config);
  const store = new MemoryTokenStore({ sweepIntervalMs: 0 });
  const revoking = JWTManager.withKeyRing(ring, { ...config, store, trackUserTokens: true });
  // A store holding other sessions and revocations, as in service.
  for (let i = 0; i < 1000; i++) {
    const issued = await revoking.generateToken({ subject: `user-${i % 100}` });
    if (i % 10 === 0) await revoking.revokeTokenById(issued.jwtId, issued.expiresAt);
  }
  const { token } = await revoking.generateToken({ subject: 'user-1', customClaims: { scope: 'read write' } });
  await check(stateless, token);
  await check(revoking, token);
  const row = await h.compare(op, alg, {
    'no-store': () => stateless.verifyToken(token),
    'memory-store': () => revoking.verifyToken(token),
  });
  await store.close();
  return row;
}

/** Claims cache on nested JWE vs decrypt-and-verify every time. */
async function cacheCell(h: Harness, withStore: boolean): Promise<Row | undefined> {
  const op = withStore ? 'nested JWE verifyToken + memory store: cache vs none' : 'nested JWE verifyToken: cache vs none';
  const alg = 'ES256+ECDH-ES+A256KW';
  if (!h.wants(op, alg)) return undefined;
  const signing = generateKeyPair('ES256');
  const encryption = generateKeyPair('P-256');
  const store = withStore ? new MemoryTokenStore({ sweepIntervalMs: 0 }) : undefined;
  const config: JWTManagerConfig = {
    issuer: 'https://issuer.example', audience: 'api', keyId: 'bench',
    encryption: { key: encryption.publicKey, decryptionKey: encryption.privateKey, alg: 'ECDH-ES+A256KW' },
    ...(store === undefined ? {} : { store }),
  };
  const uncached = JWTManager.withECDSA(signing.privateKey, config);
  const cached = JWTManager.withECDSA(signing.privateKey, { ...config, claimsCache: { max: 10_000 } });
  const { token } = await uncached.generateToken({ subject: 'user-1', customClaims: { scope: 'read write', role: 'admin' } });
  await check(uncached, token);
  await check(cached, token);
  const row = await h.compare(op, alg, {
    uncached: () => uncached.verifyToken(token),
    cached: () => cached.verifyToken(token),
  });
  if (cached.claimsCache!.stats().misses !== 1) throw new Error('the cache missed more than once');
  await store?.close();
  return row;
}

async function main(): Promise<void> {
  const options = parseHarnessArgs(process.argv.slice(2));
  const h = createHarness(options);
  const rows: Row[] = [];
  for (const alg of ['HS256', 'ES256'] as const) {
    const row = await revocationCell(h, alg);
    if (row !== undefined) rows.push(row);
  }
  for (const withStore of [false, true]) {
    const row = await cacheCell(h, withStore);
    if (row !== undefined) rows.push(row);
  }
  if (options.json) {
    process.stdout.write(`${formatJSON(rows)}\n`);
    return;
  }
  process.stdout.write(`${formatTable(rows, [['memory-store', 'no-store'], ['cached', 'uncached']])}\n\n`);
  process.stdout.write(`ops per CPU-second, best of ${options.rounds} interleaved rounds. Targets: memory-store/no-store >= 0.8; cached/uncached >= 10.\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
