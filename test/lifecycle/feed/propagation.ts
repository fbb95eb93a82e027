/**
 * Two-process propagation: a child process revokes `count` tokens through its own store; this
 * process's feed must see each. Measures, per revocation, the time from the start of the
 * revoking call (in the child) to the entry being applied to this process's mirror.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { RevocationFeed, RevocationMirror, type RevocationEntry, type RevocationFeedSource } from '../../../src/lifecycle/feed/index.js';

const WORKER = fileURLToPath(new URL('./revoker-worker.ts', import.meta.url));

/** A mirror that records when each id entry first arrived. */
export class TimedMirror extends RevocationMirror {
  readonly seenAt = new Map<string, number>();

  override apply(entries: readonly RevocationEntry[]): void {
    const t = performance.timeOrigin + performance.now();
    for (const e of entries) if (e.type === 'id' && !this.seenAt.has(e.id)) this.seenAt.set(e.id, t);
    super.apply(entries);
  }
}

/** A child process ready to revoke `count` records it has written. */
export interface Revoker {
  ids: string[];
  /** Starts the revocations; resolves with each id's start time when all are done. */
  go(): Promise<Map<string, number>>;
  kill(): void;
}

/** Spawns the revoker and waits until its records are written. */
export async function spawnRevoker(url: string, prefix: string, count: number, idPrefix: string): Promise<Revoker> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url, prefix, String(count), idPrefix], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const started = new Map<string, number>();
  let onDone: (() => void) | undefined;
  let onReady: (() => void) | undefined;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`revoker exited with ${code}`))));
  lines.on('line', (line) => {
    if (line === 'ready') onReady?.();
    else if (line === 'done') onDone?.();
    else {
      const { id, t } = JSON.parse(line) as { id: string; t: number };
      started.set(id, t);
    }
  });
  await Promise.race([new Promise<void>((resolve) => { onReady = resolve; }), exited]);
  return {
    ids: Array.from({ length: count }, (_, i) => `${idPrefix}${i}`),
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

/** Latency percentiles in ms. */
export interface PropagationResult { count: number; p50: number; p99: number; max: number; missing: number }

/** Waits until `ids` are all in the mirror (or `timeoutMs`), then computes latencies. */
export async function measurePropagation(mirror: TimedMirror, started: Map<string, number>, timeoutMs = 10_000): Promise<PropagationResult> {
  const deadline = Date.now() + timeoutMs;
  while ([...started.keys()].some((id) => !mirror.seenAt.has(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const latencies: number[] = [];
  let missing = 0;
  for (const [id, t] of started) {
    const seen = mirror.seenAt.get(id);
    if (seen === undefined) missing++;
    else latencies.push(Math.max(0, seen - t));
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { count: latencies.length, p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? Number.NaN, missing };
}

/** Runs the whole measurement: feed on `source`, `count` revocations by a second process. */
export async function propagation(url: string, prefix: string, source: RevocationFeedSource, count: number): Promise<PropagationResult> {
  const revoker = await spawnRevoker(url, prefix, count, `prop-${Date.now()}-`);
  const mirror = new TimedMirror();
  const feed = await RevocationFeed.start(source, { mirror });
  try {
    const started = await revoker.go();
    return await measurePropagation(mirror, started);
  } finally {
    revoker.kill();
    await feed.close();
  }
}
