/**
 * What the Redis Cluster feed tests share: driving redis-cluster-worker.ts in a second process,
 * finding the node that holds the feed stream, and killing the feed reader's connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Cluster } from 'ioredis';

const WORKER = fileURLToPath(new URL('./redis-cluster-worker.ts', import.meta.url));

/** A running redis-cluster-worker.ts. */
export interface ClusterWorker {
  child: ChildProcess;
  /** Per revoked id, the start of its revoking call (mode `revoke`). */
  started: Map<string, number>;
  /** Per revoked id, when its revoking call completed (mode `revoke`). */
  completed: Map<string, number>;
  /** Resolves once the worker printed `line`; rejects if it exits first or after `timeoutMs`. */
  waitFor(line: string, timeoutMs?: number): Promise<void>;
  /** Writes a line to the worker's stdin (mode `revoke`: start). */
  go(): void;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

/** Starts the worker (see redis-cluster-worker.ts for the modes). */
export function spawnClusterWorker(url: string, prefix: string, mode: string, arg: string): ClusterWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url, prefix, mode, arg], { stdio: ['pipe', 'pipe', 'inherit'] });
  const seen = new Set<string>();
  const waiters = new Map<string, () => void>();
  const started = new Map<string, number>();
  const completed = new Map<string, number>();
  let exitCode: number | null | undefined;
  const exitListeners: Array<() => void> = [];
  child.once('exit', (code) => {
    exitCode = code;
    for (const listener of exitListeners) listener();
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) {
      const { id, t, d } = JSON.parse(line) as { id: string; t: number; d: number };
      started.set(id, t);
      completed.set(id, d);
      return;
    }
    seen.add(line);
    waiters.get(line)?.();
  });
  return {
    child,
    started,
    completed,
    waitFor(line, timeoutMs = 30_000) {
      if (seen.has(line)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker did not print ${line} within ${timeoutMs} ms`)), timeoutMs);
        waiters.set(line, () => { clearTimeout(timer); resolve(); });
        const onExit = (): void => { clearTimeout(timer); reject(new Error(`worker exited with ${exitCode} before ${line}`)); };
        if (exitCode !== undefined) onExit();
        else exitListeners.push(onExit);
      });
    },
    go() {
      child.stdin.write('go\n');
    },
    async kill() {
      if (exitCode !== undefined) return;
      const gone = new Promise<void>((resolve) => exitListeners.push(resolve));
      child.kill('SIGKILL');
      await gone;
    },
  };
}

/** The `host:port` of the master that holds `key`'s slot. */
export async function masterOf(admin: Cluster, key: string): Promise<string> {
  const slot = Number(await admin.cluster('KEYSLOT', key));
  const ranges = await admin.cluster('SLOTS');
  const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
  if (master === undefined) throw new Error(`no node serves slot ${slot}`);
  return `${master[0]}:${master[1]}`;
}

/** Kills every connection named `cjwt-revocation-feed` on every master; returns how many. */
export async function killFeedConnections(admin: Cluster): Promise<number> {
  let killed = 0;
  for (const node of admin.nodes('master')) {
    const list = String(await node.client('LIST').catch(() => ''));
    for (const line of list.split('\n')) {
      if (!line.includes('name=cjwt-revocation-feed')) continue;
      const id = /id=(\d+)/.exec(line)?.[1];
      if (id !== undefined) killed += Number(await node.client('KILL', 'ID', id).catch(() => 0));
    }
  }
  return killed;
}
