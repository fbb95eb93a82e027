/**
 * Two-process propagation: a child process revokes `count` tokens through its own store; this
 * process's feed must see each. Measures, per revocation, the time from the start of the
 * revoking call (in the child) to the entry being applied to this process's mirror.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { anchoredWallClock } from './wall-clock.js';
import { RevocationFeed, RevocationMirror, type RevocationEntry, type RevocationFeedSource } from '../../../src/lifecycle/feed/index.js';

const WORKER = fileURLToPath(new URL('./revoker-worker.ts', import.meta.url));

/** A mirror that records when each id entry first arrived. */
export class TimedMirror extends RevocationMirror {
  readonly seenAt = new Map<string, number>();
  /** Arrival clock (see wall-clock.ts); `propagation()` re-anchors it as the revocations start. */
  clock = anchoredWallClock();

  override apply(entries: readonly RevocationEntry[]): void {
    const t = this.clock();
    for (const e of entries) if (e.type === 'id' && !this.seenAt.has(e.id)) this.seenAt.set(e.id, t);
    super.apply(entries);
  }
}

/** A child process ready to revoke `count` records it has written. */
export interface Revoker {
  ids: string[];
  /** When each revocation call returned (committed), filled by `go()`. */
  done: Map<string, number>;
  /** Starts the revocations; resolves with each id's start time when all are done. */
  go(): Promise<Map<string, number>>;
  kill(): void;
}

/**
 * Runs the revoker's revocations while checking, every 20 ms, that the mirror never accepts an id
 * revoked longer than its staleness bound ago; `disturbing` (connection kills, restarts) runs
 * alongside and is awaited too. Resolves to each id's start time and the stale acceptances seen.
 */
export async function revokeWhileProbing(revoker: Revoker, mirror: RevocationMirror, disturbing: Promise<unknown>): Promise<{ started: Map<string, number>; acceptedStale: number }> {
  const revokedAt = new Map<string, number>();
  let acceptedStale = 0;
  const going = revoker.go();
  let done = false;
  void going.then(() => { done = true; });
  const probing = (async () => {
    while (!done) {
      for (const id of revoker.ids) {
        const seen = revokedAt.get(id);
        if (mirror.isRevoked(id) === false && seen !== undefined && Date.now() - seen > mirror.maxStalenessMs) acceptedStale++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const started = await going;
  for (const [id, t] of started) revokedAt.set(id, t);
  await Promise.all([disturbing, probing]);
  return { started, acceptedStale };
}

/** Spawns the revoker and waits until its records are written. */
export async function spawnRevoker(url: string, prefix: string, count: number, idPrefix: string): Promise<Revoker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url, prefix, String(count), idPrefix], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const started = new Map<string, number>();
  const done = new Map<string, number>();
  let onDone: (() => void) | undefined;
  let onReady: (() => void) | undefined;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`revoker exited with ${code}`))));
  lines.on('line', (line) => {
    if (line === 'ready') onReady?.();
    else if (line === 'done') onDone?.();
    else {
      const { id, t, d } = JSON.parse(line) as { id: string; t: number; d: number };
      started.set(id, t);
      done.set(id, d);
    }
  });
  await Promise.race([new Promise<void>((resolve) => { onReady = resolve; }), exited]);
  return {
    ids: Array.from({ length: count }, (_, i) => `${idPrefix}${i}`),
    done,
    async go() {
      const done = new Promise<void>((resolve) => { onDone = resolve; });
      child.stdin.write('go\n');
      await Promise.race([done, exited]);
      child.stdin.end();
      return started;
    },
    kill() { child.kill('SIGKILL'); },
  };
}

/**
 * Latency percentiles in ms, from the start of the revoking call; with the calls' return times,
 * also from the commit (`committedP50`/`committedP99`: the feed's own part, without the write).
 */
export interface PropagationResult {
  count: number; p50: number; p99: number; max: number; missing: number;
  committedP50?: number; committedP99?: number; committedMax?: number;
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  values.sort((a, b) => a - b);
  const at = (q: number): number => values[Math.min(values.length - 1, Math.floor(q * values.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), max: values[values.length - 1] ?? Number.NaN };
}

/** Waits until `ids` are all in the mirror (or `timeoutMs`), then computes latencies. */
export async function measurePropagation(mirror: TimedMirror, started: Map<string, number>, timeoutMs = 10_000, done?: Map<string, number>): Promise<PropagationResult> {
  const deadline = Date.now() + timeoutMs;
  while ([...started.keys()].some((id) => !mirror.seenAt.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const latencies: number[] = [];
  const afterCommit: number[] = [];
  let missing = 0;
  for (const [id, t] of started) {
    const seen = mirror.seenAt.get(id);
    if (seen === undefined) {
      missing++;
      continue;
    }
    latencies.push(Math.max(0, seen - t));
    const d = done?.get(id);
    if (d !== undefined) afterCommit.push(Math.max(0, seen - d));
  }
  const result: PropagationResult = { count: latencies.length, ...percentiles(latencies), missing };
  if (afterCommit.length > 0) {
    const c = percentiles(afterCommit);
    Object.assign(result, { committedP50: c.p50, committedP99: c.p99, committedMax: c.max });
  }
  return result;
}

/** Runs the whole measurement: feed on `source`, `count` revocations by a second process. */
export async function propagation(url: string, prefix: string, source: RevocationFeedSource, count: number): Promise<PropagationResult> {
  const revoker = await spawnRevoker(url, prefix, count, `prop-${Date.now()}-`);
  const mirror = new TimedMirror();
  const feed = await RevocationFeed.start(source, { mirror });
  try {
    mirror.clock = anchoredWallClock();
    const started = await revoker.go();
    return await measurePropagation(mirror, started, 10_000, revoker.done);
  } finally {
    revoker.kill();
    await feed.close();
  }
}
