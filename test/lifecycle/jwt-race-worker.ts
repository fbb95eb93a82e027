/**
 * Worker process of the JWTManager race suite (jwt-race.ts): opens the store named by argv[2],
 * builds managers over the HMAC secret in argv[3] (base64url), says `ready`, then runs each task
 * the parent sends with up to IN_FLIGHT calls at once and answers with the tally.
 */
import { JWTManager } from '../../src/jwt/index.js';
import { isCjwtError } from '../../src/jose/index.js';
import { createTokenStore } from '../../src/store/index.js';

/** A batch of racing calls, or one verification through the claims-caching manager. */
export type RaceTask =
  | { type: 'login'; subject: string; calls: number; max: number }
  | { type: 'refresh'; token: string; calls: number }
  | { type: 'verify-cached'; token: string };

/** What a worker reports for one task. */
export interface RaceTally {
  wins: number;
  losses: number;
  /** jti of each token a win produced. */
  issued: string[];
  /** Error codes of the losses. */
  codes: string[];
  errors: string[];
  /** verify-cached: the verification's outcome and the cache's hit count after it. */
  valid?: boolean;
  cacheHits?: number;
}

const [url, secret] = process.argv.slice(2);
if (url === undefined || secret === undefined || process.send === undefined) throw new Error('run me with fork(worker, [url, secret])');
const send = process.send.bind(process);
const store = await createTokenStore(url, { operationTimeoutMs: 30_000 });
const key = Buffer.from(secret, 'base64url');
const config = { issuer: 'https://auth.example', keyId: 'race', store } as const;
const limited = new Map<number, JWTManager>();
const cached = JWTManager.withHMAC(key, { ...config, claimsCache: true });
const plain = JWTManager.withHMAC(key, { ...config, trackUserTokens: true });
const IN_FLIGHT = 24;

async function inFlight(calls: number, call: () => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next++ < calls) await call();
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, calls) }, lane));
}

async function run(task: RaceTask): Promise<RaceTally> {
  const tally: RaceTally = { wins: 0, losses: 0, issued: [], codes: [], errors: [] };
  const lose = (err: unknown): void => {
    if (isCjwtError(err) && err.code !== 'ERR_STORAGE') {
      tally.losses++;
      tally.codes.push(err.code);
    } else {
      tally.errors.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    }
  };
  if (task.type === 'login') {
    let manager = limited.get(task.max);
    if (manager === undefined) {
      manager = JWTManager.withHMAC(key, { ...config, maxUserSessions: task.max, sessionLimitPolicy: 'reject' });
      limited.set(task.max, manager);
    }
    const m = manager;
    await inFlight(task.calls, () => m.generateToken({ subject: task.subject, device: { id: `pid-${process.pid}` } }).then((t) => {
      tally.wins++;
      tally.issued.push(t.jwtId);
    }, lose));
  } else if (task.type === 'refresh') {
    await inFlight(task.calls, () => plain.refresh(task.token).then((t) => {
      tally.wins++;
      tally.issued.push(t.jwtId);
    }, lose));
  } else {
    const result = await cached.verifyToken(task.token);
    tally.valid = result.valid;
    if (!result.valid) tally.codes.push(result.error.code);
    tally.cacheHits = cached.claimsCache!.stats().hits;
  }
  return tally;
}

process.on('message', (message: RaceTask | { type: 'exit' }) => {
  if (message.type === 'exit') {
    void store.close().finally(() => process.exit(0));
    return;
  }
  void run(message).then((tally) => send(tally), (err: unknown) => send({ wins: 0, losses: 0, issued: [], codes: [], errors: [String(err)] }));
});
send({ type: 'ready' });
