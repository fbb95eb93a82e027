/**
 * JWTManager.verifyToken (metrics and audit on, the defaults) next to the bare jose verifier
 * (createJWTVerifier on the same key and token): the manager's overhead is the kid lookup, the
 * claims-set result object, two clock reads, the counters, the audit ring buffer and the Promise.
 * `cjwt` is verifyToken awaited; `cjwt-sync` is its synchronous core; `bare` is the jose verifier.
 */
import { createJWTVerifier, generateKeyPair, generateSecret, type JWSAlgorithm } from '../src/jose/index.js';
import { JWTManager } from '../src/jwt/index.js';
import { KeyRing } from '../src/keys/index.js';
import type { Harness, Row, Suite } from './harness.js';

const ALGS: JWSAlgorithm[] = ['HS256', 'ES256'];

async function cell(h: Harness, alg: JWSAlgorithm): Promise<Row | undefined> {
  const op = 'JWTManager.verifyToken';
  if (!h.wants(op, alg)) return undefined;
  const key = alg === 'HS256' ? generateSecret('HS256') : generateKeyPair(alg).privateKey;
  const ring = new KeyRing();
  ring.add(key, { alg, kid: 'bench' });
  const manager = JWTManager.withKeyRing(ring, { issuer: 'https://issuer.example', audience: 'api', defaultTtl: '1h' });
  const { token } = await manager.generateToken({ subject: 'user-1', customClaims: { scope: 'read write' } });
  const verifyKey = ring.resolver()({ alg, kid: 'bench' });
  const bare = createJWTVerifier(verifyKey, { algorithms: [alg], issuer: 'https://issuer.example', audience: 'api', requiredClaims: ['exp'] });
  // Same answer from both before timing anything.
  const check = await manager.verifyToken(token);
  if (!check.valid || bare(token).payload.sub !== 'user-1') throw new Error('bench token does not verify');
  const row = await h.compare(op, alg, {
    cjwt: () => manager.verifyToken(token),
    'cjwt-sync': () => manager.verifyTokenSync(token),
    bare: () => bare(token),
  });
  const metrics = manager.getMetrics();
  if (metrics.failed !== 0) throw new Error('verification failed during the benchmark');
  row['cjwt/bare'] = Number(((row.cjwt as number) / (row.bare as number)).toFixed(2));
  row['sync/bare'] = Number(((row['cjwt-sync'] as number) / (row.bare as number)).toFixed(2));
  return row;
}

const suite: Suite = async (h) => {
  const rows: Row[] = [];
  for (const alg of ALGS) {
    const row = await cell(h, alg);
    if (row !== undefined) rows.push(row);
  }
  return rows;
};

export default suite;
