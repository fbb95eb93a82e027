/**
 * Worker process of the cross-process concurrency suite (concurrency.ts). Opens the store named
 * by argv[2] via createTokenStore, says `ready`, then runs each task the parent sends (up to
 * IN_FLIGHT calls at once, so calls race each other rather than the pool's queue and its
 * timeout) and answers with the tally.
 */
import { createTokenStore } from '../../src/store/create.js';
import type { TokenRecord } from '../../src/store/types.js';

/** A batch of racing calls. */
export type WorkerTask =
  | { type: 'consume'; hash: string; calls: number }
  | { type: 'addSession'; records: TokenRecord[]; max: number; policy: 'reject' | 'evict-oldest' };

/** What a worker reports for one task. */
export interface WorkerTally {
  type: 'result';
  wins: number;
  losses: number;
  evicted: string[];
  consumedAt: number[];
  errors: string[];
}

const url = process.argv[2];
if (url === undefined || process.send === undefined) throw new Error('run me with child_process.fork(worker, [url])');
const send = process.send.bind(process);
// A generous timeout: on a loaded machine a queued call is slow, and slowness is not what this tests.
const store = await createTokenStore(url, { operationTimeoutMs: 30_000 });
const IN_FLIGHT = 24;

/** Runs `calls` thunks with at most IN_FLIGHT pending. */
async function inFlight(calls: Array<() => Promise<void>>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls.length) await (calls[next++] as () => Promise<void>)();
  };
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, calls.length) }, lane));
}

async function run(task: WorkerTask): Promise<WorkerTally> {
  const tally: WorkerTally = { type: 'result', wins: 0, losses: 0, evicted: [], consumedAt: [], errors: [] };
  const fail = (err: unknown): void => { tally.errors.push(err instanceof Error ? `${err.name}: ${err.message}` : String(err)); };
  if (task.type === 'consume') {
    await inFlight(Array.from({ length: task.calls }, () => () => store.consume(task.hash).then((r) => {
      if (r.consumed) tally.wins++;
      else if (r.reason === 'already_consumed') { tally.losses++; tally.consumedAt.push(r.consumedAt); }
      else fail(new Error(`unexpected consume result ${r.reason}`));
    }, fail)));
  } else {
    await inFlight(task.records.map((record) => () => store.addSession(record, task.max, task.policy).then((r) => {
      if (r.added) { tally.wins++; tally.evicted.push(...r.evicted); }
      else tally.losses++;
    }, fail)));
  }
  return tally;
}

process.on('message', (message: WorkerTask | { type: 'exit' }) => {
  if (message.type === 'exit') {
    void store.close().finally(() => process.exit(0));
    return;
  }
  void run(message).then((tally) => send(tally));
});
send({ type: 'ready' });
