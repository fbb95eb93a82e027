/**
 * Worker process of the refresh races (race.ts): opens the store from argv[2] (URL) and argv[3]
 * (createTokenStore options as JSON), says `ready`, then runs each task the parent sends through
 * its own TokenPairIssuer (up to IN_FLIGHT calls at once) and answers with the tally.
 */
import { createTokenStore } from '../../../src/store/create.js';
import { raceIssuer, type RaceTally, type RaceTask } from './race-config.js';

const [url, optionsJson] = process.argv.slice(2);
if (url === undefined || process.send === undefined) throw new Error('run me with child_process.fork(worker, [url, optionsJson])');
const send = process.send.bind(process);
const store = await createTokenStore(url, { ...(JSON.parse(optionsJson ?? '{}') as object), operationTimeoutMs: 30_000 });
const IN_FLIGHT = 24;

async function run(task: RaceTask): Promise<RaceTally> {
  const issuer = raceIssuer(task.config, store);
  const tally: RaceTally = { type: 'result', successes: 0, pairs: [], codes: {}, errors: [] };
  const seen = new Set<string>();
  const call = task.type === 'refresh' ? () => issuer.refreshTokens(task.token) : () => issuer.issueTokenPair({ subject: task.subject });
  let left = task.calls;
  const lane = async (): Promise<void> => {
    while (left > 0) {
      left--;
      try {
        const pair = await call();
        tally.successes++;
        if (!seen.has(pair.refreshToken)) { seen.add(pair.refreshToken); tally.pairs.push(pair); }
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string') tally.codes[code] = (tally.codes[code] ?? 0) + 1;
        else tally.errors.push(String(err));
        if (code === 'ERR_STORAGE') tally.errors.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, task.calls) }, lane));
  return tally;
}

process.on('message', (message: RaceTask | { type: 'exit' }) => {
  if (message.type === 'exit') {
    void store.close().finally(() => process.exit(0));
    return;
  }
  void run(message).then((tally) => send(tally));
});
send({ type: 'ready' });
